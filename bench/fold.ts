/**
 * bench:fold — where a step of the training fold goes, for the `npm start` job's net (the small
 * convnet on full MNIST, Adam, batches of 64, ±1-pixel shifts, float32, set up as the command line
 * sets it up: train/config.ts and cli/runSetup.ts), next to bench:conv's step for the same net.
 *
 *   npm run bench:fold -- [--steps=N] [--warm=W] [--threads=T]     (defaults 200, 20, every core)
 *   npm run bench:fold -- --floats …   the pixels as float64 rows instead of bytes (core/ByteTensor.ts)
 *
 * After W warm-up steps of both, `train` runs N steps in calls of 20, each followed by 20 of
 * bench:conv's steps, so a shared machine's changing load falls on both alike. A fold step is the
 * time between two `onStep` calls (the first step of each call has none). Inside it the
 * augmentation (with randomShift's gathered form: the batch's rows gathered and shifted in one
 * pass, as train/batchInput.ts calls it) and the compiled step program are wrapped with timers
 * (the functions `train` is given, called as it calls them): with an optimizer that has a graph
 * form, the fused step's runs (the update inside the program: train/stepper.ts), else the gradient
 * program and the optimizer's JavaScript update. The bookkeeping (the optimizer's counts, ratio
 * history, finiteness scans, applyUpdates, keys, the batch's labels, the callback) is what remains
 * of each fold step. Then one uninterrupted call of N more steps gives `train()`'s wall
 * time per step (the epoch's shuffle included). The two-pass path (gather the batch as `batches`
 * does, then shift it: pixels stored as bytes are gathered as bytes, and the plain shift reads
 * their float64 values, made then) is timed alone over the same batches for comparison; without a gathered
 * form, the gathering is timed so and taken off the fold step. bench:conv's step is bench:conv's
 * `symgrad-f32` trainer (SGD inside the compiled program, parameters carried) on its own batches,
 * with the same threads. Every figure is a median over the timed steps; shares are of the fold
 * step's median. The fold step and bench:conv's step also show the process's CPU time per step
 * (every thread's), which a shared machine inflates less.
 */
import { availableParallelism, loadavg } from 'node:os'
import * as D from '../src/data/Dataset.js'
import { batches } from '../src/data/batches.js'
import type { ThreadPool } from '../src/compile/threads.js'
import { threadPool } from '../src/runner/threads.js'
import type { Augment } from '../src/train/augment.js'
import { augmentKey, shuffleKey, train } from '../src/train/loop.js'
import type { TrainState } from '../src/train/TrainState.js'
import type { Programs } from '../src/train/programs.js'
import { median } from './common.js'
import { convBatches, LR, timeSteps } from './convData.js'
import { convInit } from './convnet.js'
import { symgradConvF32 } from './peers/conv-symgrad.js'
import { enableRelaxedSimd } from '../src/runner/relaxedSimd.js'
import { startJob } from './startJob.js'

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
// as `npm start` and the command line do (cli/start.ts, cli/bin.ts), before any kernel is compiled
const fma = enableRelaxedSimd()

// the job as the command line builds it, float32 on `threads` threads; --floats: the training
// features as a plain float64 tensor (the route before pixels stayed bytes), to compare
const floats = process.argv.includes('--floats')
const pools: ThreadPool[] = []
const { run, tr, model, config, s0, programs } = startJob(threads, (n) => {
  const p = threadPool(n)
  pools.push(p)
  return p
}, (t) => (floats ? { ...t, x: { shape: t.x.shape, data: t.x.data } } : t))
const setup = { programs }
const perEpoch = Math.ceil(D.size(tr) / run.batchSize)
if (warm + 2 * steps > perEpoch) throw new RangeError(`bench:fold: --warm plus twice --steps must fit in one epoch (${perEpoch} steps)`)

// the functions train calls, wrapped with timers adding into the current step's record while `recording`
interface StepTimes { gatherShift: number; program: number; update: number }
const fresh = (): StepTimes => ({ gatherShift: 0, program: 0, update: 0 })
let cur = fresh()
let recording = false
function timed<A extends unknown[], R>(part: keyof StepTimes, f: (...a: A) => R): (...a: A) => R {
  return (...a) => {
    const t = performance.now()
    const r = f(...a)
    cur[part] += performance.now() - t
    return r
  }
}
const augment = config.augment
if (augment === undefined) throw new Error('bench:fold: the job has no augmentation (shift 0?)')
// with a gathered form, train gathers and shifts in one call: its timer holds both
const fused = augment.gathered !== undefined
const timedAugment: Augment = Object.assign(timed('gatherShift', augment), fused ? { gathered: timed('gatherShift', augment.gathered!) } : {})
// the fused step (the optimizer's update inside the program; stepper.ts): each session's runs timed
const programsFused = setup.programs.fused
const fusedStep: Programs['fused'] = programsFused === undefined ? undefined : (graph, optState) => {
  const f = programsFused(graph, optState)
  return {
    open: (v) => {
      const session = f.open(v)
      return session === undefined ? undefined : { ...session, run: timed('program', session.run) }
    },
  }
}
// which form the fold takes (stepper.ts's stepperFor): the update inside the program or in JavaScript
const inProgram = fusedStep !== undefined && config.optimizer.graph !== undefined
// a fold step is the time from one onStep call to the next: the first step of each train() call has none
const folds: (StepTimes & { wall: number; cpu: number })[] = []
let last: { wall: number; cpu: NodeJS.CpuUsage } | undefined
const timedConfig = {
  ...config,
  augment: timedAugment,
  optimizer: { ...config.optimizer, update: timed('update', config.optimizer.update.bind(config.optimizer)) },
  programs: { ...setup.programs, step: timed('program', setup.programs.step), ...(fusedStep !== undefined ? { fused: fusedStep } : {}) },
  onStep: () => {
    const now = { wall: performance.now(), cpu: process.cpuUsage() }
    if (recording && last !== undefined) folds.push({ ...cur, wall: now.wall - last.wall, cpu: (now.cpu.user - last.cpu.user + now.cpu.system - last.cpu.system) / 1000 })
    last = now
    cur = fresh()
  },
}
const trainTo = (from: TrainState, maxSteps: number): TrainState => {
  last = undefined
  cur = fresh()
  const st = train(model, { train: tr }, { ...timedConfig, maxSteps }, from)
  if (st.step !== maxSteps) throw new Error(`bench:fold: the fold stopped at step ${st.step} (${st.status})`)
  return st
}

// bench:conv's trainer for the same net on the same threads; warm-up of both, then rounds of
// ROUND fold steps and ROUND bench:conv steps in turn (a shared machine's load falls on both alike)
const ROUND = 20
const convData = convBatches().train
const conv = symgradConvF32(convInit(), LR, threads)
timeSteps(conv, convData, warm, warm)
let st = trainTo(s0, warm)
const convTimes = { wall: [] as number[], cpu: [] as number[] }
recording = true
for (let done = 0; done < steps; done += ROUND) {
  const k = Math.min(ROUND, steps - done)
  st = trainTo(st, warm + done + k)
  const c = timeSteps(conv, convData.slice(done % convData.length).concat(convData), k, 0)
  convTimes.wall.push(...c.wall)
  convTimes.cpu.push(...c.cpu)
}
recording = false
// train() as one call over `steps` more steps: its wall time per step (the epoch's shuffle included)
const t0 = performance.now()
trainTo(st, warm + 2 * steps)
const foldWall = (performance.now() - t0) / steps

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
for (const p of pools) void p.close()

// without a gathered form the gathering happens in the fold untimed: the median timed alone stands in
const gatherMs = median(gather)
const inFold = fused ? 0 : gatherMs
const pick = (f: (s: (typeof folds)[number]) => number) => median(folds.map(f))
const fold = pick((s) => s.wall)
const ga = fused ? pick((s) => s.gatherShift) : gatherMs + pick((s) => s.gatherShift)
const rows: [string, number, number?][] = [
  ...(fused
    ? [['gathering + shift, one pass (in the fold)', ga], ['  two passes alone: gathering', gatherMs], ['  two passes alone: shift', median(shiftAfter)]] as [string, number][]
    : [['batch gathering (timed alone)', gatherMs], ['augmentation (randomShift, in the fold)', pick((s) => s.gatherShift)]] as [string, number][]),
  ...(inProgram
    ? [['compiled step program (adam update inside)', pick((s) => s.program)]] as [string, number][]
    : [['compiled step program', pick((s) => s.program)], ['optimizer update (adam, JavaScript)', pick((s) => s.update)]] as [string, number][]),
  [inProgram ? 'bookkeeping (optimizer counts, ratios, keys)' : 'bookkeeping (ratios, finiteness, applyUpdates)', pick((s) => s.wall - s.gatherShift - s.program - s.update - inFold)],
  ['fold step', fold, pick((s) => s.cpu)],
  ['fold step, mean (GC pauses and outliers included)', folds.reduce((a, s) => a + s.wall, 0) / folds.length, folds.reduce((a, s) => a + s.cpu, 0) / folds.length],
  ['train() wall / step (one call)', foldWall],
  [`bench:conv step (symgrad-f32, ${threads} thread${threads === 1 ? '' : 's'})`, median(convTimes.wall), median(convTimes.cpu)],
]
const w = Math.max(...rows.map(([k]) => k.length))
console.log(`bench:fold: npm start's convnet, float32 (relaxed SIMD ${fma ? 'on' : 'off'}), ${threads} thread${threads === 1 ? '' : 's'}, batch ${run.batchSize}, pixels as ${floats ? "float64 rows (--floats)" : "bytes"}; medians over ${folds.length} fold steps and ${convTimes.wall.length} bench:conv steps after ${warm}`)
console.log(`${'part'.padEnd(w)}  ${'ms'.padStart(7)}  ${'share'.padStart(6)}  ${'CPU ms'.padStart(7)}`)
for (const [k, ms, cpu] of rows) console.log(`${k.padEnd(w)}  ${ms.toFixed(3).padStart(7)}  ${((100 * ms) / fold).toFixed(1).padStart(5)}%  ${cpu === undefined ? '' : cpu.toFixed(3).padStart(7)}`.trimEnd())
console.log(`gathering + augmentation: ${ga.toFixed(3)} ms = ${((100 * ga) / fold).toFixed(1)}% of the fold step; fold step / bench:conv step = ${(fold / median(convTimes.wall)).toFixed(2)} (CPU time: ${(pick((s) => s.cpu) / median(convTimes.cpu)).toFixed(2)})`)
console.log(`load average (1 min) before ${load0[0]!.toFixed(2)}, after ${loadavg()[0]!.toFixed(2)}`)
