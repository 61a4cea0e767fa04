/**
 * Fine-tuning through the library: nn.transfer (by name, kind and shape; pure), per-layer modes
 * (frozen batch norm on its running statistics), and `train` with frozen layers — their bits
 * unchanged after the run while the head's change — resumable bit for bit through a checkpoint.
 */
import * as E from 'fp-ts/lib/Either.js'
import { freeze } from 'immer'
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import type { Dataset } from '../src/data/Dataset.js'
import { spiral } from '../src/data/datasets.js'
import { checkpointToText, decodeCheckpoint } from '../src/records/checkpoint.js'
import { decodeRunConfig } from '../src/records/runConfig.js'
import { convnet } from '../src/nn/convnets.js'
import { dense, relu } from '../src/nn/layers.js'
import { fromLayers, mlp } from '../src/nn/model.js'
import type { AnyModel } from '../src/train/programs.js'
import { formatTransfer, transfer } from '../src/nn/transfer.js'
import { adam } from '../src/optim/aliases.js'
import { buildModel, buildTrainConfig, type RunConfig } from '../src/train/config.js'
import { checkFineTune, fineTuneOptimizer, fineTuneStart, frozenLayerModes, headLayer } from '../src/train/finetune.js'
import { train } from '../src/train/loop.js'
import type { TrainState } from '../src/train/TrainState.js'

const right = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const sameBits = (a: T.Tensor, b: T.Tensor) => a.data.length === b.data.length && a.data.every((v, i) => Object.is(v, b.data[i]))
const values = (m: AnyModel, seed: number) => {
  const v = m.init(R.key(seed))
  return { model: m, params: v.params, state: v.state }
}

describe('nn.transfer', () => {
  const from = values(mlp([4, 6, 3]), 1)
  const to = values(mlp([4, 6, 5]), 2)

  it('copies by name and shape, refuses the same name with another shape (both shapes), and reports what stayed fresh or unused', () => {
    const t = transfer(from, to)
    expect(t.report.copied.map((c) => c.name)).toEqual(['dense0.W', 'dense0.b'])
    expect(t.report.refused).toEqual([
      { name: 'dense1.W', from: [6, 3], to: [6, 5], why: 'shapes differ' },
      { name: 'dense1.b', from: [3], to: [5], why: 'shapes differ' },
    ])
    expect(sameBits(t.params['dense0.W']!, from.params['dense0.W']!)).toBe(true)
    expect(sameBits(t.params['dense1.W']!, to.params['dense1.W']!)).toBe(true)
    expect(formatTransfer(t.report)).toEqual([
      'copied: dense0.W [4,6], dense0.b [6]',
      'refused: dense1.W (shapes differ: [6,3] in the source, [6,5] here), dense1.b (shapes differ: [3] in the source, [5] here)',
    ])
  })

  it('matches nothing by position: layers renamed in the target stay fresh, and the source leaves are reported unused', () => {
    const renamed = values(fromLayers([dense(4, 6, { name: 'hidden' }), relu, dense(6, 3, { name: 'out' })]), 3)
    const t = transfer(from, renamed)
    expect(t.report.copied).toEqual([])
    expect(t.report.fresh.map((f) => `${f.name} (${f.why})`)).toEqual(['hidden.W (not in the source)', 'hidden.b (not in the source)', 'out.W (not in the source)', 'out.b (not in the source)'])
    expect(t.report.unused.map((u) => u.name)).toEqual(['dense0.W', 'dense0.b', 'dense1.W', 'dense1.b'])
  })

  it('refuses a leaf of the same name and shape in a layer of another kind', () => {
    const bnFrom = values(fromLayers([dense(4, 4), { kind: 'batchNorm', name: 'n0' }, dense(4, 3)]), 4)
    const lnTo = values(fromLayers([dense(4, 4), { kind: 'layerNorm', name: 'n0' }, dense(4, 3)]), 5)
    const t = transfer(bnFrom, lnTo)
    expect(t.report.refused.map((r) => r.why)).toEqual(["layer 'n0' is batchNorm in the source, layerNorm here", "layer 'n0' is batchNorm in the source, layerNorm here"])
  })

  it('keeps the layers it is told to keep fresh, copies batch-norm running statistics, and writes nothing it is given', () => {
    const m = convnet([8, 8, 1], 3, { filters: [2], kernel: 3, batchNorm: true })
    const a = values(m, 6)
    const b = values(m, 7)
    const stats = { ...a.state, 'sbn0.runningMean': T.make([2], [0.5, -0.25]) }
    const src = freeze({ model: m, params: a.params, state: stats }, true)
    const dst = freeze(b, true)
    const t = transfer(src, dst, { fresh: [headLayer(m)] })
    expect(t.report.fresh.map((f) => f.name)).toEqual(['dense0.W', 'dense0.b'])
    expect([...t.state['sbn0.runningMean']!.data]).toEqual([0.5, -0.25])
    expect(sameBits(t.params['dense0.W']!, b.params['dense0.W']!)).toBe(true)
    expect(t.params['conv0.W']!.data).not.toBe(a.params['conv0.W']!.data) // a copy
    expect(() => transfer(src, dst, { fresh: ['head'] })).toThrow("transfer: fresh layer 'head' is not a layer of the target model (layers: reshape0, conv0, sbn0, relu0, pool0, flatten0, dense0)")
  })
})

/** Images 8×8 whose class is the brightest quarter. */
function quarters(n: number, seed: number): Dataset {
  const x = R.uniform(R.key(seed), [n, 64])
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let best = 0
    let bestSum = -1
    for (let q = 0; q < 4; q++) {
      let s = 0
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) s += x.data[i * 64 + ((q >> 1) * 4 + r) * 8 + (q & 1) * 4 + c]!
      if (s > bestSum) [best, bestSum] = [q, s]
    }
    y[i] = best
  }
  return { name: 'quarters', x, y: { shape: [n], data: y }, classes: 4 }
}

describe('fine-tuning with train', () => {
  const m = convnet([8, 8, 1], 4, { filters: [3, 4], kernel: 3, pad: 1, batchNorm: true })
  const base = train(m, { train: quarters(64, 1) }, { optimizer: adam(0.01), epochs: 2, batchSize: 16, key: R.key(1), evalTrainSize: 16 })
  const ft = { freeze: ['conv0', 'sbn0', 'conv1'] }
  const config = { optimizer: fineTuneOptimizer(ft, () => adam(0.01)), epochs: 3, batchSize: 16, key: R.key(2), evalTrainSize: 16, layerModes: frozenLayerModes(ft) }

  it('keeps the frozen layers bit for bit (batch-norm statistics included) while the head and the unfrozen batch norm change', () => {
    const start = fineTuneStart(m, { model: m, params: base.params, state: base.modelState }, config, [headLayer(m)])
    expect(start.report.fresh.map((f) => f.name)).toEqual(['dense0.W', 'dense0.b'])
    const st = train(m, { train: quarters(48, 2) }, config, start.state)
    expect(st.status).toBe('done')
    for (const k of ['conv0.W', 'conv0.b', 'sbn0.gamma', 'sbn0.beta', 'conv1.W', 'conv1.b']) expect(sameBits(st.params[k]!, base.params[k]!), k).toBe(true)
    // frozen batch norm runs on its running statistics, which stay as the base left them
    for (const k of ['sbn0.runningMean', 'sbn0.runningVar']) expect(sameBits(st.modelState[k]!, base.modelState[k]!), k).toBe(true)
    expect(sameBits(st.modelState['sbn1.runningMean']!, base.modelState['sbn1.runningMean']!)).toBe(false)
    expect(sameBits(st.params['sbn1.gamma']!, base.params['sbn1.gamma']!)).toBe(false)
    expect(sameBits(st.params['dense0.W']!, start.state.params['dense0.W']!)).toBe(false)
  })

  it('runs frozen batch norm in train mode without the declared layer mode (its statistics move)', () => {
    const start = fineTuneStart(m, { model: m, params: base.params, state: base.modelState }, config, [headLayer(m)])
    const { layerModes: _, ...noModes } = config
    const st = train(m, { train: quarters(48, 2) }, noModes, start.state)
    expect(sameBits(st.modelState['sbn0.runningMean']!, base.modelState['sbn0.runningMean']!)).toBe(false)
    expect(sameBits(st.params['sbn0.gamma']!, base.params['sbn0.gamma']!)).toBe(true)
  })

  it('refuses a layer mode for a layer the model lacks', () => {
    expect(() => train(m, { train: quarters(16, 3) }, { ...config, layerModes: { bn9: 'test' } })).toThrow("model.apply: layer modes name 'bn9', which is not a layer")
  })

  it('checks the layer names of a fine-tuning, listing the layers with parameters', () => {
    expect(E.isRight(checkFineTune(m, ft))).toBe(true)
    const bad = checkFineTune(m, { freeze: ['conv2'] }, { freeze: '--freeze', lrMult: '--lr-mult' })
    expect(E.isLeft(bad) && bad.left.message).toBe('--freeze: "conv2" is not a layer with parameters of this model (layers with parameters: conv0, sbn0, conv1, sbn1, dense0)')
    const relu = checkFineTune(m, { lrMult: { relu0: 0.1 } })
    expect(E.isLeft(relu) && relu.left.message).toMatch(/^lrMult: "relu0" is not a layer with parameters/)
    const both = checkFineTune(m, { freeze: ['conv0'], lrMult: { conv0: 0.1 } })
    expect(E.isLeft(both) && both.left.message).toBe("lrMult: layer 'conv0' is frozen (freeze), so it has no learning rate to scale")
  })
})

describe('a fine-tuning run config', () => {
  const runJson = { data: 'spiral', hidden: [12], optimizer: 'adam', learningRate: 0.01, schedule: 'step', decay: 0.5, clipNorm: 1, epochs: 4, batchSize: 32, seed: 3, l2: 0, shift: 0, preprocess: 'none', evalTrainSize: 50, freeze: ['dense0'], lrMult: { dense1: 0.5 } }
  const c: RunConfig = right(decodeRunConfig(runJson))
  const data = { train: spiral(R.key(5), { perClass: 40 }) } // 120 examples, 4 batches per epoch
  const model = buildModel(c, 2, 3)
  const tc = buildTrainConfig(c, 120)

  it('is plain data in a checkpoint, and resumes bit for bit', () => {
    const whole = train(model, data, tc)
    const half = train(model, data, { ...tc, maxSteps: 7 })
    const text = right(checkpointToText({ spec: model.spec, run: c, state: half }))
    const loaded = right(decodeCheckpoint(JSON.parse(text)))
    expect(loaded.run?.freeze).toEqual(['dense0'])
    const rest: TrainState = train(loaded.model, data, buildTrainConfig(loaded.run!, 120), loaded.state)
    expect(right(checkpointToText({ spec: model.spec, run: c, state: rest }))).toBe(right(checkpointToText({ spec: model.spec, run: c, state: whole })))
    expect(sameBits(whole.params['dense0.W']!, train(model, data, { ...tc, maxSteps: 0 }).params['dense0.W']!)).toBe(true)
    expect(Object.keys(whole.optState as object)).toEqual([0, 1].map(String))
  })

  it('is refused by a checkpoint reader whose run trains every layer (the optimizer state does not fit)', () => {
    const st = train(model, data, { ...tc, maxSteps: 2 })
    const doc = JSON.parse(right(checkpointToText({ spec: model.spec, run: c, state: st }))) as { run: Record<string, unknown> }
    delete doc.run['freeze']
    delete doc.run['lrMult']
    const r = decodeCheckpoint(doc)
    expect(E.isLeft(r) && r.left.message).toMatch(/^checkpoint\.state\.optState.*\(the optimizer state does not fit the configured optimizer\)$/)
  })
})
