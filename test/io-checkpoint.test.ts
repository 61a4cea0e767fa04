import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { spiral } from '../src/data/datasets.js'
import { decodeSpec } from '../src/records/spec.js'
import { decodeRunConfig } from '../src/records/runConfig.js'
import { buildTrainConfig, type RunConfig } from '../src/train/config.js'
import { checkpointToText, decodeCheckpoint } from '../src/records/checkpoint.js'
import { writeFileAtomic } from '../src/io/atomic.js'
import { loadCheckpoint, loadRunConfig, saveCheckpoint } from '../src/records/files.js'
import { fromSpec } from '../src/nn/model.js'
import { train } from '../src/train/loop.js'
import type { TrainState } from '../src/train/TrainState.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-io-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const right = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const left = <A>(r: E.Either<{ message: string }, A>): string => {
  if (E.isRight(r)) throw new Error('expected a Left')
  return r.left.message
}

const specJson = {
  layers: [
    { kind: 'dense', in: 2, out: 16, init: 'he' },
    { kind: 'batchNorm' },
    { kind: 'activation', fn: 'relu' },
    { kind: 'dropout', keep: 0.8 },
    { kind: 'dense', in: 16, out: 3 },
  ],
}
// adam behind clipping, its learning rate halved every epoch (5 steps)
const runJson = { data: 'spiral', optimizer: 'adam', learningRate: 0.01, schedule: 'step', decay: 0.5, decayEvery: 1, clipNorm: 5, epochs: 4, batchSize: 32, seed: 7, l2: 1e-4, evalTrainSize: 50, shift: 0 }
const cfg: RunConfig = right(decodeRunConfig(runJson))
const spec = right(decodeSpec(specJson))
const model = right(fromSpec(spec))
const data = { train: spiral(R.key(5), { perClass: 50 }) } // 150 examples: 5 batches per epoch, the last one partial
const toTrainConfig = (c: RunConfig) => buildTrainConfig(c, 150)

const expectSameState = (a: TrainState, b: TrainState) => {
  expect(b.step).toBe(a.step)
  expect([b.epoch, b.batch]).toEqual([a.epoch, a.batch])
  for (const k of Object.keys(a.params)) expect(T.equal(b.params[k]!, a.params[k]!), k).toBe(true)
  for (const k of Object.keys(a.modelState)) expect(T.equal(b.modelState[k]!, a.modelState[k]!), k).toBe(true)
  expect(JSON.stringify(right(checkpointToText({ spec, run: cfg, state: b })))).toBe(JSON.stringify(right(checkpointToText({ spec, run: cfg, state: a }))))
}

describe('checkpoints and resume', () => {
  it('N steps, save, load, M more steps equals N + M steps bit for bit (dropout keys, shuffles, schedule, Adam state)', () => {
    const N = 8 // mid-epoch: epoch 1, batch 3
    const M = 9 // crosses an epoch boundary and a schedule step
    const straight = train(model, data, { ...toTrainConfig(cfg), maxSteps: N + M })
    const first = train(model, data, { ...toTrainConfig(cfg), maxSteps: N })
    expect([first.step, first.epoch, first.batch]).toEqual([8, 1, 3])
    const path = join(dir, 'run.ckpt.json')
    right(saveCheckpoint(path, { spec, run: cfg, state: first }))
    const loaded = right(loadCheckpoint(path))
    expect(loaded.spec).toEqual(spec)
    expect(loaded.run).toEqual(cfg)
    expectSameState(first, loaded.state)
    // continue with everything rebuilt from the file: model, optimizer and schedule
    const resumed = train(loaded.model, data, { ...toTrainConfig(loaded.run!), maxSteps: N + M }, loaded.state)
    expectSameState(straight, resumed)
    expect(resumed.history.learningRate).toEqual(straight.history.learningRate)
    expect(resumed.history.loss).toEqual(straight.history.loss)
  })

  it('history lists decode to fresh arrays, bit for bit, NaN/±Infinity/-0 included, and refuse non-numbers', () => {
    const first = train(model, data, { ...toTrainConfig(cfg), maxSteps: 3 })
    // a bias starts at 0, so its first update ratio is 0/0: "NaN" in the file
    expect(Object.values(first.history.ratio).some((r) => Number.isNaN(r[0]))).toBe(true)
    const specials = [NaN, Infinity, -Infinity, -0, 0, 1.5e-300]
    const state: TrainState = { ...first, history: { ...first.history, loss: [...first.history.loss, ...specials] } }
    const doc = JSON.parse(right(checkpointToText({ spec, run: cfg, state }))) as { state: { history: { loss: unknown[]; ratio: Record<string, unknown[]> } } }
    const back = right(decodeCheckpoint(doc)).state.history
    expect(back.loss).not.toBe(doc.state.history.loss)
    expect(back.loss.length).toBe(state.history.loss.length)
    back.loss.forEach((x, i) => expect(Object.is(x, state.history.loss[i]), `loss[${i}]`).toBe(true))
    for (const [k, r] of Object.entries(first.history.ratio)) {
      expect(back.ratio[k]).not.toBe(doc.state.history.ratio[k])
      back.ratio[k]!.forEach((x, i) => expect(Object.is(x, r[i]), `ratio['${k}'][${i}]`).toBe(true))
    }
    doc.state.history.loss[2] = 'nan'
    expect(left(decodeCheckpoint(doc))).toMatch(/^checkpoint\.state\.history\.loss\[2\]: expected a number/)
  })

  it('refuses to save NaN parameters and keeps the good checkpoint', () => {
    const state = train(model, data, { ...toTrainConfig(cfg), maxSteps: 2 })
    const path = join(dir, 'good.json')
    right(saveCheckpoint(path, { spec, run: cfg, state }))
    const before = readFileSync(path, 'utf8')
    const w = state.params['dense0.W']!
    const bad = { ...state, params: { ...state.params, 'dense0.W': T.make(w.shape, Array.from(w.data, (x, i) => (i === 5 ? NaN : x))) } }
    expect(left(saveCheckpoint(path, { spec, run: cfg, state: bad }))).toBe(
      "refusing to save a checkpoint: params['dense0.W'] holds NaN at flat index 5 (the run diverged; keep the last good checkpoint)",
    )
    expect(readFileSync(path, 'utf8')).toBe(before)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('bad checkpoints: another model, unknown version, misshaped params, wrong optimizer, NaN in the file', () => {
    const state = train(model, data, { ...toTrainConfig(cfg), maxSteps: 1 })
    const doc = JSON.parse(right(checkpointToText({ spec, run: cfg, state }))) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    const edit = (f: (d: typeof doc) => void, o = {}) => {
      const d = structuredClone(doc)
      f(d)
      return left(decodeCheckpoint(d, o))
    }
    const other = right(decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 16 }, { kind: 'activation', fn: 'tanh' }, { kind: 'dense', in: 16, out: 3 }] }))
    expect(left(decodeCheckpoint(doc, { spec: other }))).toBe(
      'checkpoint: a checkpoint of another model (expected vs checkpoint: spec.layers[0].init: "xavier" → "he", and 12 more differences)',
    )
    expect(edit((d) => (d['version'] = 2))).toBe('checkpoint.version: unknown checkpoint format version 2 (this symgrad reads version 1)')
    expect(edit((d) => (d['format'] = 'keras'))).toBe('checkpoint.format: expected "symgrad-checkpoint", got "keras" (not a symgrad checkpoint)')
    expect(edit((d) => ((d['spec'].layers[4].out = 4), (d['spec'].out = 4)))).toBe("checkpoint.state.params['dense1.W']: expected shape [16,4] for this model, got [16,3]")
    expect(edit((d) => delete d['state'].params['bn0.gamma'])).toMatch(/^checkpoint\.state\.params: missing 'bn0\.gamma' \(the model needs \[16\]; the checkpoint has /)
    expect(edit((d) => ((d['run'].optimizer = 'momentum'), delete d['run'].clipNorm))).toBe(
      "checkpoint.state.optState: expected a record of 'count', 'hyperparams', 'velocity', got an array of 2 (the optimizer state does not fit the configured optimizer)",
    )
    expect(edit((d) => (d['state'].params['dense0.b'] = { shape: [16], f64le: doc['state'].params['dense0.b'].f64le.slice(0, -12) + 'AAAAAAAA+H8=' }))).toBe(
      "checkpoint.state.params['dense0.b']: expected finite values, got NaN at flat index 15 of shape [16]",
    )
    expect(edit((d) => (d['state'].key = [1, -1]))).toBe('checkpoint.state.key[1]: expected an unsigned 32-bit integer, got -1')
    expect(edit((d) => (d['state'].stpe = 3))).toBe('unknown field checkpoint.state.stpe (did you mean step?)')
  })

  it('missing, unreadable and malformed files; an output path that cannot be written', () => {
    expect(left(loadCheckpoint(join(dir, 'nope.json')))).toBe(`cannot read ${join(dir, 'nope.json')}: no such file or folder (ENOENT)`)
    expect(left(loadCheckpoint(dir))).toBe(`cannot read ${dir}: is a folder (EISDIR)`)
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, '{"format": "symgrad-checkpoint", "version": 1, "spec": {')
    expect(left(loadCheckpoint(broken))).toBe(`${broken}: malformed JSON at line 1, column 57: expected a field name in double quotes, got the end of the text`)
    const cfgPath = join(dir, 'config.json')
    writeFileSync(cfgPath, JSON.stringify({ ...runJson, optimizer: 'sgd', learningRate: -0.1 }))
    expect(left(loadRunConfig(cfgPath))).toBe(`${cfgPath}: config.learningRate: expected a positive number, got -0.1`)
    expect(left(writeFileAtomic(join(dir, 'no-such-folder', 'x.json'), '{}'))).toMatch(/^cannot write .*no-such-folder\/x\.json: no such file or folder \(ENOENT\)$/)
    if (process.getuid?.() !== 0) {
      const ro = join(dir, 'readonly')
      mkdirSync(ro)
      chmodSync(ro, 0o555)
      expect(left(writeFileAtomic(join(ro, 'x.json'), '{}'))).toBe(`cannot write ${join(ro, 'x.json')}: permission denied (EACCES)`)
      chmodSync(ro, 0o755)
    }
  })
})
