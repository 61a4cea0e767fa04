import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { grad } from '../src/ad/grad.js'
import { batchNormTrain } from '../src/nn/batchnorm.js'
import { batchNorm, dense, relu, spatialBatchNorm } from '../src/nn/layers.js'
import { sequential, toInference } from '../src/nn/model.js'
import { expectGradOk, run } from './nn-check.js'

const N = 7
const D = 3
const x = ops.param('x', [N, D])
const gamma = ops.param('gamma', [D])
const beta = ops.param('beta', [D])

function draw(seed: number) {
  const [k1, k2, k3, k4, k5] = R.split(R.key(seed), 5)
  // features with different offsets and scales
  const offs = R.normal(k4!, [D], 5)
  const scales = R.uniform(k5!, [D], 0.2, 4)
  const raw = R.normal(k1!, [N, D])
  const xv = T.make([N, D], raw.data.map((v, i) => offs.data[i % D]! + scales.data[i % D]! * v))
  return { x: xv, gamma: R.uniform(k2!, [D], 0.5, 2), beta: R.normal(k3!, [D]), dy: R.normal(R.key(seed + 1), [N, D]) }
}

/** Column means and biased variances of an [N, D] tensor. */
function colStats(t: T.Tensor): { mean: number[]; variance: number[] } {
  const [n, d] = t.shape as [number, number]
  const mean = Array.from({ length: d }, (_, j) => Array.from({ length: n }, (_, i) => T.get(t, i, j)).reduce((a, b) => a + b) / n)
  const variance = mean.map((m, j) => Array.from({ length: n }, (_, i) => (T.get(t, i, j) - m) ** 2).reduce((a, b) => a + b) / n)
  return { mean, variance }
}

describe('batch norm (train mode)', () => {
  it('normalized output has per-feature mean ≈ 0 and variance ≈ 1; output mean β, std ≈ γ', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const b = draw(seed)
        const bn = batchNormTrain(x, gamma, beta)
        const [xh, out] = run([bn.normalized, bn.out], b)
        const s = colStats(xh!)
        const raw = colStats(b.x)
        s.mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-12))
        // var(x̂) = σ²/(σ² + ε) exactly in exact arithmetic
        s.variance.forEach((v, j) => expect(v).toBeCloseTo(raw.variance[j]! / (raw.variance[j]! + 1e-5), 12))
        // and so ≈ 1 within 1e-3 wherever the feature's batch variance is at least 100·ε
        s.variance.forEach((v, j) => { if (raw.variance[j]! >= 1e-3) expect(Math.abs(v - 1)).toBeLessThan(1e-3) })
        const o = colStats(out!)
        o.mean.forEach((m, j) => expect(m).toBeCloseTo(b.beta.data[j]!, 12))
        o.variance.forEach((v, j) => expect(Math.sqrt(v) / b.gamma.data[j]!).toBeCloseTo(1, 3))
      }),
      { numRuns: 20 },
    )
  })
  it('symbolic gradient matches central differences for x, γ, β', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const b = draw(seed)
        const loss = ops.sum(ops.mul(batchNormTrain(x, gamma, beta).out, ops.tensor(b.dy)))
        expectGradOk(loss, [x, gamma, beta], b)
      }),
      { numRuns: 5 },
    )
  })
  it('symbolic gradient equals the closed form dx = γ/(N√(σ²+ε))·(N·dy − Σdy − x̂·Σ(dy·x̂))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const b = draw(seed)
        const bn = batchNormTrain(x, gamma, beta)
        const loss = ops.sum(ops.mul(bn.out, ops.tensor(b.dy)))
        const [dx, dg, db, xh] = run([...grad(loss, [x, gamma, beta]), bn.normalized], b)
        const { variance } = colStats(b.x)
        for (let j = 0; j < D; j++) {
          let sdy = 0
          let sdyx = 0
          for (let i = 0; i < N; i++) {
            sdy += T.get(b.dy, i, j)
            sdyx += T.get(b.dy, i, j) * T.get(xh!, i, j)
          }
          expect(T.get(db!, j)).toBeCloseTo(sdy, 12)
          expect(Math.abs(T.get(dg!, j) - sdyx)).toBeLessThan(1e-12 * Math.max(1, Math.abs(sdyx)))
          const k = b.gamma.data[j]! / (N * Math.sqrt(variance[j]! + 1e-5))
          for (let i = 0; i < N; i++) {
            const closed = k * (N * T.get(b.dy, i, j) - sdy - T.get(xh!, i, j) * sdyx)
            const got = T.get(dx!, i, j)
            expect(Math.abs(got - closed)).toBeLessThan(1e-10 * Math.max(1, Math.abs(closed)))
          }
        }
      }),
      { numRuns: 20 },
    )
  })
})

describe('batch norm in a model', () => {
  const m = sequential(dense(4, D), batchNorm(), relu, dense(D, 2))
  const xi = ops.input('x', ['N', 4])
  const { params } = m.init(R.key(1))
  const xb = R.normal(R.key(2), [N, 4], 3)
  const h = run([ops.add(ops.matmul(ops.tensor(xb), ops.tensor(params['dense0.W']!)), ops.tensor(params['dense0.b']!))], {})[0]!
  const { mean, variance } = colStats(h)

  it('updates running statistics as m·running + (1 − m)·batch with m = 0.9 (biased batch variance)', () => {
    const state = { 'bn0.runningMean': T.of([1, 2, 3]), 'bn0.runningVar': T.of([4, 5, 6]) }
    const a = m.apply(xi, 'train')
    const [rm, rv] = run([a.state['bn0.runningMean']!, a.state['bn0.runningVar']!], { ...params, ...state, x: xb })
    for (let j = 0; j < D; j++) {
      expect(T.get(rm!, j)).toBeCloseTo(0.9 * (j + 1) + 0.1 * mean[j]!, 12)
      expect(T.get(rv!, j)).toBeCloseTo(0.9 * (j + 4) + 0.1 * variance[j]!, 12)
    }
    expect(Object.keys(m.apply(xi, 'test').state)).toEqual([])
  })
  it('inference equals training when the running statistics equal the batch statistics', () => {
    const state = { 'bn0.runningMean': T.make([D], mean), 'bn0.runningVar': T.make([D], variance) }
    const b = { ...params, ...state, x: xb }
    const [train, test, inf] = run([m.apply(xi, 'train').out, m.apply(xi, 'test').out, toInference(m).apply(xi, 'train').out], b)
    expect(T.maxRelError(train!, test!, 1e-12)).toBeLessThan(1e-12)
    expect(T.equal(test!, inf!)).toBe(true)
  })
  it('test mode uses the running statistics, not the batch', () => {
    const state = { 'bn0.runningMean': T.of([0, 0, 0]), 'bn0.runningVar': T.of([1, 1, 1]) }
    const [train, test] = run([m.apply(xi, 'train').out, m.apply(xi, 'test').out], { ...params, ...state, x: xb })
    expect(T.maxRelError(train!, test!)).toBeGreaterThan(1e-3)
    // a one-row batch is fine in test mode (the output depends on that row only)
    const [one] = run([m.apply(xi, 'test').out], { ...params, ...state, x: T.make([1, 4], xb.data.slice(0, 4)) })
    expect(Array.from(one!.data)).toEqual(Array.from(test!.data.slice(0, 2)))
  })
})

describe('batch-norm builders', () => {
  it('refuse ε ≤ 0 and momentum outside [0, 1), naming the layer', () => {
    expect(() => batchNorm({ momentum: 1 })).toThrow('batchNorm: momentum must be in [0, 1), got 1')
    expect(() => batchNorm({ eps: 0 })).toThrow('batchNorm: eps must be a positive number, got 0')
    expect(() => spatialBatchNorm({ momentum: -0.1 })).toThrow('spatialBatchNorm: momentum must be in [0, 1), got -0.1')
    expect(() => spatialBatchNorm({ eps: NaN })).toThrow('spatialBatchNorm: eps must be a positive number, got NaN')
    expect(spatialBatchNorm({ momentum: 0.5, name: 'sbn' })).toEqual({ kind: 'spatialBatchNorm', eps: 1e-5, momentum: 0.5, runningVarInit: 1, name: 'sbn' })
  })
})
