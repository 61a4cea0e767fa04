/**
 * The small dense linear algebra preprocessing needs, over row-major Float64Arrays: column means,
 * the covariance matrix, products, and the symmetric eigendecomposition (delegated to ml-matrix's
 * EigenvalueDecomposition, the Householder tridiagonalization + QL method of JAMA).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'

/** Mean of each column of an [n, d] matrix. */
export function columnMeans(x: Float64Array, n: number, d: number): Float64Array {
  const m = new Float64Array(d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) m[j]! += x[i * d + j]!
  for (let j = 0; j < d; j++) m[j]! /= n
  return m
}

/**
 * Covariance (1/n)·(X − μ)ᵀ(X − μ) of an [n, d] matrix, as a symmetric [d, d] matrix. Rows are
 * centered one at a time, and zero entries are skipped (images are mostly background).
 */
export function covariance(x: Float64Array, n: number, d: number, mean: Float64Array): Float64Array {
  const c = new Float64Array(d * d)
  const r = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) r[j] = x[i * d + j]! - mean[j]!
    for (let a = 0; a < d; a++) {
      const ra = r[a]!
      if (ra === 0) continue
      const off = a * d
      for (let b = a; b < d; b++) c[off + b]! += ra * r[b]!
    }
  }
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      const v = c[a * d + b]! / n
      c[a * d + b] = v
      c[b * d + a] = v
    }
  return c
}

/** [n, k] · [k, m] → [n, m]. */
export function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m)
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p]!
      if (v === 0) continue
      const bo = p * m
      const oo = i * m
      for (let j = 0; j < m; j++) out[oo + j]! += v * b[bo + j]!
    }
  return out
}

/** [n, k] · [m, k]ᵀ → [n, m]. */
export function matmulT(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[j * k + p]!
      out[i * m + j] = s
    }
  return out
}

export interface Eigen {
  /** Eigenvalues, largest first (tiny negative round-off clamped to 0). */
  readonly values: Float64Array
  /** [d, d] matrix whose column j is the unit eigenvector of values[j]. */
  readonly vectors: Float64Array
}

/**
 * Eigendecomposition of a symmetric [d, d] matrix. Each eigenvector's sign is fixed so that its
 * entry of largest magnitude is positive, which makes the result reproducible.
 */
export function eigSym(a: Float64Array, d: number): Eigen {
  const evd = new EigenvalueDecomposition(Matrix.from1DArray(d, d, a), { assumeSymmetric: true })
  const vals = evd.realEigenvalues
  const vecs = evd.eigenvectorMatrix
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => vals[j]! - vals[i]!)
  const values = new Float64Array(d)
  const vectors = new Float64Array(d * d)
  order.forEach((src, dst) => {
    values[dst] = Math.max(0, vals[src]!)
    let big = 0
    for (let r = 0; r < d; r++) if (Math.abs(vecs.get(r, src)) > Math.abs(big)) big = vecs.get(r, src)
    const sign = big < 0 ? -1 : 1
    for (let r = 0; r < d; r++) vectors[r * d + dst] = sign * vecs.get(r, src)
  })
  return { values, vectors }
}
