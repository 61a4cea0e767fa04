/**
 * Convolution kernels for the JavaScript backend, through im2col and the packed matmul:
 *
 *   col[(c·KH + p)·KW + q, i·OW + j] = x[n, c, i·sh − ph + p, j·sw − pw + q]   (0 outside x)
 *   conv2d:               y_n  [F, P] = W [F, K] · col_n [K, P]        (K = C·KH·KW, P = OH·OW)
 *   conv2dBackpropInput:  col2im(Wᵀ [K, F] · g_n [F, P]) → dx_n
 *   conv2dBackpropFilter: dW [F, K] = Σ_n g_n [F, P] · col_nᵀ [P, K]
 *
 * One image at a time, so the column buffer is K·P doubles whatever the batch, and every product
 * writes straight into its place in the NCHW output. The column buffer lives in the runtime and
 * grows on demand: no allocation per call once warm.
 */
import type { MatmulScratch } from './matmul.js'

export type MatmulFn = (
  A: Float64Array, aOff: number, tA: boolean,
  B: Float64Array, bOff: number, tB: boolean,
  C: Float64Array, cOff: number,
  m: number, n: number, k: number,
  scratch: MatmulScratch,
  accumulate?: boolean,
) => void

/** Geometry: batch, channels, input size, filters, kernel, stride, padding (output size derived). */
export interface ConvDims {
  readonly n: number
  readonly c: number
  readonly h: number
  readonly w: number
  readonly f: number
  readonly kh: number
  readonly kw: number
  readonly sh: number
  readonly sw: number
  readonly ph: number
  readonly pw: number
}

export interface ConvScratch {
  col: Float64Array
}

export function convScratch(): ConvScratch {
  return { col: new Float64Array(0) }
}

export const outH = (d: ConvDims) => (d.h + 2 * d.ph - d.kh) / d.sh + 1
export const outW = (d: ConvDims) => (d.w + 2 * d.pw - d.kw) / d.sw + 1

function colBuffer(s: ConvScratch, size: number): Float64Array {
  if (s.col.length < size) s.col = new Float64Array(size)
  return s.col
}

/** Output columns j whose input column j·s − pad + q lies inside [0, w): [lo, hi). */
export function inside(q: number, pad: number, s: number, w: number, ow: number): [number, number] {
  const first = q - pad
  const lo = first >= 0 ? 0 : Math.ceil(-first / s)
  const hi = Math.min(ow, Math.floor((w - 1 - first) / s) + 1)
  return [lo, Math.max(lo, hi)]
}

/**
 * im2col of images n0..n0+g−1 into M from offset `at`: row r = (c·KH + p)·KW + q of length g·P,
 * image n's columns at n·P (one image's column matrix is the case g = 1).
 */
export function im2colGroup(x: Float64Array, d: ConvDims, n0: number, g: number, M: Float64Array, at: number): void {
  const OH = outH(d)
  const OW = outW(d)
  const s = d.sw
  let m = at
  for (let c = 0; c < d.c; c++)
    for (let p = 0; p < d.kh; p++)
      for (let q = 0; q < d.kw; q++) {
        const [lo, hi] = inside(q, d.pw, s, d.w, OW)
        for (let n = 0; n < g; n++) {
          const plane = ((n0 + n) * d.c + c) * d.h * d.w
          for (let i = 0; i < OH; i++, m += OW) {
            const y = i * d.sh - d.ph + p
            if (y < 0 || y >= d.h) {
              for (let j = 0; j < OW; j++) M[m + j] = 0
              continue
            }
            for (let j = 0; j < lo; j++) M[m + j] = 0
            const src = plane + y * d.w + q - d.pw
            if (s === 1) for (let j = lo; j < hi; j++) M[m + j] = x[src + j]!
            else for (let j = lo; j < hi; j++) M[m + j] = x[src + j * s]!
            for (let j = hi; j < OW; j++) M[m + j] = 0
          }
        }
      }
}

/** col2im: adds the column matrix of images n0.. (layout of im2colGroup) into dx. */
export function col2imGroup(M: Float64Array, at: number, d: ConvDims, n0: number, g: number, dx: Float64Array): void {
  const OH = outH(d)
  const OW = outW(d)
  const s = d.sw
  let m = at
  for (let c = 0; c < d.c; c++)
    for (let p = 0; p < d.kh; p++)
      for (let q = 0; q < d.kw; q++) {
        const [lo, hi] = inside(q, d.pw, s, d.w, OW)
        for (let n = 0; n < g; n++) {
          const plane = ((n0 + n) * d.c + c) * d.h * d.w
          for (let i = 0; i < OH; i++, m += OW) {
            const y = i * d.sh - d.ph + p
            if (y < 0 || y >= d.h) continue
            const dst = plane + y * d.w + q - d.pw
            if (s === 1) for (let j = lo; j < hi; j++) dx[dst + j]! += M[m + j]!
            else for (let j = lo; j < hi; j++) dx[dst + j * s]! += M[m + j]!
          }
        }
      }
}

/** im2col of image n of x into col [K, P]. */
export function im2col(x: Float64Array, n: number, d: ConvDims, col: Float64Array): void {
  im2colGroup(x, d, n, 1, col, 0)
}

/** col2im: adds col [K, P] into image n of dx (the adjoint of im2col). */
export function col2im(col: Float64Array, n: number, d: ConvDims, dx: Float64Array): void {
  col2imGroup(col, 0, d, n, 1, dx)
}

/** y [N, F, OH, OW] = conv2d(x [N, C, H, W], w [F, C, KH, KW]). */
export function conv2d(x: Float64Array, w: Float64Array, y: Float64Array, d: ConvDims, mm: MatmulFn, ms: MatmulScratch, cs: ConvScratch): void {
  const P = outH(d) * outW(d)
  const K = d.c * d.kh * d.kw
  const col = colBuffer(cs, K * P)
  for (let n = 0; n < d.n; n++) {
    im2col(x, n, d, col)
    mm(w, 0, false, col, 0, false, y, n * d.f * P, d.f, P, K, ms)
  }
}

/** dx [N, C, H, W] = conv2dBackpropInput(g [N, F, OH, OW], w [F, C, KH, KW]). */
export function conv2dBackpropInput(g: Float64Array, w: Float64Array, dx: Float64Array, d: ConvDims, mm: MatmulFn, ms: MatmulScratch, cs: ConvScratch): void {
  const P = outH(d) * outW(d)
  const K = d.c * d.kh * d.kw
  const col = colBuffer(cs, K * P)
  dx.fill(0, 0, d.n * d.c * d.h * d.w)
  for (let n = 0; n < d.n; n++) {
    mm(w, 0, true, g, n * d.f * P, false, col, 0, K, P, d.f, ms)
    col2im(col, n, d, dx)
  }
}

/** dw [F, C, KH, KW] = conv2dBackpropFilter(x [N, C, H, W], g [N, F, OH, OW]). */
export function conv2dBackpropFilter(x: Float64Array, g: Float64Array, dw: Float64Array, d: ConvDims, mm: MatmulFn, ms: MatmulScratch, cs: ConvScratch): void {
  const P = outH(d) * outW(d)
  const K = d.c * d.kh * d.kw
  const col = colBuffer(cs, K * P)
  if (d.n === 0) dw.fill(0, 0, d.f * K)
  for (let n = 0; n < d.n; n++) {
    im2col(x, n, d, col)
    mm(g, n * d.f * P, false, col, 0, true, dw, 0, d.f, K, P, ms, n > 0)
  }
}

/** The three convolution kernels with their matmul and scratch bound (what a runtime holds). */
export interface ConvKernels {
  conv2d(x: Float64Array, w: Float64Array, y: Float64Array, d: ConvDims): void
  conv2dBackpropInput(g: Float64Array, w: Float64Array, dx: Float64Array, d: ConvDims): void
  conv2dBackpropFilter(x: Float64Array, g: Float64Array, dw: Float64Array, d: ConvDims): void
}

export function jsConv(mm: MatmulFn, ms: MatmulScratch): ConvKernels {
  const cs = convScratch()
  return {
    conv2d: (x, w, y, d) => conv2d(x, w, y, d, mm, ms, cs),
    conv2dBackpropInput: (g, w, dx, d) => conv2dBackpropInput(g, w, dx, d, mm, ms, cs),
    conv2dBackpropFilter: (x, g, dw, d) => conv2dBackpropFilter(x, g, dw, d, mm, ms, cs),
  }
}
