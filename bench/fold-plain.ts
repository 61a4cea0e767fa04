/**
 * The training fold's step against bench:conv's step without bench:fold's per-part timers: the
 * `npm start` job (bench/startJob.ts) trained by `train()` in calls of `--round` steps, a fold step
 * being the time from one `onStep` to the next, taking turns with as many of bench:conv's
 * `symgrad-f32` steps on the same threads; the fused step's program is timed as well (one timer
 * around each run). Medians after the first two rounds. A cross-check of bench:fold, whose timers
 * around the gathering and the program sit inside the fold step.
 *
 *   npx tsx bench/fold-plain.ts [--rounds=N] [--round=S] [--threads=T]     (defaults 30, 20, every core)
 */
import { availableParallelism } from 'node:os'
import { threadPool } from '../src/runner/threads.js'
import { enableRelaxedSimd } from '../src/runner/relaxedSimd.js'
import { train } from '../src/train/loop.js'
import type { Programs } from '../src/train/programs.js'
import { median } from './common.js'
import { convBatches, LR } from './convData.js'
import { convInit } from './convnet.js'
import { symgradConvF32 } from './peers/conv-symgrad.js'
import { startJob } from './startJob.js'

const arg = (name: string, d: number): number => {
  const v = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  const n = v === undefined ? d : Number(v)
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bench/fold-plain: --${name} must be a positive integer, got ${v}`)
  return n
}
const rounds = arg('rounds', 30), round = arg('round', 20), threads = arg('threads', availableParallelism())
const fma = enableRelaxedSimd()
const pools: ReturnType<typeof threadPool>[] = []
const { tr, model, config, s0, programs } = startJob(threads, (n) => {
  const p = threadPool(n)
  pools.push(p)
  return p
})
const perEpoch = Math.ceil(tr.x.shape[0]! / config.batchSize)
if (rounds * round > perEpoch) throw new RangeError(`bench/fold-plain: --rounds times --round must fit in one epoch (${perEpoch} steps)`)
const program: number[] = []
const fused = programs.fused
const timedPrograms: Programs = fused === undefined ? programs : {
  ...programs,
  fused: (g, o) => {
    const f = fused(g, o)
    return {
      open: (v) => {
        const s = f.open(v)
        return s === undefined ? undefined : { ...s, run: (...a: Parameters<typeof s.run>) => {
          const t = performance.now()
          const r = s.run(...a)
          program.push(performance.now() - t)
          return r
        } }
      },
    }
  },
}
const conv = symgradConvF32(convInit(), LR, threads)
const batches = convBatches().train
const fold: number[] = [], convSteps: number[] = []
let st = s0
for (let r = 0; r < rounds; r++) {
  let last = NaN
  const timed = r >= 2
  if (!timed) program.length = 0
  st = train(model, { train: tr }, { ...config, programs: timedPrograms, maxSteps: (r + 1) * round, onStep: () => {
    const now = performance.now()
    if (timed && !Number.isNaN(last)) fold.push(now - last)
    last = now
  } }, st)
  for (let i = 0; i < round; i++) {
    const t = performance.now()
    conv.step(batches[(r * round + i) % batches.length]!)
    if (timed) convSteps.push(performance.now() - t)
  }
}
console.log(`bench/fold-plain: npm start's convnet, float32 (relaxed SIMD ${fma ? 'on' : 'off'}), ${threads} thread${threads === 1 ? '' : 's'}, ${rounds - 2} timed rounds of ${round} steps each`)
console.log(`fold step ${median(fold).toFixed(3)} ms (its program ${median(program).toFixed(3)}), bench:conv step ${median(convSteps).toFixed(3)} ms: fold / bench:conv = ${(median(fold) / median(convSteps)).toFixed(3)}`)
for (const p of pools) void p.close()
process.exit(0)
