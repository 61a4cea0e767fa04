// A/B: the fused step's program inside train() vs direct session runs vs bench:conv's step, alternating rounds
import { availableParallelism } from 'node:os'
import * as D from '../src/data/Dataset.js'
import { threadPool } from '../src/runner/threads.js'
import { enableRelaxedSimd } from '../src/runner/relaxedSimd.js'
import { train } from '../src/train/loop.js'
import * as R from '../src/core/Random.js'
import { convBatches } from './convData.js'
import { convInit } from './convnet.js'
import { symgradConvF32 } from './peers/conv-symgrad.js'
import { median } from './common.js'
import { startJob } from './startJob.js'
enableRelaxedSimd()
const threads = Number(process.env.T ?? availableParallelism())
const { tr, model, config, s0, programs } = startJob(threads, (n) => threadPool(n))
const graph = config.optimizer.graph!
const sh = config.augment!
const N = D.size(tr)
const inTrain: number[] = [], foldStep: number[] = []
let lastStep = NaN
const wrapped = { ...programs, fused: (g: never, o: never) => { const f = programs.fused!(g, o); return { open: (v: never) => { const s = f.open(v); return s === undefined ? undefined : { ...s, run: (...a: Parameters<typeof s.run>) => { const t0 = performance.now(); const r = s.run(...a); inTrain.push(performance.now() - t0); return r } } } } } }
const conv = symgradConvF32(convInit(), 0.05, threads)
const cb = convBatches().train
const ct: number[] = []
let ts = s0
const aug = config.augment!
const timedAug = process.env.TA ? Object.assign((x: never, k: never) => aug(x, k), { gathered: (...a: Parameters<NonNullable<typeof aug.gathered>>) => { const t = performance.now(); const r = aug.gathered!(...a); void (performance.now() - t); return r } }) : aug
const opt = process.env.TO ? { ...config.optimizer, update: config.optimizer.update.bind(config.optimizer) } : config.optimizer
const cpuOn = !!process.env.TC
const R0 = Number(process.env.ROUND ?? 20)
for (let round = 0; round < 30; round++) {
  lastStep = NaN
  ts = train(model, { train: tr }, { ...config, augment: timedAug as never, optimizer: opt as never, programs: wrapped as never, maxSteps: (round + 1) * R0, onStep: () => { const n = performance.now(); if (cpuOn) process.cpuUsage(); if (!Number.isNaN(lastStep) && round > 1) foldStep.push(n - lastStep); lastStep = n } }, ts)
  for (let i = 0; i < R0; i++) { const t0 = performance.now(); conv.step(cb[(round * R0 + i) % cb.length]!); if (round > 1) ct.push(performance.now() - t0) }
}
console.log(`T=${threads} round ${R0}: fold step ${median(foldStep).toFixed(3)}, program in train ${median(inTrain.slice(2 * R0)).toFixed(3)}, conv ${median(ct).toFixed(3)} ms; ratio ${(median(foldStep) / median(ct)).toFixed(3)}`)
process.exit(0)
