/**
 * bench:fold — where a step of the training fold goes, for the `npm start` job's net (the small
 * convnet on full MNIST, Adam, batches of 64, ±1-pixel shifts, float32, set up as the command line
 * sets it up: train/config.ts and cli/runSetup.ts), next to bench:conv's step for the same net.
 *
 *   npm run bench:fold -- [--steps=N] [--warm=W] [--threads=T]     (defaults 200, 20, every core)
 *
 * `train` runs W steps to warm up, then N more in a second call, which is timed: its wall time over
 * N ("train() wall / step", the epoch's shuffle included), and per step the time between two
 * `onStep` calls ("fold step"). Inside it the augmentation (with randomShift's gathered form: the
 * batch's rows gathered and shifted in one pass, as train/batchInput.ts calls it), the compiled
 * step program and the optimizer's update are wrapped with timers (the functions `train` is given,
 * called as it calls them). The two-pass path (gather the batch as `batches` does, then shift it)
 * is timed alone over the same batches for comparison; without a gathered form, the gathering is
 * timed so and taken off the fold step. The bookkeeping (ratio history, finiteness scans,
 * applyUpdates, keys, the batch's labels, the callback) is what remains of each fold step.
 * bench:conv's step is bench:conv's `symgrad-f32` trainer (SGD inside the compiled program,
 * parameters carried) on its own batches, with the same threads. Every figure is the median over
 * the timed steps; shares are of the fold step's median. The fold step and bench:conv's step also
 * show the process's CPU time per step (every thread's), which a shared machine inflates less.
 */
import { availableParallelism, loadavg } from 'node:os'
import * as D from '../src/data/Dataset.js'
import { batches } from '../src/data/batches.js'
import type { ThreadPool } from '../src/compile/threads.js'
import { threadPool } from '../src/runner/threads.js'
import { loadData } from '../src/runner/data.js'
import { setupRun } from '../src/cli/runSetup.js'
import type { Augment } from '../src/train/augment.js'
import { buildModel, buildTrainConfig, startRunConfig, type RunConfig } from '../src/train/config.js'
import { augmentKey, initTrainState, shuffleKey, train } from '../src/train/loop.js'
import { median } from './common.js'
import { convBatches, LR, timeSteps } from './convData.js'
import { convInit } from './convnet.js'
import { symgradConvF32 } from './peers/conv-symgrad.js'

const arg = (name: string, d: number): number => {
  const v = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  const n = v === undefined ? d : Number(v)
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bench:fold: --${name} must be a positive integer, got ${v}`)
  return n
}
const steps = arg('steps', 200)
const warm = arg('warm', 20)
const threads = arg('threads', availableParallelism())
const load0 = loadavg()

// the job as the command line builds it, float32 on `threads` threads
const run: RunConfig = { ...startRunConfig, dtype: 'float32', threads }
const loaded = loadData(run)
if (loaded._tag === 'Left') throw loaded.left
const { train: tr, image } = loaded.right
const perEpoch = Math.ceil(D.size(tr) / run.batchSize)
if (warm + steps > perEpoch) throw new RangeError(`bench:fold: --warm plus --steps must fit in one epoch (${perEpoch} steps)`)
const model = buildModel(run, D.features(tr), tr.classes, image !== undefined ? { image } : {})
const config = buildTrainConfig(run, D.size(tr), image !== undefined ? { image } : {})
const s0 = initTrainState(model, config, tr.x)
const pools: ThreadPool[] = []
const setup = setupRun(run, model, config, s0, tr, (n) => {
  const p = threadPool(n)
  pools.push(p)
  return p
})

// the functions train calls, wrapped with timers that record while `recording`
const spent = { augment: [] as number[], program: [] as number[], update: [] as number[], fold: [] as number[], foldCpu: [] as number[] }
let recording = false
function timed<A extends unknown[], R>(into: number[], f: (...a: A) => R): (...a: A) => R {
  return (...a) => {
    const t = performance.now()
    const r = f(...a)
    if (recording) into.push(performance.now() - t)
    return r
  }
}
const augment = config.augment
if (augment === undefined) throw new Error('bench:fold: the job has no augmentation (shift 0?)')
// with a gathered form, train gathers and shifts in one call: its timer holds both
const fused = augment.gathered !== undefined
const timedAugment: Augment = Object.assign(timed(spent.augment, augment), fused ? { gathered: timed(spent.augment, augment.gathered!) } : {})
let lastStep: number | undefined
let lastCpu: NodeJS.CpuUsage | undefined
const timedConfig = {
  ...config,
  augment: timedAugment,
  optimizer: { init: config.optimizer.init, update: timed(spent.update, config.optimizer.update.bind(config.optimizer)) },
  programs: { ...setup.programs, step: timed(spent.program, setup.programs.step) },
  onStep: () => {
    const t = performance.now()
    const c = process.cpuUsage()
    if (recording && lastStep !== undefined && lastCpu !== undefined) {
      spent.fold.push(t - lastStep)
      spent.foldCpu.push((c.user - lastCpu.user + c.system - lastCpu.system) / 1000)
    }
    lastStep = t
    lastCpu = c
  },
}
const warmed = train(model, { train: tr }, { ...timedConfig, maxSteps: warm }, s0)
recording = true
const t0 = performance.now()
const done = train(model, { train: tr }, { ...timedConfig, maxSteps: warm + steps }, warmed)
const foldWall = (performance.now() - t0) / steps
recording = false
if (done.step !== warm + steps) throw new Error(`bench:fold: the fold stopped at step ${done.step} (${done.status})`)

// the two passes alone over the timed steps' batches (epoch 0): gathering as `batches` does it, then the shift
const gather: number[] = []
const shiftAfter: number[] = []
const bs = batches(tr, run.batchSize, shuffleKey(config.key), 0)
for (let i = warm; i < warm + steps; i++) {
  const t = performance.now()
  const b = bs.at(i)
  const t1 = performance.now()
  augment(b.x, augmentKey(config.key, i))
  gather.push(t1 - t)
  shiftAfter.push(performance.now() - t1)
}

// fold step i covers step i's gathering, augmentation, program, update and bookkeeping; its parts
// are the timers' entries i + 1 (the first timed step has no onStep before it)
const gatherMs = median(gather)
const inFold = fused ? 0 : gatherMs
const rest = spent.fold.map((f, i) => f - spent.augment[i + 1]! - spent.program[i + 1]! - spent.update[i + 1]! - inFold)

// bench:conv's step for the same net, the same threads
const conv = timeSteps(symgradConvF32(convInit(), LR, threads), convBatches().train, steps + warm, warm)
for (const p of pools) void p.close()

const fold = median(spent.fold)
const ga = fused ? median(spent.augment) : gatherMs + median(spent.augment)
const rows: [string, number, number?][] = [
  ...(fused
    ? [['gathering + shift, one pass (in the fold)', ga], ['  two passes alone: gathering', gatherMs], ['  two passes alone: shift', median(shiftAfter)]] as [string, number][]
    : [['batch gathering (timed alone)', gatherMs], ['augmentation (randomShift, in the fold)', median(spent.augment)]] as [string, number][]),
  ['compiled step program', median(spent.program)],
  ['optimizer update (adam)', median(spent.update)],
  ['bookkeeping (ratios, finiteness, applyUpdates)', median(rest)],
  ['fold step', fold, median(spent.foldCpu)],
  ['train() wall / step', foldWall],
  [`bench:conv step (symgrad-f32, ${threads} thread${threads === 1 ? '' : 's'})`, median(conv.wall), median(conv.cpu)],
]
const w = Math.max(...rows.map(([k]) => k.length))
console.log(`bench:fold: npm start's convnet, float32, ${threads} thread${threads === 1 ? '' : 's'}, batch ${run.batchSize}; medians over ${steps} steps after ${warm}`)
console.log(`${'part'.padEnd(w)}  ${'ms'.padStart(7)}  ${'share'.padStart(6)}  ${'CPU ms'.padStart(7)}`)
for (const [k, ms, cpu] of rows) console.log(`${k.padEnd(w)}  ${ms.toFixed(3).padStart(7)}  ${((100 * ms) / fold).toFixed(1).padStart(5)}%  ${cpu === undefined ? '' : cpu.toFixed(3).padStart(7)}`.trimEnd())
console.log(`gathering + augmentation: ${ga.toFixed(3)} ms = ${((100 * ga) / fold).toFixed(1)}% of the fold step; fold step / bench:conv step = ${(fold / median(conv.wall)).toFixed(2)} (CPU time: ${(median(spent.foldCpu) / median(conv.cpu)).toFixed(2)})`)
console.log(`load average (1 min) before ${load0[0]!.toFixed(2)}, after ${loadavg()[0]!.toFixed(2)}`)
