/**
 * A checkpoint's best state (best params and best modelState, restored in place of the last
 * state) is checked against the model like the main state: names, shapes, finiteness, own keys,
 * and names quoted in messages.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { spiral } from '../src/data/datasets.js'
import { checkpointToText, decodeCheckpoint } from '../src/records/checkpoint.js'
import { decodeSpec } from '../src/records/spec.js'
import { fromSpec } from '../src/nn/model.js'
import * as O from '../src/optim/index.js'
import { train } from '../src/train/loop.js'

const right = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const spec = right(decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 4 }, { kind: 'batchNorm' }, { kind: 'activation', fn: 'relu' }, { kind: 'dense', in: 4, out: 3 }] }))
const model = right(fromSpec(spec))
const state0 = train(model, { train: spiral(R.key(5), { perClass: 10 }) }, { optimizer: O.sgd(0.1), epochs: 1, batchSize: 30, key: R.key(1), maxSteps: 1, evalTrainSize: 0 })
const state = { ...state0, best: { validationAccuracy: 0.5, epoch: 0, params: state0.params, modelState: state0.modelState } }
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = JSON.parse(right(checkpointToText({ spec, state }))) as Record<string, any>
const edit = (f: (best: Record<string, any>) => void): string => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const d = structuredClone(doc)
  f(d['state'].best)
  const r = decodeCheckpoint(d)
  return E.isLeft(r) ? r.left.message : 'Right'
}

describe("a checkpoint's best state", () => {
  it('round trips when it fits', () => {
    expect(Object.keys(state.best.modelState).length).toBeGreaterThan(0)
    expect(edit(() => undefined)).toBe('Right')
  })
  it.each<[string, (b: Record<string, any>) => void, string | RegExp]>([ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['best.modelState misses a tensor', (b) => delete b['modelState']['bn0.runningMean'], /^checkpoint\.state\.best\.modelState: missing 'bn0\.runningMean' \(the model needs \[4\]; the checkpoint has /],
    ['best.modelState of another shape', (b) => (b['modelState']['bn0.runningVar'] = { shape: [3], f64le: b['params']['dense1.b'].f64le }), "checkpoint.state.best.modelState['bn0.runningVar']: expected shape [4] for this model, got [3]"],
    ['best.modelState with an extra tensor', (b) => (b['modelState']['bn9.x'] = b['modelState']['bn0.runningVar']), /^checkpoint\.state\.best\.modelState: 'bn9\.x' is not a tensor of this model/],
    ['best.modelState empty', (b) => (b['modelState'] = {}), /^checkpoint\.state\.best\.modelState: missing 'bn0\.running(Mean|Var)' .*the checkpoint has none\)$/],
    ['best.modelState with a NaN', (b) => (b['modelState']['bn0.runningVar'].f64le = Buffer.from(Float64Array.of(NaN, 1, 1, 1).buffer).toString('base64')), "checkpoint.state.best.modelState['bn0.runningVar']: expected finite values, got NaN at flat index 0 of shape [4]"],
    ['best.params of another shape', (b) => (b['params']['dense0.b'] = b['params']['dense1.b']), "checkpoint.state.best.params['dense0.b']: expected shape [4] for this model, got [3]"],
    ['best.modelState with an escape sequence as a name', (b) => (b['modelState']['\u001b[2Jx'] = b['modelState']['bn0.runningVar']), /^checkpoint\.state\.best\.modelState: "\\u001b\[2Jx" is not a tensor of this model/],
    ['best.modelState with a name 5,000 characters long', (b) => (b['modelState']['m'.repeat(5000)] = b['modelState']['bn0.runningVar']), /^checkpoint\.state\.best\.modelState: "m{40}…" \(5000 characters\) is not a tensor of this model/],
  ])('%s is refused', (_, f, msg) => {
    const m = edit(f)
    if (typeof msg === 'string') expect(m).toBe(msg)
    else expect(m).toMatch(msg)
    expect(m).not.toMatch(/[\n\u001b]/)
    expect(m.length).toBeLessThan(400)
  })
  it('saving refuses a best.modelState holding NaN, naming it', () => {
    const rv = state.best.modelState['bn0.runningVar']!
    const bad = { ...state, best: { ...state.best, modelState: { ...state.best.modelState, 'bn0.runningVar': T.make(rv.shape, Array.from(rv.data, (x, i) => (i === 2 ? NaN : x))) } } }
    const r = checkpointToText({ spec, state: bad })
    expect(E.isLeft(r) && r.left.message).toBe("refusing to save a checkpoint: best.modelState['bn0.runningVar'] holds NaN at flat index 2 (the run diverged; keep the last good checkpoint)")
  })
})
