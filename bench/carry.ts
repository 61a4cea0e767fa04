/**
 * bench:carry — a training step with SGD + momentum inside the compiled program (new weights and
 * momentum buffers are its outputs) for bench:conv's convnet (6k parameters) and bench's big MLP
 * (670k), called two ways from the same start:
 * "plain" feeds the new tensors back by hand (float64 arrays in and out each call), "session"
 * carries them inside the function's memory (compileStep's carry). Median milliseconds per call
 * over interleaved rounds (after warm-up), per dtype and thread count, and whether both ways give
 * the same bits.
 *
 *   npx tsx bench/carry.ts [--steps=N] [--rounds=N] [--only=float64|float32|threads]
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
import { configs, initParams, median } from './common.js'
import { convGraph, convInit, convShapes, type ConvParam } from './convnet.js'

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]))
const STEPS = Number(args['steps'] ?? 20), ROUNDS = Number(args['rounds'] ?? 3), WARM = 5

interface Net {
  readonly name: string
  readonly scores: (x: Expr) => { scores: Expr; params: Record<string, Expr> }
  readonly init: Record<string, Tensor>
  readonly x: readonly number[]
}
const conv: Net = {
  name: 'convnet, batch 64', scores: convGraph, x: [64, 1, 28, 28],
  init: Object.fromEntries(Object.entries(convInit()).map(([k, d]) => [k, { shape: [...convShapes[k as ConvParam]], data: d }])),
}
const mlpSizes = configs.big.sizes
const mlpInit = initParams(configs.big)
const mlp: Net = {
  name: `MLP ${mlpSizes.join('-')}, batch ${configs.big.batch}`, x: [configs.big.batch, 784],
  scores: (x) => {
    const params: Record<string, Expr> = {}
    let h = x
    for (let l = 0; l + 1 < mlpSizes.length; l++) {
      const W = (params[`W${l}`] = sg.param(`W${l}`, [mlpSizes[l]!, mlpSizes[l + 1]!])), b = (params[`b${l}`] = sg.param(`b${l}`, [mlpSizes[l + 1]!]))
      h = sg.add(sg.matmul(h, W), sg.broadcastTo(b, [x.shape[0]!, mlpSizes[l + 1]!]))
      if (l + 2 < mlpSizes.length) h = sg.relu(h)
    }
    return { scores: h, params }
  },
  init: Object.fromEntries(mlpInit.W.flatMap((W, l) => [[`W${l}`, { shape: [mlpSizes[l]!, mlpSizes[l + 1]!], data: W }], [`b${l}`, { shape: [mlpSizes[l + 1]!], data: mlpInit.b[l]! }]])),
}

function measure(net: Net, label: string, options: StepOptions): void {
  const x = sg.input('x', ['N', ...net.x.slice(1)]), y = sg.input('y', ['N'])
  const { scores, params } = net.scores(x)
  const loss = softmaxCrossEntropy(scores, y)
  const g = grad(loss, params)
  const tensors: Record<string, Expr> = {}
  const initial: Record<string, Tensor> = {}
  for (const k of Object.keys(params)) {
    const m = sg.add(sg.mul(0.9, sg.input(`m.${k}`, params[k]!.shape)), g[k]!)
    tensors[`m.${k}`] = m
    tensors[k] = sg.sub(params[k]!, sg.mul(0.01, m))
    initial[k] = net.init[k]!
    initial[`m.${k}`] = T.zeros(net.init[k]!.shape)
  }
  const carry = Object.fromEntries(Object.keys(tensors).map((k) => [k, k]))
  const batches = Array.from({ length: 8 }, (_, i) => ({
    x: R.uniform(R.key(100 + i), net.x, 0, 1),
    y: T.make([net.x[0]!], Array.from({ length: net.x[0]! }, (_, j) => (j * 7 + i) % 10)),
  }))
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
  const same = Object.keys(params).every((k) => Buffer.from(read[k]!.data.buffer).equals(Buffer.from(p[k]!.data.slice().buffer)))
  const med = (xs: [number, number][], i: 0 | 1) => median(xs.map((t) => t[i]))
  const ms = (v: number) => v.toFixed(2).padStart(6)
  console.log(`${net.name.padEnd(28)} ${label.padEnd(20)} wall: plain ${ms(med(tp, 0))}  session ${ms(med(ts, 0))} ms (${(med(tp, 0) / med(ts, 0)).toFixed(2)}×)   cpu: plain ${ms(med(tp, 1))}  session ${ms(med(ts, 1))} ms (${(med(tp, 1) / med(ts, 1)).toFixed(2)}×)   same bits: ${same}`)
}

console.log(`training steps with SGD momentum inside, ${ROUNDS}×${STEPS} calls each way (after ${WARM}), ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
const pool = threadPool(2)
const only = args['only']
for (const net of [conv, mlp]) {
  if (only === undefined || only === 'float64') measure(net, 'float64 JavaScript', {})
  if (only === undefined || only === 'float32') measure(net, 'float32 WebAssembly', { dtype: 'float32' })
  if (only === undefined || only === 'threads') measure(net, 'float32, 2 threads', { dtype: 'float32', threads: pool })
}
await pool.close()
console.log(`load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
