/**
 * How V8 stores each history list (its elements kind) in memory, straight after JSON.parse of a
 * checkpoint, after decodeCheckpoint, and after training resumed from the decoded state; and the
 * heap a history takes, built in memory vs decoded. A list of "packed doubles" holds 8 bytes per
 * number; a "tagged" list holds a pointer per number to a separate heap number. JSON.parse makes a
 * tagged list when it holds a string — a bias's first update ratio is 0/0, written "NaN" — and
 * copies and pushes keep that kind.
 *
 *   node --expose-gc --allow-natives-syntax --import tsx bench/memory-kinds.ts
 */
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../src/core/Random.js'
import { spiral } from '../src/data/datasets.js'
import { checkpointToText, decodeCheckpoint } from '../src/records/checkpoint.js'
import { decodeRunConfig } from '../src/records/runConfig.js'
import { buildTrainConfig } from '../src/train/config.js'
import { decodeSpec } from '../src/records/spec.js'
import { fromSpec } from '../src/nn/model.js'
import { train } from '../src/train/loop.js'
import type { History } from '../src/train/TrainState.js'

const gc = (globalThis as { gc?: () => void }).gc
let natives: ((name: string) => (x: unknown) => boolean) | undefined
try {
  natives = (name) => new Function('x', `return %${name}(x)`) as (x: unknown) => boolean
  natives('HasDoubleElements')([])
} catch {
  natives = undefined
}
if (gc === undefined || natives === undefined) {
  console.error('bench/memory-kinds: run with node --expose-gc --allow-natives-syntax')
  process.exit(2)
}
const [hasDouble, hasObject, hasSmi] = ['HasDoubleElements', 'HasObjectElements', 'HasSmiElements'].map(natives) as [(x: unknown) => boolean, (x: unknown) => boolean, (x: unknown) => boolean]
const kind = (a: unknown) => (hasDouble(a) ? 'packed doubles' : hasObject(a) ? 'tagged' : hasSmi(a) ? 'small ints' : 'other')
const must = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

const run = must(decodeRunConfig({ data: 'spiral', optimizer: 'adam', learningRate: 0.003, schedule: 'constant', epochs: 1_000_000, batchSize: 32, seed: 1, l2: 0 }))
const spec = must(decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 16, init: 'he' }, { kind: 'activation', fn: 'relu' }, { kind: 'dense', in: 16, out: 3 }] }))
const model = must(fromSpec(spec))
const data = { train: spiral(R.key(3), { perClass: 100 }) }
const steps = 4000
const built = train(model, data, { ...buildTrainConfig(run, data.train.y.data.length), maxSteps: steps })
const text = must(checkpointToText({ spec, run, state: built }))

const kinds = (label: string, h: History) =>
  console.log(`${label.padEnd(22)} ${[['loss', h.loss], ['dataLoss', h.dataLoss], ['learningRate', h.learningRate], ...Object.entries(h.ratio).map(([k, r]) => [`ratio['${k}']`, r] as const)].map(([k, r]) => `${k}: ${kind(r)}`).join(', ')}`)
kinds('built in memory', built.history)
kinds('JSON.parse', (JSON.parse(text) as { state: { history: History } }).state.history)
const decoded = must(decodeCheckpoint(JSON.parse(text) as unknown)).state
kinds('decodeCheckpoint', decoded.history)
kinds('resumed from decoded', train(model, data, { ...buildTrainConfig(run, data.train.y.data.length), maxSteps: steps + 100 }, decoded).history)

// heap a resumed run adds per step: copy the lists as the training loop does, push `steps` new numbers
const heap = () => (gc(), gc(), process.memoryUsage().heapUsed)
const grow = (r: readonly number[]) => {
  const a = [...r]
  for (let i = 0; i < steps; i++) a.push(Math.sin(i) * 1e-3)
  return a
}
const perStep = (h: History) => {
  const lists = [h.loss, h.dataLoss, h.learningRate, ...Object.values(h.ratio)]
  const before = heap()
  const kept = lists.map(grow)
  const after = heap()
  void kept.length
  return ((after - before) / steps).toFixed(0)
}
console.log(`heap added per step by ${steps} more steps (7 numbers a step): resumed from built in memory ${perStep(built.history)} bytes, resumed from decoded ${perStep(decoded.history)} bytes`)
