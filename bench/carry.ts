/**
 * bench:carry — the bench:conv convnet's training step with SGD + momentum inside the compiled
 * program (new weights and momentum buffers are its outputs), called two ways from the same start:
 * "plain" feeds the new tensors back by hand (float64 arrays in and out each call), "session"
 * carries them inside the function's memory (compileStep's carry). Median milliseconds per call
 * over interleaved rounds (after warm-up), per dtype and thread count, and whether both ways give
 * the same bits.
 *
 *   npx tsx bench/carry.ts [--steps=N] [--rounds=N]
 */
import os from 'node:os'
import * as sg from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
import type { Expr } from '../src/core/Expr.js'
import { grad } from '../src/ad/grad.js'
import { compileStep, type StepOptions } from '../src/compile/index.js'
import { threadPool } from '../src/runner/threads.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { median } from './common.js'
import { convGraph, convInit, convShapes, type ConvParam } from './convnet.js'

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]))
const STEPS = Number(args['steps'] ?? 20), ROUNDS = Number(args['rounds'] ?? 3), WARM = 5, BATCH = 64

const x = sg.input('x', ['N', 1, 28, 28]), y = sg.input('y', ['N'])
const { scores, params } = convGraph(x)
const keys = Object.keys(params) as ConvParam[]
const loss = softmaxCrossEntropy(scores, y)
const g = grad(loss, params)
const tensors: Record<string, Expr> = {}
for (const k of keys) {
  const m = sg.add(sg.mul(0.9, sg.input(`m.${k}`, convShapes[k])), g[k])
  tensors[`m.${k}`] = m
  tensors[k] = sg.sub(params[k], sg.mul(0.01, m))
}
const carry = Object.fromEntries(Object.keys(tensors).map((k) => [k, k]))
const init = convInit()
const initial: Record<string, Tensor> = {}
for (const k of keys) (initial[k] = { shape: [...convShapes[k]], data: init[k] }), (initial[`m.${k}`] = T.zeros([...convShapes[k]]))
const batches = Array.from({ length: 8 }, (_, i) => ({
  x: R.uniform(R.key(100 + i), [BATCH, 1, 28, 28], 0, 1),
  y: T.make([BATCH], Array.from({ length: BATCH }, (_, j) => (j * 7 + i) % 10)),
}))

function measure(label: string, options: StepOptions): void {
  const step = compileStep({ values: { loss }, tensors }, { ...options, carry })
  const session = step.sessionOrThrow(initial)
  let p: Record<string, Tensor> = initial
  let at = 0
  const plain = () => (p = step.runOrThrow({ ...p, ...batches[at++ % batches.length]! }).tensors)
  let bt = 0
  const carried = () => session.runOrThrow(batches[bt++ % batches.length]!)
  // wall and CPU (the process's, all threads) milliseconds of each call
  const time = (f: () => unknown, n: number): [number, number][] => Array.from({ length: n }, () => {
    const [t0, c0] = [performance.now(), process.cpuUsage()]
    f()
    const c = process.cpuUsage(c0)
    return [performance.now() - t0, (c.user + c.system) / 1000]
  })
  time(plain, WARM), time(carried, WARM)
  const tp: [number, number][] = [], ts: [number, number][] = []
  for (let r = 0; r < ROUNDS; r++) tp.push(...time(plain, STEPS)), ts.push(...time(carried, STEPS))
  // both ran WARM + ROUNDS·STEPS steps over the same batches
  const read = session.read()
  const same = keys.every((k) => Buffer.from(read[k]!.data.buffer).equals(Buffer.from(p[k]!.data.slice().buffer)))
  const med = (xs: [number, number][], i: 0 | 1) => median(xs.map((t) => t[i]))
  const ms = (v: number) => v.toFixed(2).padStart(6)
  console.log(`${label.padEnd(20)} wall: plain ${ms(med(tp, 0))}  session ${ms(med(ts, 0))} ms (${(med(tp, 0) / med(ts, 0)).toFixed(2)}×)   cpu: plain ${ms(med(tp, 1))}  session ${ms(med(ts, 1))} ms (${(med(tp, 1) / med(ts, 1)).toFixed(2)}×)   same bits: ${same}`)
}

console.log(`convnet step + SGD momentum, batch ${BATCH}, ${ROUNDS}×${STEPS} calls each (after ${WARM}), ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
measure('float64 JavaScript', {})
measure('float32 WebAssembly', { dtype: 'float32' })
const pool = threadPool(2)
measure('float32, 2 threads', { dtype: 'float32', threads: pool })
await pool.close()
console.log(`load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
