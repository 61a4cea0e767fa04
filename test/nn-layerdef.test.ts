/**
 * Layers as records: a user's layer kind through model, init, apply, summary, inference form and
 * spec decoding; registries as values; names that stay put when a layer is inserted; N-d
 * activations with reshape/flatten; layer norm; Glorot inits; model.predict.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { scale, withScale } from './support/scaleLayer.js'
import * as E from 'fp-ts/lib/Either.js'
import { freeze } from 'immer'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { decodeModel, decodeSpec, encodeSpec } from '../src/records/spec.js'
import { builtinLayers } from '../src/nn/builtinLayers.js'
import { initStd, initWeight } from '../src/nn/init.js'
import { defineLayer, layerKinds, layerRegistry, lookupLayer } from '../src/nn/LayerDef.js'
import { Registries } from '../src/records/Registries.js'
import { type LayerSpec, batchNorm, dense, dropout, flatten, layerNorm, relu, reshape, tanh } from '../src/nn/layers.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { fromSpec, mlp, sequential, sequentialWith, toInference } from '../src/nn/model.js'
import { summary } from '../src/nn/summary.js'
import { argmax } from '../src/data/metrics.js'
import { modelLaws } from '../laws/modelLaws.js'
import { expectGradOk, run } from './nn-check.js'

const mine = withScale
/** Layers as a list built at run time: widths are then checked at run time only. */
const loose = (...ls: LayerSpec[]): LayerSpec[] => ls

describe('a layer kind is one record', () => {
  it('a user kind builds, initializes, applies, summarizes and round-trips through JSON with its registry', () => {
    const m = sequentialWith(mine)(dense(2, 4), { kind: 'scale', by: 2 }, relu, dense(4, 3))
    expect(m.spec.layers.map((l) => l.name)).toEqual(['dense0', 'scale0', 'relu0', 'dense1'])
    expect(m.paramShapes['scale0.s']).toEqual([4])
    const { params, state } = m.init(R.key(1))
    expect(T.equal(params['scale0.s']!, T.fill([4], 2))).toBe(true)
    const x = R.normal(R.key(2), [5, 2])
    const xi = ops.input('x', ['N', 2])
    const [out] = run([m.apply(xi, 'train').out], { ...params, ...state, x })
    const ref = sequential(dense(2, 4), relu, dense(4, 3))
    const [half] = run([ref.apply(xi, 'train').out], { ...params, 'dense0.W': T.scale(params['dense0.W']!, 2), 'dense0.b': T.scale(params['dense0.b']!, 2), x })
    expect(T.maxRelError(out!, half!, 1e-12)).toBeLessThan(1e-12)
    expect(summary(m)).toMatch(/scale0\s+scale by 2\s+\[N,4\]\s+4\s+0/)
    const json = JSON.parse(JSON.stringify(encodeSpec(m.spec)))
    const back = decodeModel(json, { registries: mine })
    expect(E.isRight(back) && back.right.spec).toEqual(m.spec)
    // without the user's registry the kind is unknown, named with the nearest known kinds
    const without = decodeSpec(json)
    expect(E.isLeft(without) && without.left.message).toMatch(/^spec\.layers\[1\]\.kind: layer kind "scale" is not in this reader's registries; register its record: registries = Registries\.extend\(Registries\.builtins, \{ layers: \[defineLayer/)
    expect(() => sequential(...loose(dense(2, 4), { kind: 'scale', by: 2 } as LayerSpec, dense(4, 3)))).toThrow(/layer 1 has unknown kind "scale" \(known: dense, maxout, .*Registries\.extend/)
  })
  it('options are checked by the record codec and filled with its defaults', () => {
    const m = sequentialWith(mine)(dense(2, 2), { kind: 'scale' })
    expect(m.spec.layers[1]).toEqual({ kind: 'scale', by: 1, name: 'scale0', in: 2, out: 2 })
    expect(() => sequentialWith(mine)(...loose(dense(2, 2), { kind: 'scale', by: 'x' } as LayerSpec))).toThrow("sequential: layers[1].by: expected a finite number, got \"x\"")
    expect(() => sequentialWith(mine)(...loose(dense(2, 2), { kind: 'scale', bye: 2 } as LayerSpec))).toThrow(/unknown field layers\[1\]\.bye \(did you mean by\?\)/)
  })
  it('registries are values: no kind twice, prototype names never resolve', () => {
    expect(() => Registries.extendOrThrow(mine, { layers: [{ ...scale }] })).toThrow("Registries.extend: layer kind 'scale' is already registered as a different record; give yours another name")
    expect(() => layerRegistry(scale, scale)).toThrow("layer kind 'scale' is listed twice")
    expect(layerKinds(builtinLayers)).not.toContain('scale')
    for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(lookupLayer(builtinLayers, k)).toBeUndefined()
      const r = decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 2 }, { kind: k }] })
      expect(E.isLeft(r) && r.left.message).toMatch(/^spec\.layers\[1\]\.kind: layer kind .* is not in this reader's registries/)
      expect(() => sequential(...loose(dense(2, 2), { kind: k }))).toThrow(/unknown kind/)
    }
    const proto = JSON.parse('{ "layers": [{ "kind": "dense", "in": 2, "out": 2, "__proto__": { "x": 1 } }] }')
    expect(E.isLeft(decodeSpec(proto))).toBe(true)
    expect(() => sequential(...loose(dense(2, 2), JSON.parse('{ "kind": "dropout", "__proto__": { "keep": 0.5 } }')))).toThrow(/unknown field layers\[1\]\.__proto__/)
    expect(() => defineLayer({ ...scale, kind: 'no spaces' })).toThrow(/kind must be an identifier/)
  })
})

describe('names stay put when a layer is inserted', () => {
  it('inserting dropout and batch norm keeps every dense layer name, so a checkpoint still fits', () => {
    const a = sequential(dense(3, 8), relu, dense(8, 8), relu, dense(8, 2))
    const b = sequential(dense(3, 8), batchNorm(), relu, dropout({ keep: 0.5 }), dense(8, 8), relu, dropout({ keep: 0.5 }), dense(8, 2))
    for (const [k, s] of Object.entries(a.paramShapes)) expect(b.paramShapes[k]).toEqual(s)
    expect(Object.keys(b.paramShapes).filter((k) => !(k in a.paramShapes))).toEqual(['bn0.gamma', 'bn0.beta'])
    expect(mlp([3, 8, 8, 2], { keep: 0.5 }).spec.layers.map((l) => l.name)).toEqual(['dense0', 'relu0', 'dropout0', 'dense1', 'relu1', 'dropout1', 'dense2'])
  })
  it('explicit names win and do not shift the count of their kind', () => {
    const m = sequential(dense(3, 4), dense(4, 4, { name: 'hidden' }), dense(4, 2))
    expect(m.spec.layers.map((l) => l.name)).toEqual(['dense0', 'hidden', 'dense2'])
  })
})

describe('N-d activations', () => {
  const m = sequential(dense(3, 12), reshape([3, 4]), layerNorm(), tanh, flatten, dense(12, 2))
  it('reshape and flatten carry [N, ...shape] between layers; summary shows the shapes', () => {
    expect(m.layers.map((l) => l.outShape)).toEqual([[12], [3, 4], [3, 4], [3, 4], [12], [2]])
    expect(m.paramShapes['ln0.gamma']).toEqual([3, 4])
    const s = summary(m)
    expect(s).toMatch(/reshape0\s+reshape \[N,12\]→\[N,3,4\]\s+\[N,3,4\]\s+0/)
    expect(s).toMatch(/ln0\s+layer norm ε=0.00001\s+\[N,3,4\]\s+24\s+0/)
    expect(s).toMatch(/flatten0\s+flatten \[N,3,4\]\s+\[N,12\]/)
    const back = decodeModel(JSON.parse(JSON.stringify(encodeSpec(m.spec))))
    expect(E.isRight(back) && back.right.spec).toEqual(m.spec)
  })
  it('gradients through reshape, layer norm and flatten agree with central differences', () => {
    const { params } = m.init(R.key(3))
    const xi = ops.input('x', [5, 3])
    const loss = ops.sum(ops.mul(m.apply(xi, 'train').out, ops.tensor(R.normal(R.key(4), [5, 2]))))
    const b = { ...params, 'ln0.gamma': R.uniform(R.key(5), [3, 4], 0.5, 1.5), 'ln0.beta': R.normal(R.key(6), [3, 4]), x: R.normal(R.key(7), [5, 3]) }
    expectGradOk(loss, m.params(), b)
    expectGradOk(loss, [xi], b)
  })
  it('shape errors name the layer and the shapes', () => {
    expect(() => sequential(...loose(dense(3, 12), reshape([5, 2]), flatten, dense(10, 2)))).toThrow("sequential: layer 1 'reshape0': reshape to [N,5,2] needs 10 entries per example, got [N,12] with 12")
    expect(() => sequential(dense(3, 12), reshape([3, 4]), dense(12, 2))).toThrow("sequential: layer 2 'dense1': dense expects [N, features], got [N,3,4] (add a flatten layer before it)")
    expect(() => sequential(dense(3, 12), reshape([3, 4]))).toThrow("sequential: the last layer 'reshape0' gives [N,3,4]; a model ends in [N, classes] (add a flatten layer)")
    expect(() => reshape([3, 0])).toThrow(/positive integers/)
    const r = decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 4 }, { kind: 'reshape', shape: [] }, { kind: 'flatten' }] })
    expect(E.isLeft(r) && r.left.message).toBe('spec.layers[1].shape: expected a non-empty list of positive integers, got an empty list')
  })
})

describe('layer norm', () => {
  it('normalizes each example over its features: mean 0, variance 1/(1 + ε/σ²) with γ = 1, β = 0', () => {
    const m = sequential(dense(4, 6), layerNorm({ eps: 1e-5 }))
    const { params } = m.init(R.key(1))
    const x = R.normal(R.key(2), [7, 4], 3)
    const xi = ops.input('x', ['N', 4])
    const a = m.apply(xi, 'train')
    const [h, y] = run([a.layers[0]!.out, a.out], { ...params, x })
    for (let r = 0; r < 7; r++) {
      const row = Array.from({ length: 6 }, (_, j) => T.get(y!, r, j))
      const hrow = Array.from({ length: 6 }, (_, j) => T.get(h!, r, j))
      const hm = hrow.reduce((s, v) => s + v, 0) / 6
      const hv = hrow.reduce((s, v) => s + (v - hm) ** 2, 0) / 6
      const mean = row.reduce((s, v) => s + v, 0) / 6
      const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / 6
      expect(Math.abs(mean)).toBeLessThan(1e-12)
      expect(variance).toBeCloseTo(hv / (hv + 1e-5), 12)
    }
    // no running state: train and test mode agree, and a batch of one is fine
    const [test] = run([m.apply(xi, 'test').out], { ...params, x })
    expect(T.equal(y!, test!)).toBe(true)
    expect(m.stateShapes).toEqual({})
  })
  it('passes the model laws (gradient, constants, Hessian-vector products)', () => {
    const m = sequential(dense(3, 5), layerNorm(), tanh, dense(5, 2))
    const x = ops.input('x', [6, 3])
    const y = ops.input('y', [6])
    const loss = softmaxCrossEntropy(m.apply(x, 'train').out, y)
    const data = { x: R.normal(R.key(1), [6, 3]), y: T.of([0, 1, 1, 0, 1, 0]) }
    for (const p of modelLaws(loss, Object.values(m.params()), data, { numRuns: 4, seed: 7 })) fc.assert(p.property, p.params)
  })
})

describe('Glorot inits (Var = 2/(fan_in + fan_out); xavier stays 1/fan_in)', () => {
  it('draw with the formula standard deviation', () => {
    for (const [scheme, fanIn, fanOut] of [['glorotNormal', 300, 100], ['glorotUniform', 300, 100], ['glorotNormal', 50, 400], ['glorotUniform', 50, 400]] as const) {
      const std = Math.sqrt(2 / (fanIn + fanOut))
      expect(initStd(scheme, fanIn, fanOut)).toBe(std)
      const w = initWeight(R.key(9), scheme, fanIn, fanOut)
      const n = w.data.length
      const mean = T.sum(w) / n
      const sd = Math.sqrt(T.dot(w, w) / n - mean * mean)
      expect(Math.abs(sd / std - 1)).toBeLessThan(0.01) // 20k–30k draws: std error of the std < 0.5%
      expect(Math.abs(mean)).toBeLessThan((4 * std) / Math.sqrt(n))
      if (scheme === 'glorotUniform') expect(Math.max(...Array.from(w.data, Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / (fanIn + fanOut)))
    }
    expect(initStd('xavier', 300, 100)).toBe(1 / Math.sqrt(300))
    const m = sequential(dense(300, 100, { init: 'glorotUniform' }))
    expect(T.equal(m.init(R.key(2)).params['dense0.W']!, m.init(R.key(2)).params['dense0.W']!)).toBe(true)
    expect(summary(m)).toContain('init glorotUniform')
  })
})

describe('model.predict', () => {
  it('gives the inference form’s scores and their argmax, leaving its arguments as they are', () => {
    const m = sequential(dense(2, 8), batchNorm(), relu, dropout({ keep: 0.5 }), dense(8, 3))
    const init = m.init(R.key(1))
    const params = freeze({ ...init.params }, true)
    const state = freeze({ 'bn0.runningMean': R.normal(R.key(2), [8]), 'bn0.runningVar': R.uniform(R.key(3), [8], 0.5, 2) }, true)
    const x = freeze(R.normal(R.key(4), [10, 2]), true)
    const p = m.predict(params, state, x)
    if (E.isLeft(p)) throw p.left
    const xi = ops.input('x', ['N', 2])
    const [ref] = run([toInference(m).apply(xi, 'train').out], { ...params, ...state, x })
    expect(T.equal(p.right.scores, ref!)).toBe(true)
    expect(T.equal(p.right.labels, argmax(ref!))).toBe(true)
    const again = m.predict(params, state, x)
    expect(E.isRight(again) && T.equal(again.right.scores, p.right.scores)).toBe(true)
    const bad = m.predict(params, state, R.normal(R.key(4), [10, 3]))
    expect(E.isLeft(bad) && bad.left.message).toBe('model.predict: argument 3 expected shape [N,2], got [10,3]')
    const missing = m.predict(params, {}, x)
    expect(E.isLeft(missing) && missing.left.message).toMatch(/missing binding for input 'bn0\.runningMean'/)
  })
  it('fromSpec models predict too', () => {
    const m = sequential(dense(2, 3))
    const m2 = fromSpec(m.spec)
    if (E.isLeft(m2)) throw m2.left
    const { params, state } = m.init(R.key(1))
    const x = R.normal(R.key(2), [4, 2])
    const a = m.predict(params, state, x)
    const b = m2.right.predict(params, state, x)
    expect(E.isRight(a) && E.isRight(b) && T.equal(a.right.scores, b.right.scores)).toBe(true)
  })
})
