import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { Matrix, SingularValueDecomposition } from 'ml-matrix'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as P from '../src/data/preprocess.js'
import { covariance } from '../src/data/linalg.js'
import type { Splits } from '../src/data/split.js'

const right = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left
  return e.right
}
const leftMessage = <A>(e: E.Either<Error, A>): string => (E.isLeft(e) ? e.left.message : 'expected Left, got Right')

/** N rows of correlated data: z·A + b with z ~ N(0, 1), A = diag(scale) + 0.3·noise; `sparse` zeroes ~70%. */
function data(seed: number, n: number, d: number, sparse = false): Tensor {
  const [k1, k2, k3, k4, k5] = R.split(R.key(seed), 5)
  const z = R.normal(k1!, [n, d]).data
  const noise = R.normal(k2!, [d, d]).data
  const scale = R.uniform(k3!, [d], 0.5, 3).data
  const offset = R.uniform(k4!, [d], -5, 5).data
  const x = new Float64Array(n * d)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      let s = offset[j]!
      for (let p = 0; p < d; p++) s += z[i * d + p]! * ((p === j ? scale[j]! : 0) + 0.3 * noise[p * d + j]!)
      x[i * d + j] = s
    }
  if (sparse) {
    // zero ~70% of the entries of every column but the first (image-background-like columns)
    const mask = R.uniform(k5!, [n, d]).data
    for (let i = 0; i < x.length; i++) if (mask[i]! < 0.7 && i % d !== 0) x[i] = 0
  }
  return { shape: [n, d], data: x }
}

const means = (x: Tensor): number[] => {
  const [n, d] = x.shape as [number, number]
  return Array.from({ length: d }, (_, c) => {
    let s = 0
    for (let i = 0; i < n; i++) s += x.data[i * d + c]!
    return s / n
  })
}
/** (1/N) covariance as nested arrays. */
const cov = (x: Tensor): number[][] => {
  const [n, d] = x.shape as [number, number]
  const m = means(x)
  return Array.from({ length: d }, (_, a) =>
    Array.from({ length: d }, (_, b) => {
      let s = 0
      for (let i = 0; i < n; i++) s += (x.data[i * d + a]! - m[a]!) * (x.data[i * d + b]! - m[b]!)
      return s / n
    }),
  )
}
/** Eigenvalues of the (1/N) covariance from an independent route: singular values of X − μ. */
const svdVariances = (x: Tensor): number[] => {
  const [n, d] = x.shape as [number, number]
  const m = means(x)
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, c) => x.data[i * d + c]! - m[c]!))
  return new SingularValueDecomposition(new Matrix(rows)).diagonal.map((s) => (s * s) / n).sort((a, b) => b - a)
}
const maxAbsDiff = (a: number[][], b: number[][]): number => Math.max(...a.flatMap((r, i) => r.map((v, k) => Math.abs(v - b[i]![k]!))))
const eye = (d: number): number[][] => Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => (a === b ? 1 : 0)))

const shapes = fc.record({ d: fc.integer({ min: 1, max: 6 }), extra: fc.integer({ min: 3, max: 30 }), seed: fc.nat(100000), sparse: fc.boolean() })
const RUNS = { numRuns: 40 }

describe('covariance', () => {
  it('the sparse and the blocked dense accumulations both match the textbook formula', () => {
    fc.assert(
      fc.property(shapes, ({ d, extra, seed, sparse }) => {
        const x = data(seed, d + extra, d, sparse)
        const n = d + extra
        const c = covariance(x.data, n, d, Float64Array.from(means(x)))
        const want = cov(x)
        const scale = Math.max(...want.map((r, a) => r[a]!))
        for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) expect(Math.abs(c[a * d + b]! - want[a]![b]!)).toBeLessThan(1e-12 * scale)
      }),
      RUNS,
    )
  })
})

describe('preprocessing laws', () => {
  it('centered data has mean ≈ 0; other data is shifted by the training mean', () => {
    fc.assert(
      fc.property(shapes, ({ d, extra, seed, sparse }) => {
        const x = data(seed, d + extra, d, sparse)
        const t = right(P.fitCenter(x))
        for (const m of means(right(P.apply(t, x)))) expect(Math.abs(m)).toBeLessThan(1e-12)
        const test = data(seed + 1, 5, d)
        const y = right(P.apply(t, test))
        for (let i = 0; i < test.data.length; i++) expect(y.data[i]).toBe(test.data[i]! - t.mean.data[i % d]!)
      }),
      RUNS,
    )
  })
  it('per-channel centering: each channel of channels-last rows has mean ≈ 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.nat(1000), (c, hw, seed) => {
        const x = data(seed, 12, c * hw)
        const t = right(P.fitChannelCenter(x, c))
        const m = means(right(P.apply(t, x)))
        for (let ch = 0; ch < c; ch++) {
          const s = m.filter((_, k) => k % c === ch).reduce((a, b) => a + b, 0)
          expect(Math.abs(s / hw)).toBeLessThan(1e-12)
        }
        expect(T.maxRelError(right(P.inverse(t, right(P.apply(t, x)))), x, 1)).toBeLessThan(1e-14)
      }),
      RUNS,
    )
  })
  it('standardized data has per-feature variance ≈ 1; constant features map to 0', () => {
    fc.assert(
      fc.property(shapes, ({ d, extra, seed, sparse }) => {
        const n = d + extra
        const x = data(seed, n, d, sparse)
        const withConst = { shape: [n, d + 1], data: new Float64Array(n * (d + 1)) }
        for (let i = 0; i < n; i++) {
          withConst.data.set(x.data.subarray(i * d, (i + 1) * d), i * (d + 1))
          withConst.data[i * (d + 1) + d] = 0.25
        }
        const t = right(P.fitStandardize(withConst))
        const y = right(P.apply(t, withConst))
        const c = cov(y)
        const cx = cov(x)
        // a column of x that happens to be constant (all zeros when sparse) is a constant feature too
        for (let k = 0; k < d; k++) expect(Math.abs(c[k]![k]! - (cx[k]![k]! === 0 ? 0 : 1))).toBeLessThan(1e-12)
        for (let i = 0; i < n; i++) expect(y.data[i * (d + 1) + d]).toBe(0)
        expect(T.maxRelError(right(P.inverse(t, y)), withConst, 1)).toBeLessThan(1e-13)
      }),
      RUNS,
    )
  })
  it('PCA keeps the largest-variance directions: output variances are the top-k eigenvalues, ordered, uncorrelated', () => {
    fc.assert(
      fc.property(shapes, fc.nat(), ({ d, extra, seed, sparse }, kk) => {
        const x = data(seed, d + extra, d, sparse)
        const k = 1 + (kk % d)
        const t = right(P.fitPca(x, k))
        if (t.kind !== 'pca') throw new Error('kind')
        const y = right(P.apply(t, x))
        expect(y.shape).toEqual([d + extra, k])
        const c = cov(y)
        const lam = svdVariances(x)
        const tol = 1e-10 * Math.max(1, lam[0]!)
        for (let a = 0; a < k; a++) {
          expect(Math.abs(c[a]![a]! - lam[a]!)).toBeLessThan(tol)
          expect(Math.abs(t.variances.data[a]! - lam[a]!)).toBeLessThan(tol)
          if (a > 0) expect(t.variances.data[a]!).toBeLessThanOrEqual(t.variances.data[a - 1]!)
          for (let b = 0; b < k; b++) if (a !== b) expect(Math.abs(c[a]![b]!)).toBeLessThan(tol)
        }
        // no other k-dimensional orthonormal projection keeps more variance
        const q = orthonormal(R.normal(R.key(seed + 7), [d, k]).data, d, k)
        const cx = cov(x)
        let kept = 0
        for (let col = 0; col < k; col++)
          for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) kept += q[a * k + col]! * cx[a]![b]! * q[b * k + col]!
        expect(kept).toBeLessThanOrEqual(lam.slice(0, k).reduce((s, v) => s + v, 0) + tol)
        if (k === d) expect(T.maxRelError(right(P.inverse(t, y)), x, 1)).toBeLessThan(1e-10)
      }),
      RUNS,
    )
  })
  it('PCA-whitened data has covariance diag(λ/(λ+eps)) ≈ I', () => {
    fc.assert(
      fc.property(shapes, ({ d, extra, seed, sparse }) => {
        const x = data(seed, d + 2 * extra, d, sparse)
        const t = right(P.fitPcaWhiten(x, d, 1e-5))
        if (t.kind !== 'pcaWhiten') throw new Error('kind')
        const y = right(P.apply(t, x))
        const c = cov(y)
        const want = eye(d).map((r, a) => r.map((v) => (v * t.variances.data[a]!) / (t.variances.data[a]! + 1e-5)))
        expect(maxAbsDiff(c, want)).toBeLessThan(1e-9)
        const lamMin = Math.min(...t.variances.data)
        expect(maxAbsDiff(c, eye(d))).toBeLessThan(1e-5 / lamMin + 1e-9)
        expect(T.maxRelError(right(P.inverse(t, y)), x, 1)).toBeLessThan(1e-10)
      }),
      RUNS,
    )
  })
  it('ZCA: the whitening matrix is symmetric and ZCA-whitened data has covariance ≈ I', () => {
    fc.assert(
      fc.property(shapes, ({ d, extra, seed, sparse }) => {
        const x = data(seed, d + 2 * extra, d, sparse)
        const t = right(P.fitZca(x, 1e-5))
        if (t.kind !== 'zca') throw new Error('kind')
        const w = t.matrix.data
        for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) expect(w[a * d + b]).toBe(w[b * d + a])
        const y = right(P.apply(t, x))
        const lamMin = Math.min(...t.variances.data)
        expect(maxAbsDiff(cov(y), eye(d))).toBeLessThan(1e-5 / lamMin + 1e-9)
        expect(T.maxRelError(right(P.inverse(t, y)), x, 1)).toBeLessThan(1e-10)
      }),
      RUNS,
    )
  })
})

/** Gram–Schmidt on the columns of a [d, k] matrix (k ≤ d). */
function orthonormal(m: Float64Array, d: number, k: number): Float64Array {
  const q = m.slice()
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0
      for (let r = 0; r < d; r++) dot += q[r * k + c]! * q[r * k + p]!
      for (let r = 0; r < d; r++) q[r * k + c]! -= dot * q[r * k + p]!
    }
    let nrm = 0
    for (let r = 0; r < d; r++) nrm += q[r * k + c]! ** 2
    for (let r = 0; r < d; r++) q[r * k + c]! /= Math.sqrt(nrm)
  }
  return q
}

describe('fitting on training data only, purity, errors', () => {
  const specs: P.Spec[] = [
    { kind: 'center' },
    { kind: 'channelCenter', channels: 2 },
    { kind: 'standardize' },
    { kind: 'pca', k: 2 },
    { kind: 'pcaWhiten', k: 3 },
    { kind: 'zca' },
  ]
  const ds = (x: Tensor, name: string) => ({ name, x, y: T.zeros([x.shape[0]!]), classes: 1 })

  it('fitApply fits on train and maps validation and test with the training statistics', () => {
    for (const spec of specs) {
      const train = data(1, 30, 4)
      const splits: Splits = { train: ds(train, 'tr'), validation: ds(data(2, 6, 4), 'va'), test: ds(data(3, 5, 4), 'te') }
      const out = right(P.fitApply(spec, splits))
      const alone = right(P.fit(spec, train))
      expect(JSON.stringify(out.transform, replacer)).toBe(JSON.stringify(alone, replacer))
      expect(T.equal(out.test.x, right(P.apply(alone, splits.test.x)))).toBe(true)
      // different test data does not change the transform or the training output
      const other = right(P.fitApply(spec, { ...splits, test: ds(data(9, 5, 4), 'te2') }))
      expect(T.equal(other.train.x, out.train.x)).toBe(true)
      expect(T.equal(other.validation.x, out.validation.x)).toBe(true)
    }
  })
  it('fit, apply, inverse and fitApply never change their arguments', () => {
    for (const spec of specs) {
      const x = data(4, 20, 4)
      const v = data(5, 3, 4)
      const splits: Splits = Object.freeze({ train: Object.freeze(ds(x, 'tr')), validation: Object.freeze(ds(v, 'va')), test: Object.freeze(ds(v, 'te')) })
      const [xs, vs] = [x.data.slice(), v.data.slice()]
      const t = right(P.fit(spec, Object.freeze(x)))
      const before = JSON.stringify(t, replacer)
      const y = right(P.apply(t, v))
      const ys = y.data.slice()
      right(P.inverse(t, y))
      right(P.fitApply(spec, splits))
      expect(Array.from(x.data)).toEqual(Array.from(xs))
      expect(Array.from(v.data)).toEqual(Array.from(vs))
      expect(Array.from(y.data)).toEqual(Array.from(ys))
      expect(JSON.stringify(t, replacer)).toBe(before)
    }
  })
  it('transforms are plain data: they survive a JSON round trip and still apply the same', () => {
    const x = data(6, 25, 3)
    const t = right(P.fitZca(x))
    const back = JSON.parse(JSON.stringify(t, replacer), (_k, v) =>
      v && typeof v === 'object' && Array.isArray(v.data) ? { shape: v.shape, data: Float64Array.from(v.data) } : v,
    ) as P.Transform
    expect(T.equal(right(P.apply(back, x)), right(P.apply(t, x)))).toBe(true)
  })
  it('errors name the place and expected vs found', () => {
    const x = data(7, 10, 3)
    expect(leftMessage(P.fitPca(x, 4))).toBe('fitPca: k must be an integer in 1..3, got 4')
    const t = right(P.fitCenter(x))
    expect(leftMessage(P.apply(t, data(8, 2, 5)))).toBe('apply center: expected rows of 3 features (as fitted), got [2,5]')
    const bad = { shape: x.shape, data: x.data.map((v, i) => (i === 7 ? NaN : v)) }
    expect(leftMessage(P.fitZca(bad))).toBe('fitZca: non-finite value NaN at row 2, column 1')
    // fitCenter scans the rows only when a column's sum is not finite: the same refusals, the same means
    expect(leftMessage(P.fitCenter(bad))).toBe('fitCenter: non-finite value NaN at row 2, column 1')
    const inf = { shape: x.shape, data: x.data.map((v, i) => (i === 29 ? -Infinity : i === 28 ? Infinity : v)) }
    expect(leftMessage(P.fitCenter(inf))).toBe('fitCenter: non-finite value Infinity at row 9, column 1')
    const huge = right(P.fitCenter({ shape: [2, 2], data: Float64Array.of(1e308, 1, 1e308, 3) }))
    expect(huge.kind === 'center' && Array.from(huge.mean.data)).toEqual([Infinity, 2])
    expect(leftMessage(P.fitChannelCenter(x, 2))).toBe('fitChannelCenter: 2 channels do not divide the 3 features per row')
    expect(leftMessage(P.inverse(right(P.fitPca(x, 2)), x))).toBe('inverse pca: expected rows of 2 features, got [10,3]')
  })
})

function replacer(_k: string, v: unknown): unknown {
  return v instanceof Float64Array ? Array.from(v) : v
}
