/**
 * Preprocessing as layers (nn/preprocessing.ts, kinds/center.ts…): fitted state that equals the
 * data/preprocess.ts transforms, fitted by `train` and never moved by gradients, optimizers or
 * regularizers; seen by summary, checkpoints and ONNX (run in onnxruntime on raw inputs); and a
 * checkpoint from before (test/support/checkpoint-v1-center.json) loads with a note.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as ort from 'onnxruntime-web'
import { afterAll, describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as P from '../src/data/preprocess.js'
import { loadCheckpoint, saveCheckpoint } from '../src/records/files.js'
import { fitState, fittedLayers } from '../src/nn/fit.js'
import { center, channelCenter, dense, pca, pcaWhiten, relu, standardize, zca, type LayerSpec } from '../src/nn/layers.js'
import { fromLayers, mlp, sequential } from '../src/nn/model.js'
import { withPreprocessing } from '../src/nn/preprocessing.js'
import { summary } from '../src/nn/summary.js'
import { modelToOnnx } from '../src/onnx/model.js'
import * as O from '../src/optim/index.js'
import { initTrainState, train } from '../src/train/loop.js'
import { runCli } from '../src/cli/main.js'

ort.env.wasm.numThreads = 1 // one WebAssembly thread: no worker to start in a test

const dir = mkdtempSync(join(tmpdir(), 'symgrad-prelayers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const right = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

// correlated features on different scales and offsets (so every transform does something)
function rows(key: R.Key, n: number, d: number): Tensor {
  const z = R.normal(key, [n, d])
  const data = new Float64Array(n * d)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) data[i * d + j] = 3 + j + (j + 1) * z.data[i * d + j]! + 0.5 * z.data[i * d]!
  return { shape: [n, d], data }
}

const x = rows(R.key(1), 60, 6)
const labels: Tensor = { shape: [60], data: Float64Array.from({ length: 60 }, (_, i) => i % 3) }

const cases: readonly [string, LayerSpec, P.Spec, number][] = [
  ['center', center(), { kind: 'center' }, 6],
  ['channelCenter', channelCenter(3), { kind: 'channelCenter', channels: 3 }, 6],
  ['standardize', standardize(), { kind: 'standardize' }, 6],
  ['pca', pca(4), { kind: 'pca', k: 4 }, 4],
  ['pcaWhiten', pcaWhiten(4), { kind: 'pcaWhiten', k: 4 }, 4],
  ['zca', zca(), { kind: 'zca' }, 6],
]

describe('preprocessing layers', () => {
  for (const [kind, layer, spec, width] of cases)
    it(`${kind}: the fitted layer computes data/preprocess.ts's transform, from state only`, () => {
      const m = fromLayers([layer, dense(width, 3)], { input: 6 })
      expect(Object.keys(m.paramShapes)).toEqual(['dense0.W', 'dense0.b'])
      expect(fittedLayers(m)).toEqual([m.spec.layers[0]!.name])
      const { params, state } = m.init(R.key(2))
      const fitted = right(fitState(m, params, state, x))
      const want = P.applyOrThrow(P.fitOrThrow(spec, x), x)
      // the layer's output: the dense layer after it with W = I (padded) and b = 0 reads it back
      const eye = T.make([width, 3], Float64Array.from({ length: width * 3 }, (_, i) => (i % 3 === Math.floor(i / 3) ? 1 : 0)))
      const got = right(m.predict({ ...params, 'dense0.W': eye, 'dense0.b': T.zeros([3]) }, fitted, x)).scores
      for (let i = 0; i < 60; i++)
        for (let j = 0; j < 3; j++) expect(got.data[i * 3 + j]).toBeCloseTo(want.data[i * width + j]!, 10)
      expect(summary(m).split('\n')[3]).toMatch(new RegExp(`^${m.spec.layers[0]!.name} .*fitted on the training data.*  0  +\\d+$`))
    })

  it('train fits the state on the training inputs, and no step, optimizer or L2 penalty moves it', () => {
    const m = withPreprocessing(mlp([6, 8, 3]), standardize())
    expect(m.spec.layers.map((l) => l.name)).toEqual(['std0', 'dense0', 'relu0', 'dense1'])
    expect(Object.keys(m.weights())).toEqual(['dense0.W', 'dense1.W'])
    const cfg = { optimizer: O.adam(0.05), epochs: 3, batchSize: 10, key: R.key(4), regularization: { kind: 'l2' as const, lambda: 0.1 }, evalTrainSize: 0 }
    const s0 = initTrainState(m, cfg, x)
    const fitted = P.fitOrThrow({ kind: 'standardize' }, x) as Extract<P.Transform, { kind: 'standardize' }>
    expect(Array.from(s0.modelState['std0.mean']!.data)).toEqual(Array.from(fitted.mean.data))
    expect(Array.from(s0.modelState['std0.std']!.data)).toEqual(Array.from(fitted.std.data))
    for (const dtype of ['float64', 'float32'] as const) {
      const st = train(m, { train: { name: 'rows', x, y: labels, classes: 3 } }, { ...cfg, dtype })
      expect(st.step).toBe(18)
      expect(st.params['dense0.W']).not.toEqual(s0.params['dense0.W'])
      expect(Object.keys(st.params)).not.toContain('std0.mean')
      expect(st.modelState['std0.mean']!.data).toEqual(s0.modelState['std0.mean']!.data)
      expect(st.modelState['std0.std']!.data).toEqual(s0.modelState['std0.std']!.data)
    }
  })

  it('initTrainState refuses a model with fitted layers and no training inputs; fitting refuses non-finite data naming the layer', () => {
    const m = sequential({ input: [6] }, center(), dense(6, 3))
    expect(() => initTrainState(m, { optimizer: O.sgd(0.1), key: R.key(1) })).toThrow(/initTrainState: layer 'center0' fits its state from the training inputs: pass them/)
    const bad = { shape: [2, 6], data: Float64Array.of(1, 2, 3, 4, 5, NaN, 1, 2, 3, 4, 5, 6) }
    const r = fitState(m, {}, m.init(R.key(1)).state, bad)
    expect(E.isLeft(r) && r.left.message).toBe("fitting layer 'center0' (center): fitCenter: non-finite value NaN at row 0, column 5")
  })

  it('a pca in front of a dense layer of the raw width is a ShapeError; a second preprocessing layer in front is refused', () => {
    expect(() => withPreprocessing(mlp([6, 3]), pca(4))).toThrow(/expected input width 6, got 4/)
    expect(() => withPreprocessing(withPreprocessing(mlp([6, 3]), center()), standardize())).toThrow(/already starts with the center layer 'center0'/)
  })

  it('checkpoints carry the fitted state; ONNX takes raw inputs (Sub, Div, MatMul) and agrees with predict in onnxruntime', async () => {
    for (const layer of [standardize(), pcaWhiten(4)]) {
      const width = layer.kind === 'pcaWhiten' ? 4 : 6
      const m = fromLayers([layer, dense(width, 8), relu, dense(8, 3)], { input: 6 })
      const st = train(m, { train: { name: 'rows', x, y: labels, classes: 3 } }, { optimizer: O.adam(0.05), epochs: 2, batchSize: 10, key: R.key(5), evalTrainSize: 0 })
      const file = join(dir, `${layer.kind}.json`)
      right(saveCheckpoint(file, { spec: m.spec, state: st }))
      const back = right(loadCheckpoint(file))
      expect(back.note).toBeUndefined()
      expect(back.state.modelState).toEqual(st.modelState)
      const mine = right(back.model.predict(back.state.params, back.state.modelState, x))
      const onnx = right(modelToOnnx(back.model, back.state.params, back.state.modelState))
      expect(onnx.opTypes).toEqual(expect.arrayContaining(layer.kind === 'pcaWhiten' ? ['Sub', 'MatMul', 'Div', 'Sqrt'] : ['Sub', 'Div']))
      const session = await ort.InferenceSession.create(onnx.bytes)
      const got = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(x.data), [60, 6]) }))['scores']!.data as Float32Array
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - mine.scores.data[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(mine.scores.data[i]!)))
    }
  })

  it('a checkpoint written before preprocessing was a layer loads, with a one-line note that its inputs need preprocessing by hand', async () => {
    const file = join(__dirname, 'support', 'checkpoint-v1-center.json')
    const old = right(loadCheckpoint(file))
    expect(old.model.spec.layers.map((l) => l.kind)).toEqual(['dense', 'activation', 'dense'])
    expect(old.note).toBe('checkpoint: written before preprocessing was a layer: its run preprocessed the data with center (fitted on the training split of "csv:tiny.csv"), which its model does not hold, so its inputs must be preprocessed by hand the same way (retrain to get a model that takes raw inputs)')
    const out = join(dir, 'old.onnx')
    const r = await runCli(['export', '--onnx', out, file])
    expect(r.code).toBe(0)
    expect(r.stderr.trim().split('\n')).toEqual([`symgrad: note: ${file}: ${old.note}`])
    const resumed = await runCli(['train', '--resume', file, '--epochs', '3'])
    expect(resumed.code).toBe(2)
    expect(resumed.stderr).toMatch(/written before preprocessing was a layer.*; it cannot be resumed as the same run\n$/)
  })

  it('a checkpoint naming a layer kind the reader lacks is one line naming the kind and how to register it', async () => {
    const text = readFileSync(join(__dirname, 'support', 'checkpoint-v1-center.json'), 'utf8').replace('"kind":"activation","fn":"relu"', '"kind":"gain","start":1')
    const file = join(dir, 'gain.json')
    writeFileSync(file, text)
    const r = await runCli(['export', '--onnx', join(dir, 'gain.onnx'), file])
    expect(r).toEqual({ code: 2, stderr: `symgrad: ${file}: checkpoint.spec.layers[1].kind: layer kind 'gain' is not a built-in nor in symgrad export's --with records; start symgrad export with --with <the records module that defines it>\n` })
  })
})

describe('the playground', () => {
  it("the classifier's 'standardize inputs' setting trains the spiral through a fitted first layer", async () => {
    const { defaultSettings, settingsFrom, startRun } = await import('../web/src/trainer.js')
    expect(settingsFrom({ ...defaultSettings, standardize: true }).standardize).toBe(true)
    const run = startRun({ ...defaultSettings, standardize: true, maxSteps: 300 }, 8)
    let last
    for (let p = run.next(100); p !== undefined; p = p.done ? undefined : run.next(100)) last = p
    expect(last!.trainAccuracy).toBeGreaterThan(0.9)
  }, 60_000)
})
