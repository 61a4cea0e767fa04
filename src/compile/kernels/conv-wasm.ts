/**
 * The convolution kernels of conv.ts on the WebAssembly SIMD gemm (gemm-run.ts, float64): the
 * column matrix is written straight into the module's memory, many images side by side, so one
 * product covers a whole group of images and the gemm packs its operands in WebAssembly.
 *
 *   col [K, G·P]: column n·P + i·OW + j of image n (K = C·KH·KW, P = OH·OW, G images per group)
 *   conv2d:               Y [F, G·P] = W [F, K] · col,            rows copied out to y[n, f]
 *   conv2dBackpropInput:  dcol [K, G·P] = Wᵀ · Γ [F, G·P],        col2im'd into dx (Γ: g regrouped)
 *   conv2dBackpropFilter: dW [F, K] += Γ [F, G·P] · colᵀ
 *
 * Groups are sized so the column matrix stays under COL_BUDGET doubles (evaluating 10,000 images
 * does not need a gigabyte). The memory grows on demand and is reused: no allocation per call
 * once warm. Results agree with conv.ts to rounding (the sums run in another order).
 */
import { gemmModule, gemmRunner, gemmScratch, type GemmRunner } from './gemm-run.js'
import { col2imGroup, im2colGroup, outH, outW, type ConvDims, type ConvKernels } from './conv.js'

const COL_BUDGET = 1 << 21

/** Γ [F, g·P] into M at `at` from g [N, F, P] (images n0..). */
function regroup(gr: Float64Array, d: ConvDims, n0: number, g: number, P: number, M: Float64Array, at: number): void {
  for (let f = 0; f < d.f; f++)
    for (let n = 0; n < g; n++) {
      const src = ((n0 + n) * d.f + f) * P
      const dst = at + (f * g + n) * P
      for (let i = 0; i < P; i++) M[dst + i] = gr[src + i]!
    }
}


/** The kernels on their own WebAssembly memory, or undefined where WebAssembly SIMD is missing. */
export function wasmConv(): ConvKernels | undefined {
  if (gemmModule('float64', false) === null) return undefined
  const memory = new WebAssembly.Memory({ initial: Math.ceil(gemmScratch / 65536) + 1 })
  let gemm: GemmRunner
  try {
    gemm = gemmRunner({ dtype: 'float64', memory, scratch: 0 })
  } catch {
    return undefined
  }
  const base = Math.ceil(gemmScratch / 8) + 8 // first double after the gemm scratch
  let F = new Float64Array(memory.buffer)
  /** Offsets (in doubles) of the three operands: a [na], b [nb], c [nc]. */
  const layout = (na: number, nb: number, nc: number): [number, number, number] => {
    const a = base
    const b = a + na + 8
    const c = b + nb + 8
    const bytes = (c + nc + 8) * 8
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536))
    if (F.buffer !== memory.buffer) F = new Float64Array(memory.buffer)
    return [a, b, c]
  }
  const group = (d: ConvDims, P: number) => Math.max(1, Math.min(d.n, Math.floor(COL_BUDGET / (d.c * d.kh * d.kw * P))))

  return {
    conv2d(x, w, y, d) {
      const P = outH(d) * outW(d)
      const K = d.c * d.kh * d.kw
      const G = group(d, P)
      const [a, b, c] = layout(d.f * K, K * G * P, d.f * G * P)
      const M = F
      M.set(w.subarray(0, d.f * K), a)
      for (let n0 = 0; n0 < d.n; n0 += G) {
        const g = Math.min(G, d.n - n0)
        im2colGroup(x, d, n0, g, M, b)
        gemm.run(a * 8, false, b * 8, false, c * 8, d.f, g * P, K, false)
        for (let n = 0; n < g; n++)
          for (let f = 0; f < d.f; f++) {
            const src = c + (f * g + n) * P
            const dst = ((n0 + n) * d.f + f) * P
            for (let i = 0; i < P; i++) y[dst + i] = M[src + i]!
          }
      }
    },
    conv2dBackpropInput(gr, w, dx, d) {
      const P = outH(d) * outW(d)
      const K = d.c * d.kh * d.kw
      const G = group(d, P)
      const [a, b, c] = layout(d.f * K, d.f * G * P, K * G * P)
      const M = F
      M.set(w.subarray(0, d.f * K), a)
      dx.fill(0, 0, d.n * d.c * d.h * d.w)
      for (let n0 = 0; n0 < d.n; n0 += G) {
        const g = Math.min(G, d.n - n0)
        regroup(gr, d, n0, g, P, M, b)
        gemm.run(a * 8, true, b * 8, false, c * 8, K, g * P, d.f, false)
        col2imGroup(M, c, d, n0, g, dx)
      }
    },
    conv2dBackpropFilter(x, gr, dw, d) {
      const P = outH(d) * outW(d)
      const K = d.c * d.kh * d.kw
      const G = group(d, P)
      const [a, b, c] = layout(d.f * G * P, K * G * P, d.f * K)
      const M = F
      M.fill(0, c, c + d.f * K)
      for (let n0 = 0; n0 < d.n; n0 += G) {
        const g = Math.min(G, d.n - n0)
        regroup(gr, d, n0, g, P, M, a)
        im2colGroup(x, d, n0, g, M, b)
        gemm.run(a * 8, false, b * 8, true, c * 8, d.f, K, g * P, true)
      }
      for (let i = 0; i < d.f * K; i++) dw[i] = M[c + i]!
    },
  }
}
