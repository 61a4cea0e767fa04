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
 * Covariance (1/n)·(X − μ)ᵀ(X − μ) of an [n, d] matrix, as a symmetric [d, d] matrix.
 *
 * Computed as E[yyᵀ] − E[y]E[y]ᵀ with y = x − s, where the shift s_j is μ_j for columns that are
 * mostly non-zero and 0 for columns that are at least half zeros (image background). Any shift
 * gives the same covariance; this one keeps sparse columns sparse, so MNIST-like data costs about
 * (non-zeros per row)² per row, and it avoids cancellation: a column with a fraction z ≥ ½ of
 * zeros has μ² ≤ (1 − z)·E[x²], so its variance is at least half of E[x²]. Mostly dense data is
 * accumulated in blocks of rows to stay in cache.
 */
export function covariance(x: Float64Array, n: number, d: number, mean: Float64Array): Float64Array {
  const zeros = new Float64Array(d)
  for (let i = 0; i < n * d; i++) if (x[i] === 0) zeros[i % d]!++
  const shift = mean.map((m, j) => (zeros[j]! >= n / 2 ? 0 : m))
  const nu = mean.map((m, j) => m - shift[j]!) // E[y]
  let nnz = 0
  for (let i = 0; i < n * d; i++) if (x[i] !== shift[i % d]) nnz++
  const g = nnz < (n * d) / 2 ? gramSparse(x, n, d, shift) : gramBlocked(x, n, d, shift)
  const c = new Float64Array(d * d)
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      const v = g[a * d + b]! / n - nu[a]! * nu[b]!
      c[a * d + b] = v
      c[b * d + a] = v
    }
  return c
}

/** Upper triangle of YᵀY, y = x − shift, skipping zero entries of y. */
function gramSparse(x: Float64Array, n: number, d: number, shift: Float64Array): Float64Array {
  const g = new Float64Array(d * d)
  const idx = new Int32Array(d)
  const val = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    let m = 0
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j]! - shift[j]!
      if (v !== 0) {
        idx[m] = j
        val[m++] = v
      }
    }
    for (let p = 0; p < m; p++) {
      const off = idx[p]! * d
      const vp = val[p]!
      for (let q = p; q < m; q++) g[off + idx[q]!]! += vp * val[q]!
    }
  }
  return g
}

/** Upper triangle of YᵀY, y = x − shift, over blocks of B rows stored column-major. */
function gramBlocked(x: Float64Array, n: number, d: number, shift: Float64Array): Float64Array {
  const B = 32
  const g = new Float64Array(d * d)
  const t = new Float64Array(d * B)
  for (let i0 = 0; i0 < n; i0 += B) {
    const rows = Math.min(B, n - i0)
    for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) t[j * B + r] = x[(i0 + r) * d + j]! - shift[j]!
    for (let a = 0; a < d; a++) {
      const ao = a * B
      for (let b = a; b < d; b++) {
        const bo = b * B
        let s = 0
        for (let r = 0; r < rows; r++) s += t[ao + r]! * t[bo + r]!
        g[a * d + b]! += s
      }
    }
  }
  return g
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
