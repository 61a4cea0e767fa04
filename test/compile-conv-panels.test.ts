/**
 * The column matrix packed once (kernels/im2col-panels-wasm.ts, dot-wasm.ts, gemm tB = 2), on the
 * spatial module's own exports in a fresh memory, float32 and float64: im2colPanels (any geometry)
 * and im2colPanelsWhole (no padding, stride 1, whole panels) put every element of im2col's matrix
 * where the panel layout says; the gemm reading those panels (and A packed once) in place gives
 * the bits of the gemm reading the row-major matrices; dotRows reads the row-major and the panel
 * layout, and the image itself, to the same bits, for any rows of G, rows of col and tail of p,
 * and agrees with a float64 sum.
 */
import { describe, expect, it } from 'vitest'
import { gemmShapeOf } from '../src/compile/kernels/gemm-wasm.js'
import { spatialModuleBytes } from '../src/compile/kernels/spatial-arena-wasm.js'

type Fn = (...a: number[]) => void
const MB = 1 << 20

function setup(dtype: 'float32' | 'float64') {
  const s = gemmShapeOf(dtype, false)
  const mem = new WebAssembly.Memory({ initial: 16 * 16 })
  const ex = new WebAssembly.Instance(new WebAssembly.Module(spatialModuleBytes(s, false)), { env: { mem } }).exports as Record<string, Fn>
  const E = s.lanes.bytes, NR = s.NV * s.lanes.lanes
  const view = (at: number, n: number) => (dtype === 'float32' ? new Float32Array(mem.buffer, at, n) : new Float64Array(mem.buffer, at, n))
  const bytes = (at: number, n: number) => new Uint8Array(mem.buffer, at, n * E).slice()
  return { ex, E, NR, view, bytes, mem: () => mem, fill: (at: number, n: number, f: (i: number) => number) => view(at, n).forEach((_, i, a) => (a[i] = f(i))) }
}

/** [c, h, w, kh, kw, sh, sw, ph, pw]: padded, strided, odd, and ones im2colPanelsWhole takes (OW 8, 16, 24). */
const geometries = [
  [3, 7, 9, 3, 2, 1, 1, 1, 0], [2, 11, 10, 2, 3, 2, 3, 0, 1], [1, 5, 5, 5, 5, 1, 1, 2, 2], [4, 6, 13, 3, 3, 1, 2, 1, 1],
  [1, 28, 28, 5, 5, 1, 1, 0, 0], [8, 12, 12, 5, 5, 1, 1, 0, 0], [2, 9, 19, 3, 4, 2, 1, 0, 0], [3, 8, 11, 1, 4, 1, 1, 0, 0],
] as const

const outSize = (h: number, k: number, s: number, p: number) => Math.floor((h + 2 * p - k) / s) + 1

describe('the column matrix packed once', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: im2colPanels and im2colPanelsWhole place every element of im2col where the panels say`, () => {
      const { ex, NR, view, fill } = setup(dtype)
      let whole = 0
      for (const [c, h, w, kh, kw, sh, sw, ph, pw] of geometries) {
        const oh = outSize(h, kh, sh, ph), ow = outSize(w, kw, sw, pw)
        const K = c * kh * kw, P = oh * ow, P0 = Math.ceil(P / NR) * NR
        const dims = [c, h, w, kh, kw, sh, sw, ph, pw, oh, ow]
        fill(0, c * h * w, (i) => Math.sin(i + 1))
        ex['im2col']!(0, ...dims, 0, K, MB)
        const plain = view(MB, K * P)
        const fns = ['im2colPanels', ...(ph === 0 && pw === 0 && sw === 1 && ow % NR === 0 ? ['im2colPanelsWhole'] : [])]
        for (const fn of fns) {
          fill(4 * MB, K * P0, () => NaN)
          ex[fn]!(0, ...dims, 4 * MB)
          const panels = view(4 * MB, K * P0)
          for (let r = 0; r < K; r++)
            for (let p = 0; p < P; p++) expect(panels[(Math.floor(p / NR) * K + r) * NR + (p % NR)], `${fn} row ${r} column ${p}`).toBe(plain[r * P + p])
        }
        whole += fns.length - 1
      }
      expect(whole).toBe(4)
    })

    it(`${dtype}: the gemm reads B in panels (tB = 2), and A (tA = 2), to the bits of reading them row-major`, () => {
      const { ex, NR, bytes, fill, view } = setup(dtype)
      const S = 8 * MB
      for (const [c, h, w, kh, kw, sh, sw, ph, pw] of geometries) {
        const oh = outSize(h, kh, sh, ph), ow = outSize(w, kw, sw, pw)
        const K = c * kh * kw, P = oh * ow, F = 7
        const dims = [c, h, w, kh, kw, sh, sw, ph, pw, oh, ow]
        fill(0, c * h * w, (i) => Math.cos(3 * i))
        fill(MB / 2, F * K, (i) => Math.sin(i / 3))
        ex['im2col']!(0, ...dims, 0, K, MB)
        ex['im2colPanels']!(0, ...dims, 2 * MB)
        ex['gemm']!(MB / 2, 0, MB, 0, 3 * MB, F, P, K, 0, 0, F, 0, P, S)
        ex['gemm']!(MB / 2, 0, 2 * MB, 2, 4 * MB, F, P, K, 0, 0, F, 0, P, S)
        expect(Buffer.compare(bytes(3 * MB, F * P), bytes(4 * MB, F * P)), `${dims}`).toBe(0)
        // a column range starting at a panel (as threads split it) gives the same bits
        const j0 = NR * Math.floor(P / NR / 2)
        fill(5 * MB, F * P, () => 0)
        ex['gemm']!(MB / 2, 0, 2 * MB, 2, 5 * MB, F, P, K, 0, 0, F, j0, P, S)
        ex['gemm']!(MB / 2, 0, 2 * MB, 2, 5 * MB, F, P, K, 0, 0, F, 0, j0, S)
        expect(Buffer.compare(bytes(3 * MB, F * P), bytes(5 * MB, F * P))).toBe(0)
        // A packed once by packA (tA = 2), from W and from Wᵀ: the same bits again
        for (const ta of [0, 1]) {
          if (ta === 1) for (let f = 0; f < F; f++) for (let k = 0; k < K; k++) view(7 * MB, F * K)[k * F + f] = view(MB / 2, F * K)[f * K + k]!
          ex['packA']!(ta === 0 ? MB / 2 : 7 * MB, ta, ta === 0 ? K : F, 0, F, 0, K, 6 * MB)
          ex['gemm']!(6 * MB, 2, 2 * MB, 2, 5 * MB, F, P, K, 0, 0, F, 0, P, S)
          expect(Buffer.compare(bytes(3 * MB, F * P), bytes(5 * MB, F * P)), `tA ${ta}`).toBe(0)
        }
      }
    })

    it(`${dtype}: dotRows reads row-major and panel columns to the same bits, agreeing with a float64 sum (odd F, K % 4, tails of p, several images)`, () => {
      const { ex, E, NR, view, bytes, fill, mem } = setup(dtype)
      const G = 0, COLP = MB, COLQ = 3 * MB, V = 5 * MB, DW1 = 6 * MB, DW2 = 6 * MB + MB / 2
      for (const [F, K, P, NB] of [[1, 1, 1, 1], [3, 9, 13, 2], [8, 25, 576, 1], [5, 7, 2 * NR, 3], [16, 10, 3 * NR + 1, 2]] as const) {
        const P0 = Math.ceil(P / NR) * NR
        fill(G, NB * F * P, (i) => Math.sin(0.7 * i))
        fill(COLP, NB * K * P, (i) => Math.cos(1.1 * i))
        // the same matrices in panels (past P: garbage, never read)
        fill(COLQ, NB * K * P0, () => 1e30)
        const plain = view(COLP, NB * K * P), panels = view(COLQ, NB * K * P0)
        for (let n = 0; n < NB; n++)
          for (let k = 0; k < K; k++) for (let p = 0; p < P; p++) panels[n * K * P0 + (Math.floor(p / NR) * K + k) * NR + (p % NR)] = plain[n * K * P + k * P + p]!
        const TAB = 7 * MB
        const table = (offset: (k: number) => number) => new Int32Array(mem().buffer, TAB, K).forEach((_, k, t) => (t[k] = offset(k)))
        const run = (col: number, cq: number, cs: number, out: number) => {
          ex['dotRows']!(G, P * E, F * P * E, col, TAB, cq, 0, 1, Math.floor(P / NR), cs, NB, P % NR, V, K, F, 0, K, 1)
          ex['dotSums']!(V, F, K, out, K * E)
        }
        table((k) => k * P * E)
        run(COLP, NR * E, K * P * E, DW1)
        table((k) => k * NR * E)
        run(COLQ, K * NR * E, K * P0 * E, DW2)
        expect(Buffer.compare(bytes(DW1, F * K), bytes(DW2, F * K)), `${[F, K, P, NB]}`).toBe(0)
        // images one call each (first only on the first): the same bits again
        table((k) => k * P * E)
        for (let n = 0; n < NB; n++)
          ex['dotRows']!(G + n * F * P * E, P * E, 0, COLP + n * K * P * E, TAB, NR * E, 0, 1, Math.floor(P / NR), 0, 1, P % NR, V, K, F, 0, K, n === 0 ? 1 : 0)
        ex['dotSums']!(V, F, K, DW2, K * E)
        expect(Buffer.compare(bytes(DW1, F * K), bytes(DW2, F * K))).toBe(0)
        const g = view(G, NB * F * P), got = view(DW1, F * K)
        for (let f = 0; f < F; f++)
          for (let k = 0; k < K; k++) {
            let want = 0, size = 0
            for (let n = 0; n < NB; n++) for (let p = 0; p < P; p++) (want += g[n * F * P + f * P + p]! * plain[n * K * P + k * P + p]!), (size += Math.abs(g[n * F * P + f * P + p]! * plain[n * K * P + k * P + p]!))
            expect(Math.abs(got[f * K + k]! - want)).toBeLessThanOrEqual((dtype === 'float32' ? 1e-6 : 1e-14) * (size + 1))
          }
      }
    })

    it(`${dtype}: dotRows reads a convolution's rows from the image itself (no padding, stride 1, whole panels) to the bits of reading im2col's matrix`, () => {
      const { ex, E, NR, bytes, fill, mem } = setup(dtype)
      const X = 0, G = MB, COL = 2 * MB, TAB = 7 * MB, V = 5 * MB, DW1 = 6 * MB, DW2 = 6 * MB + MB / 2
      for (const [c, h, w, kh, kw, sh] of [[1, 28, 28, 5, 5, 1], [8, 12, 12, 5, 5, 1], [2, 9, 19, 3, 4, 2], [3, 8, 11, 1, 4, 1]] as const) {
        const oh = outSize(h, kh, sh, 0), ow = w - kw + 1, F = 3
        if (ow % NR !== 0) continue
        const K = c * kh * kw, P = oh * ow
        const dims = [c, h, w, kh, kw, sh, 1, 0, 0, oh, ow]
        fill(X, c * h * w, (i) => Math.sin(2 * i + 1))
        fill(G, F * P, (i) => Math.cos(i / 5))
        ex['im2col']!(X, ...dims, 0, K, COL)
        const table = new Int32Array(mem().buffer, TAB, K)
        table.forEach((_, k, t) => (t[k] = k * P * E))
        ex['dotRows']!(G, P * E, 0, COL, TAB, NR * E, 0, 1, P / NR, 0, 1, 0, V, K, F, 0, K, 1)
        ex['dotSums']!(V, F, K, DW1, K * E)
        table.forEach((_, k, t) => (t[k] = (Math.floor(k / (kh * kw)) * h * w + Math.floor((k % (kh * kw)) / kw) * w + (k % kw)) * E))
        ex['dotRows']!(G, P * E, 0, X, TAB, NR * E, (sh * w - ow) * E, oh, ow / NR, 0, 1, 0, V, K, F, 0, K, 1)
        ex['dotSums']!(V, F, K, DW2, K * E)
        expect(Buffer.compare(bytes(DW1, F * K), bytes(DW2, F * K)), `${dims}`).toBe(0)
      }
    })
  }
})
