/**
 * Memory over a long run: 10,000 training steps of a 2-64-64-3 MLP with batch norm and dropout on
 * the spiral (Adam, batch 32), in chunks of 500 steps resumed from the TrainState (as a resumed
 * run would be), with a checkpoint encoded and decoded after each chunk. After each chunk the
 * heap is collected (`--expose-gc`) and `process.memoryUsage()` recorded: heapUsed, external and
 * arrayBuffers (the typed-array buffers: parameters, optimizer moments, compiled scratch).
 *
 *   npm run bench:memory            (node --expose-gc --import tsx bench/memory.ts [--steps N] [--drop-history] [--no-checkpoint] [--out file.json])
 *
 * The history grows by design (per step: loss, data loss, learning rate and one update ratio per
 * parameter: 11 numbers here, plus one record per epoch); its size is printed beside the heap.
 * With --drop-history the history is emptied after each chunk, leaving only what the loop itself
 * retains — which must stay flat.
 * Prints a table and a JSON summary; asserts nothing.
 */
import { writeFileSync } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../src/core/Random.js'
import { spiral } from '../src/data/datasets.js'
import { checkpointToText, decodeCheckpoint } from '../src/records/checkpoint.js'
import { decodeRunConfig } from '../src/records/runConfig.js'
import { buildTrainConfig } from '../src/train/config.js'
import { decodeSpec } from '../src/records/spec.js'
import { fromSpec } from '../src/nn/model.js'
import { train } from '../src/train/loop.js'
import { buildPrograms } from '../src/train/programs.js'
import type { TrainState } from '../src/train/TrainState.js'
import { emptyHistory } from '../src/train/TrainState.js'

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const totalSteps = Number(arg('--steps') ?? 10_000)
const chunk = 500
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) {
  console.error('bench/memory: run with node --expose-gc (npm run bench:memory)')
  process.exit(2)
}

const must = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

const spec = must(
  decodeSpec({
    layers: [
      { kind: 'dense', in: 2, out: 64, init: 'he' },
      { kind: 'batchNorm' },
      { kind: 'activation', fn: 'relu' },
      { kind: 'dropout', keep: 0.9 },
      { kind: 'dense', in: 64, out: 64, init: 'he' },
      { kind: 'activation', fn: 'relu' },
      { kind: 'dense', in: 64, out: 3 },
    ],
  }),
)
const run = must(decodeRunConfig({ data: 'spiral', optimizer: 'adam', learningRate: 0.003, schedule: 'constant', epochs: 1_000_000, batchSize: 32, seed: 1, l2: 1e-4, evalTrainSize: 300 }))
const model = must(fromSpec(spec))
const data = { train: spiral(R.key(3), { perClass: 100 }) }
const base = buildTrainConfig(run, data.train.y.data.length)
const programs = buildPrograms(model, 'softmax', base.regularization ?? { kind: 'none' })

const mb = (b: number) => b / (1 << 20)
interface Row { step: number; heapUsedMB: number; externalMB: number; arrayBuffersMB: number; rssMB: number; historyNumbers: number; loss: number; ms: number }
const rows: Row[] = []
const sample = (s: TrainState | undefined, ms: number) => {
  gc()
  gc()
  const m = process.memoryUsage()
  const h = s?.history
  const historyNumbers = h === undefined ? 0 : h.loss.length + h.dataLoss.length + h.learningRate.length + Object.values(h.ratio).reduce((a, r) => a + r.length, 0)
  rows.push({ step: s?.step ?? 0, heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external), arrayBuffersMB: mb(m.arrayBuffers), rssMB: mb(m.rss), historyNumbers, loss: h?.loss[h.loss.length - 1] ?? NaN, ms })
}

/**
 * Encode, parse and decode, inside a function: at top level the interpreter's registers would keep
 * the last parsed document (a second copy of the whole history) alive through the heap sample.
 */
const roundTrip = (s: TrainState): TrainState => must(decodeCheckpoint(JSON.parse(must(checkpointToText({ spec, run, state: s }))) as unknown)).state

let state: TrainState | undefined
sample(undefined, 0)
while ((state?.step ?? 0) < totalSteps) {
  const t0 = performance.now()
  state = train(model, data, { ...base, programs, maxSteps: Math.min(totalSteps, (state?.step ?? 0) + chunk) }, state)
  // the state goes through a checkpoint each chunk, as in a run that saves periodically
  if (!process.argv.includes('--no-checkpoint')) state = roundTrip(state)
  if (process.argv.includes('--drop-history')) state = { ...state, history: emptyHistory }
  sample(state, performance.now() - t0)
  if (state.status !== 'running') break
}

const fmt = (x: number, d = 2) => x.toFixed(d).padStart(9)
console.log(`memory over ${state?.step} steps (chunks of ${chunk}, gc before each sample${process.argv.includes('--drop-history') ? ', history dropped after each chunk' : ''}), node ${process.version}`)
console.log('     step  heapUsed  external  arrayBuf       rss  history#      loss   ms/chunk')
for (const r of rows) console.log(`${String(r.step).padStart(9)} ${fmt(r.heapUsedMB)} ${fmt(r.externalMB)} ${fmt(r.arrayBuffersMB)} ${fmt(r.rssMB, 1)} ${String(r.historyNumbers).padStart(9)} ${fmt(r.loss, 4)} ${fmt(r.ms, 0)}`)
const after = rows.filter((r) => r.step >= 1000)
const span = (f: (r: Row) => number) => Math.max(...after.map(f)) - Math.min(...after.map(f))
const first = after[0]!
const last = after[after.length - 1]!
const summary = {
  steps: state?.step,
  heapUsedMB: { atStep1000: first.heapUsedMB, atEnd: last.heapUsedMB, growth: last.heapUsedMB - first.heapUsedMB, range: span((r) => r.heapUsedMB) },
  arrayBuffersMB: { atStep1000: first.arrayBuffersMB, atEnd: last.arrayBuffersMB, growth: last.arrayBuffersMB - first.arrayBuffersMB, range: span((r) => r.arrayBuffersMB) },
  historyNumbers: last.historyNumbers,
  historyMBifFloat64: mb(last.historyNumbers * 8),
  heapGrowthPerStepBytes: ((last.heapUsedMB - first.heapUsedMB) * (1 << 20)) / (last.step - first.step),
}
console.log(JSON.stringify(summary, null, 2))
const out = arg('--out')
if (out !== undefined) writeFileSync(out, JSON.stringify({ rows, summary }, null, 2))
