/**
 * `npx tsx bench/split-choice.ts [--steps=200] [--busy]`: the float32 step of bench:conv's convnet
 * (batch 64, SGD inside the compiled step) on 1 thread, on 2 threads always handing parts to the
 * worker (`alwaysSplit`), and on 2 threads with the pool's default chooser
 * (compile/splitChoice.ts's backoff), and the 2-thread program run wholly on the calling thread, each call in one piece (what the
 * choice falls back to), steps interleaved round-robin so they see the same machine;
 * median ms per step. `--busy` adds a thread spinning for the whole run (another job on a core).
 */
import { Worker } from 'node:worker_threads'
import { cpus, loadavg } from 'node:os'
import * as sg from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { grad } from '../src/ad/grad.js'
import { compile } from '../src/compile/index.js'
import { alwaysSplit } from '../src/compile/splitChoice.js'
import { threadPool } from '../src/runner/threads.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { convGraph, convInit, convShapes, type ConvParam } from './convnet.js'
import { median } from './common.js'
import { enableRelaxedSimd } from '../src/runner/relaxedSimd.js'

// as the symgrad command line runs: relaxed SIMD on where Node has it behind a flag
enableRelaxedSimd()

const steps = Number(process.argv.find((a) => a.startsWith('--steps='))?.slice(8) ?? 200)
const busy = process.argv.includes('--busy') ? new Worker('for (;;) {}', { eval: true }) : undefined
const init = convInit()
const pools = { split: threadPool(2, { chooser: alwaysSplit }), alone: threadPool(2, { chooser: { split: () => false, record: () => {} } }), backoff: threadPool(2) }

function stepOf(pool?: ReturnType<typeof threadPool>): () => void {
  const x = sg.input('x', ['N', 1, 28, 28]), y = sg.input('y', ['N'])
  const { scores, params } = convGraph(x)
  const keys = Object.keys(params) as ConvParam[]
  const gs = grad(softmaxCrossEntropy(scores, y), params)
  const f = compile([softmaxCrossEntropy(scores, y), ...keys.map((k) => sg.sub(params[k], sg.mul(0.01, gs[k])))], {
    dtype: 'float32', ...(pool ? { threads: pool } : {}), carry: Object.fromEntries(keys.map((k, i) => [k, i + 1])),
  })
  for (const k of keys) f.load(k, { shape: [...convShapes[k]], data: init[k].slice() })
  const xb = R.uniform(R.key(1), [64, 1, 28, 28]), yb = T.make([64], Array.from({ length: 64 }, (_, i) => i % 10))
  return () => void f.runOwned({ x: xb, y: yb })
}

const before = loadavg()
const variants = { '1 thread': stepOf(), '2 threads, always split': stepOf(pools.split), '2 threads, backing off (default)': stepOf(pools.backoff), '2 threads, all on this thread': stepOf(pools.alone) }
const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
for (let s = 0; s < steps + 10; s++)
  for (const [k, run] of Object.entries(variants)) {
    const t0 = performance.now()
    run()
    if (s >= 10) times[k]!.push(performance.now() - t0)
  }
const after = loadavg()
console.log(`convnet float32 step, batch 64, ${steps} steps each (interleaved), ${cpus()[0]?.model}, ${cpus().length} cores${busy ? ', one thread spinning beside' : ''}; load average ${before.map((v) => v.toFixed(2)).join(' ')} before, ${after.map((v) => v.toFixed(2)).join(' ')} after`)
for (const [k, t] of Object.entries(times)) console.log(`${k.padEnd(28)} ${median(t).toFixed(2).padStart(7)} ms`)
await busy?.terminate()
for (const p of Object.values(pools)) await p.close()
