/**
 * Matrix products for the JavaScript backend: C = op(A)·op(B) with op ∈ {identity, transpose},
 * float64, cache-blocked and register-tiled.
 *
 * Every form (A·B, Aᵀ·B, A·Bᵀ, Aᵀ·Bᵀ) runs the same micro-kernel: both operands are first packed
 * into panels of 4 (4 rows of op(A), 4 columns of op(B), interleaved along k), so the transposes
 * cost only the O(MK + KN) packing, never a slower inner loop. The micro-kernel keeps a 4×4 tile
 * of C in 16 local accumulators and reads 4 + 4 packed values per k. K is blocked (KC) so a packed
 * A panel stays in L1 and the packed B block in L2.
 */

/** Size of K blocks; 4·KC doubles of A and the B panel being read stay in L1. */
const KC = 256

/** Scratch for packing; grown on demand and owned by the caller (a compiled function). */
export interface MatmulScratch {
  a: Float64Array
  b: Float64Array
}

export function matmulScratch(): MatmulScratch {
  return { a: new Float64Array(4 * KC), b: new Float64Array(0) }
}

/**
 * C[m×n] = op(A)·op(B) (+ C when `accumulate`). A is stored m×k (k×m when `transA`), B is stored
 * k×n (n×k when `transB`); all row-major with offsets. Never writes A or B.
 */
export function matmul(
  A: Float64Array, aOff: number, transA: boolean,
  B: Float64Array, bOff: number, transB: boolean,
  C: Float64Array, cOff: number,
  m: number, n: number, k: number,
  scratch: MatmulScratch,
  accumulate = false,
): void {
  if (!accumulate) C.fill(0, cOff, cOff + m * n)
  if (m === 0 || n === 0 || k === 0) return
  const n4 = (n + 3) & ~3
  if (scratch.b.length < n4 * KC) scratch.b = new Float64Array(n4 * KC)
  const Ap = scratch.a
  const Bp = scratch.b
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = Math.min(KC, k - k0)
    packB(B, bOff, transB, n, k, k0, kc, Bp)
    for (let i0 = 0; i0 < m; i0 += 4) {
      const mr = Math.min(4, m - i0)
      packA(A, aOff, transA, m, k, i0, mr, k0, kc, Ap)
      for (let j0 = 0; j0 < n; j0 += 4) {
        micro(Ap, Bp, j0 * kc, kc, C, cOff + i0 * n + j0, n, mr, Math.min(4, n - j0))
      }
    }
  }
}

/** Packs rows i0..i0+3 of op(A), columns k0..k0+kc, as Ap[p*4 + r] (zero rows past m). */
function packA(A: Float64Array, off: number, trans: boolean, m: number, k: number, i0: number, mr: number, k0: number, kc: number, Ap: Float64Array): void {
  if (mr < 4) Ap.fill(0, 0, 4 * kc)
  if (!trans) {
    for (let r = 0; r < mr; r++) {
      const src = off + (i0 + r) * k + k0
      for (let p = 0; p < kc; p++) Ap[p * 4 + r] = A[src + p]!
    }
  } else {
    // A stored k×m: op(A)[i, p] = A[p, i]; rows of A are contiguous in i
    for (let p = 0; p < kc; p++) {
      const src = off + (k0 + p) * m + i0
      const d = p * 4
      for (let r = 0; r < mr; r++) Ap[d + r] = A[src + r]!
    }
  }
}

/** Packs rows k0..k0+kc of op(B) into column panels: Bp[j0*kc + p*4 + c] = op(B)[k0+p, j0+c]. */
function packB(B: Float64Array, off: number, trans: boolean, n: number, k: number, k0: number, kc: number, Bp: Float64Array): void {
  const n4 = (n + 3) & ~3
  if (n4 !== n) for (let j0 = n4 - 4, p = 0; p < kc; p++) for (let c = 0; c < 4; c++) Bp[j0 * kc + p * 4 + c] = 0
  if (!trans) {
    for (let p = 0; p < kc; p++) {
      const src = off + (k0 + p) * n
      for (let j = 0; j < n; j++) Bp[(j & ~3) * kc + p * 4 + (j & 3)] = B[src + j]!
    }
  } else {
    // B stored n×k: op(B)[p, j] = B[j, p]
    for (let j = 0; j < n; j++) {
      const src = off + j * k + k0
      const d = (j & ~3) * kc + (j & 3)
      for (let p = 0; p < kc; p++) Bp[d + p * 4] = B[src + p]!
    }
  }
}

/** C tile (mr×nr at cOff, row stride ldc) += Apanel·Bpanel over kc. */
function micro(Ap: Float64Array, Bp: Float64Array, bo: number, kc: number, C: Float64Array, cOff: number, ldc: number, mr: number, nr: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0
  let ai = 0
  let bi = bo
  const end = ai + 4 * kc
  for (; ai < end; ai += 4, bi += 4) {
    const a0 = Ap[ai]!, a1 = Ap[ai + 1]!, a2 = Ap[ai + 2]!, a3 = Ap[ai + 3]!
    let b = Bp[bi]!
    c00 += a0 * b; c10 += a1 * b; c20 += a2 * b; c30 += a3 * b
    b = Bp[bi + 1]!
    c01 += a0 * b; c11 += a1 * b; c21 += a2 * b; c31 += a3 * b
    b = Bp[bi + 2]!
    c02 += a0 * b; c12 += a1 * b; c22 += a2 * b; c32 += a3 * b
    b = Bp[bi + 3]!
    c03 += a0 * b; c13 += a1 * b; c23 += a2 * b; c33 += a3 * b
  }
  if (mr === 4 && nr === 4) {
    let o = cOff
    C[o]! += c00; C[o + 1]! += c01; C[o + 2]! += c02; C[o + 3]! += c03; o += ldc
    C[o]! += c10; C[o + 1]! += c11; C[o + 2]! += c12; C[o + 3]! += c13; o += ldc
    C[o]! += c20; C[o + 1]! += c21; C[o + 2]! += c22; C[o + 3]! += c23; o += ldc
    C[o]! += c30; C[o + 1]! += c31; C[o + 2]! += c32; C[o + 3]! += c33
    return
  }
  const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33]
  for (let r = 0; r < mr; r++) for (let c = 0; c < nr; c++) C[cOff + r * ldc + c]! += t[r * 4 + c]!
}
