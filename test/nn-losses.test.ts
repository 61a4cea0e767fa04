import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { grad } from '../src/ad/grad.js'
import { softmaxCrossEntropy, svmLoss, svmMargins, accuracy } from '../src/nn/losses.js'
import { elasticNet, l1, l2, l2Half, maxNorm } from '../src/nn/regularizers.js'
import { dense } from '../src/nn/layers.js'
import { sequential } from '../src/nn/model.js'
import { expectGradOk, run, value } from './nn-check.js'

const N = 6
const C = 4
const s = ops.param('s', ['N', C])
const y = ops.input('y', ['N'])
const labels = (k: R.Key, n = N, c = C) => T.make([n], Array.from(R.uniformArray(k, n), (u) => Math.floor(u * c)))

/** Scores whose hinge margins are all at least 0.05 away from the kink. */
function awayFromKinks(sc: T.Tensor, yl: T.Tensor, delta: number): boolean {
  const m = run([ops.add(ops.sub(s, ops.broadcastTo(ops.reshape(ops.gatherLabel(s, y), ['N', 1]), ['N', C])), delta)], { s: sc, y: yl })[0]!
  return m.data.every((v, i) => i % C === yl.data[Math.floor(i / C)] || Math.abs(v) > 0.05)
}

describe('softmax cross-entropy', () => {
  it('gradient matches central differences (rel. error ≤ 1e-7)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const [k1, k2] = R.split(R.key(seed))
        expectGradOk(softmaxCrossEntropy(s, y), [s], { s: R.normal(k1!, [N, C], 2), y: labels(k2!) })
      }),
      { numRuns: 8 },
    )
  })
  it('is invariant to adding a constant to all scores of a row', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: -50, max: 50, noNaN: true }), (seed, c) => {
        const [k1, k2, k3] = R.split(R.key(seed), 3)
        const sc = R.normal(k1!, [N, C])
        const shifts = T.map(R.uniform(k3!, [N, 1], -1, 1), (v) => v * c)
        const shifted = run([ops.add(ops.tensor(sc), ops.broadcastTo(ops.tensor(shifts), [N, C]))], {})[0]!
        const yl = labels(k2!)
        const a = value(softmaxCrossEntropy(s, y), { s: sc, y: yl })
        const b = value(softmaxCrossEntropy(s, y), { s: shifted, y: yl })
        expect(Math.abs(a - b)).toBeLessThan(1e-12 * Math.max(1, Math.abs(a)) + 1e-12)
      }),
      { numRuns: 30 },
    )
  })
  it('is finite with finite gradients for scores in the thousands', () => {
    const sc = T.of([[1000, -2000, 3000, 0], [-5000, 5000, 4999, 1], [2500, 2500, 2500, 2500]])
    const yl = T.of([0, 2, 3])
    const loss = softmaxCrossEntropy(s, y)
    const [l, g] = run([loss, grad(loss, [s])[0]!], { s: sc, y: yl })
    expect(T.isFinite(l!)).toBe(true)
    expect(T.isFinite(g!)).toBe(true)
    // row 0: 3000 − 1000 = 2000 nats; row 1: log(1 + e) nats; row 2: log 4
    expect(T.item(l!)).toBeCloseTo((2000 + Math.log(1 + Math.E) + Math.log(4)) / 3, 9)
    // d/ds = (softmax − onehot)/N: row 2 is uniform
    expect(T.get(g!, 2, 0)).toBeCloseTo(0.25 / 3, 12)
    expect(T.get(g!, 2, 3)).toBeCloseTo(-0.75 / 3, 12)
  })
  it('tiny weights give a loss ≈ log C', () => {
    const model = sequential(dense(5, 10, { init: { std: 1e-6 } }))
    const { params } = model.init(R.key(3))
    const x = ops.input('x', ['N', 5])
    const loss = softmaxCrossEntropy(model.apply(x, 'test').out, y)
    const v = value(loss, { ...params, x: R.normal(R.key(4), [50, 5]), y: labels(R.key(5), 50, 10) })
    expect(Math.abs(v - Math.log(10))).toBeLessThan(1e-4)
  })
})

describe('multiclass SVM loss (Weston–Watkins)', () => {
  it('gradient matches central differences away from the hinge kinks', () => {
    for (const delta of [1, 0.5]) {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
          const [k1, k2] = R.split(R.key(seed))
          const sc = R.normal(k1!, [N, C])
          const yl = labels(k2!)
          fc.pre(awayFromKinks(sc, yl, delta))
          expectGradOk(svmLoss(s, y, delta), [s], { s: sc, y: yl })
        }),
        { numRuns: 6 },
      )
    }
  })
  it('matches the definition Lᵢ = Σ_{j≠yᵢ} max(0, s_j − s_yᵢ + Δ), mean over i', () => {
    const sc = R.normal(R.key(7), [N, C])
    const yl = labels(R.key(8))
    let ref = 0
    for (let i = 0; i < N; i++) {
      const yi = yl.data[i]!
      for (let j = 0; j < C; j++) if (j !== yi) ref += Math.max(0, T.get(sc, i, j) - T.get(sc, i, yi) + 1)
    }
    expect(value(svmLoss(s, y), { s: sc, y: yl })).toBeCloseTo(ref / N, 13)
  })
  it('is exactly 0 when every margin is satisfied, and positive when one is not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 1e-9, max: 10, noNaN: true }), (seed, extra) => {
        const [k1, k2] = R.split(R.key(seed))
        const yl = labels(k2!)
        const sc = R.normal(k1!, [N, C])
        // put the correct score Δ + extra above the row's best wrong score
        const d = Float64Array.from(sc.data)
        for (let i = 0; i < N; i++) {
          const yi = yl.data[i]!
          let best = -Infinity
          for (let j = 0; j < C; j++) if (j !== yi) best = Math.max(best, d[i * C + j]!)
          d[i * C + yi] = best + 1 + extra
        }
        const ok = T.make([N, C], d)
        const [l, g] = run([svmLoss(s, y), grad(svmLoss(s, y), [s])[0]!], { s: ok, y: yl })
        expect(T.item(l!)).toBe(0)
        expect(g!.data.every((v) => v === 0)).toBe(true)
        d[yl.data[0]!] = d[yl.data[0]!]! - 1 - 2 * extra // violate one margin in row 0
        expect(value(svmLoss(s, y), { s: T.make([N, C], d), y: yl })).toBeGreaterThan(0)
      }),
      { numRuns: 30 },
    )
  })
  it('tiny weights give a loss ≈ C − 1 (with Δ = 1)', () => {
    const model = sequential(dense(5, 10, { init: { std: 1e-6 } }))
    const { params } = model.init(R.key(3))
    const loss = svmLoss(model.apply(ops.input('x', ['N', 5]), 'test').out, y)
    const v = value(loss, { ...params, x: R.normal(R.key(4), [50, 5]), y: labels(R.key(5), 50, 10) })
    expect(Math.abs(v - 9)).toBeLessThan(1e-4)
  })
  it('margins are 0 at the correct class', () => {
    const m = run([svmMargins(s, y)], { s: R.normal(R.key(1), [N, C], 5), y: labels(R.key(2)) })[0]!
    const yl = labels(R.key(2))
    for (let i = 0; i < N; i++) expect(T.get(m, i, yl.data[i]!)).toBe(0)
  })
  it('accuracy counts rows whose unique arg-max is the label', () => {
    const sc = T.of([[1, 2, 0, 0], [3, 1, 0, 0], [1, 1, 0, 0]])
    expect(value(accuracy(s, y), { s: sc, y: T.of([1, 1, 0]) })).toBeCloseTo(1 / 3, 15)
  })
  it('rejects labels of the wrong shape, naming both shapes', () => {
    expect(() => svmLoss(s, ops.input('y2', ['M']))).toThrow(/svmMargins: argument 2 expected labels \[N\], got \[M\]/)
  })
})

describe('regularizers', () => {
  const W = ops.param('W', [3, 4])
  const V = ops.param('V', [2])
  const b = { W: R.normal(R.key(11), [3, 4]), V: T.of([0.3, -0.7]) }
  const sq = T.dot(b.W, b.W) + T.dot(b.V, b.V)
  const ab = T.sum(T.map(b.W, Math.abs)) + 1.0
  it('values follow the stated conventions', () => {
    expect(value(l2([W, V], 0.1), b)).toBeCloseTo(0.1 * sq, 13)
    expect(value(l2Half([W, V], 0.1), b)).toBeCloseTo(0.05 * sq, 13)
    expect(value(l1({ W, V }, 0.1), b)).toBeCloseTo(0.1 * ab, 13)
    expect(value(elasticNet([W, V], 0.1, 0.5), b)).toBeCloseTo(0.1 * (0.5 * sq + ab), 13)
    expect(value(l2([], 0.1), {})).toBe(0)
  })
  it('gradients match central differences; l2Half gives λ·W, l2 gives 2λ·W', () => {
    expectGradOk(l2([W, V], 0.1), [W, V], b)
    expectGradOk(l2Half([W, V], 0.1), [W, V], b)
    expectGradOk(l1([W, V], 0.1), [W, V], b)
    expectGradOk(elasticNet([W, V], 0.1, 0.5), [W, V], b)
    const [g] = run([grad(l2Half([W], 0.1), [W])[0]!], b)
    expect(T.maxRelError(g!, T.scale(b.W, 0.1))).toBeLessThan(1e-15)
    const [g2] = run([grad(l2([W], 0.1), [W])[0]!], b)
    expect(T.maxRelError(g2!, T.scale(b.W, 0.2))).toBeLessThan(1e-15)
  })
  it('model.weights() selects weights, not biases', () => {
    const m = sequential(dense(3, 4), dense(4, 2))
    expect(Object.keys(m.weights())).toEqual(['dense0.W', 'dense1.W'])
    expect(Object.keys(m.params())).toEqual(['dense0.W', 'dense0.b', 'dense1.W', 'dense1.b'])
  })
  it('maxNorm projects each unit’s incoming weights to norm ≤ c and leaves the rest alone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.1, max: 3, noNaN: true }), (seed, c) => {
        const m = sequential(dense(5, 7, { init: { std: 1 } }), dense(7, 3, { init: { std: 1 } }))
        const { params } = m.init(R.key(seed))
        const before = JSON.stringify(Object.fromEntries(Object.entries(params).map(([k, t]) => [k, Array.from(t.data)])))
        const p = maxNorm(params, c, m.weights())
        expect(JSON.stringify(Object.fromEntries(Object.entries(params).map(([k, t]) => [k, Array.from(t.data)])))).toBe(before)
        expect(p['dense0.b']).toBe(params['dense0.b'])
        for (const name of ['dense0.W', 'dense1.W']) {
          const w = p[name]!
          const w0 = params[name]!
          const [rows, cols] = w.shape as [number, number]
          for (let j = 0; j < cols; j++) {
            let n0 = 0
            let n1 = 0
            for (let i = 0; i < rows; i++) {
              n0 += T.get(w0, i, j) ** 2
              n1 += T.get(w, i, j) ** 2
            }
            ;[n0, n1] = [Math.sqrt(n0), Math.sqrt(n1)]
            expect(n1).toBeLessThanOrEqual(c * (1 + 1e-12))
            if (n0 <= c) for (let i = 0; i < rows; i++) expect(T.get(w, i, j)).toBe(T.get(w0, i, j))
            else expect(n1).toBeCloseTo(c, 12)
          }
        }
      }),
      { numRuns: 20 },
    )
  })
})
