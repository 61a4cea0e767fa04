/**
 * col2im of a convolution of stride 1 without padding summed a row of dx at a time in registers
 * (kernels/col2im-dense-wasm.ts), on the spatial module's own exports in a fresh memory, float32
 * and float64: the bits of the JavaScript kernel's col2im (kernels/conv.ts, the same order of
 * terms) and of the module's general col2im, writing every element of dx; convBI (the product,
 * then col2im, per image) gives the bits of the module's gemm followed by the JavaScript col2im on
 * geometries that take the new path and on padded and strided ones that do not, at batch 1 and
 * more; and the convnet's 8→16 layer's input gradient has the same bits on 1 and 2 threads.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as ops from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import { apply } from '../src/core/Expr.js'
import { compile } from '../src/compile/index.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { gemmShapeOf } from '../src/compile/kernels/gemm-wasm.js'
import { maskTable } from '../src/compile/kernels/col2im-dense-wasm.js'
import { spatialModuleBytes } from '../src/compile/kernels/spatial-arena-wasm.js'
import { col2im, type ConvDims } from '../src/compile/kernels/conv.js'
import { evaluateOrThrow } from '../src/eval/evaluate.js'
import { threadPool } from '../src/runner/threads.js'
import { alwaysSplit } from '../src/compile/splitChoice.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'

type Fn = (...a: number[]) => void
const MB = 1 << 20
const pool = threadPool(2, { chooser: alwaysSplit })
afterAll(() => pool.close())

function setup(dtype: 'float32' | 'float64') {
  const s = gemmShapeOf(dtype, false)
  const mem = new WebAssembly.Memory({ initial: 16 * 16 })
  const ex = new WebAssembly.Instance(new WebAssembly.Module(spatialModuleBytes(s, false)), { env: { mem } }).exports as Record<string, Fn>
  const E = s.lanes.bytes
  const view = (at: number, n: number) => (dtype === 'float32' ? new Float32Array(mem.buffer, at, n) : new Float64Array(mem.buffer, at, n))
  const fill = (at: number, n: number, f: (i: number) => number) => view(at, n).forEach((_, i, a) => (a[i] = f(i)))
  return { s, ex, E, view, fill }
}

/** [c, oh, ow, kh, kw]: the convnet's 8→16 layer, odd widths, narrower than a vector, a kernel wider than the output, one channel. */
const dense = [
  [8, 8, 8, 5, 5], [1, 24, 24, 5, 5], [3, 5, 7, 3, 3], [2, 4, 9, 2, 4], [1, 1, 1, 1, 1], [2, 3, 2, 4, 6],
  [4, 6, 13, 1, 3], [1, 2, 3, 3, 1], [3, 7, 30, 2, 5], [2, 5, 1, 3, 9], [1, 9, 40, 4, 3],
] as const

const dimsOf = (d: ConvDims, oh: number, ow: number) => [d.c, d.h, d.w, d.kh, d.kw, d.sh, d.sw, d.ph, d.pw, oh, ow]
/** A float array of the dtype, seen as the JavaScript kernels' Float64Array (float32 sums round at each store). */
const floats = (dtype: 'float32' | 'float64', n: number) => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)) as unknown as Float64Array
const bytesOf = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex')

describe('col2im summed a row at a time (stride 1, no padding)', () => {
  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: col2imDense writes every element of dx with the bits of the JavaScript col2im and of the module's general col2im`, () => {
      const { s, ex, E, view, fill } = setup(dtype)
      for (const [c, oh, ow, kh, kw] of dense) {
        const d: ConvDims = { n: 1, c, h: oh + kh - 1, w: ow + kw - 1, f: 1, kh, kw, sh: 1, sw: 1, ph: 0, pw: 0 }
        const K = c * kh * kw, P = oh * ow, X = c * d.h * d.w
        const label = JSON.stringify(d)
        expect((d.w + d.kw) * 16, label).toBeLessThanOrEqual(maskTable(s).room)
        // col past its end and dx hold NaN: neither may leak into dx
        fill(MB, K * P + 64, (i) => (i < K * P ? Math.sin(i + 1) * 2 ** ((i % 7) - 3) : NaN))
        const col = floats(dtype, K * P)
        col.set(view(MB, K * P))
        const want = floats(dtype, X)
        col2im(col, 0, d, want)
        fill(4 * MB, X, () => NaN)
        ex['col2imDense']!(MB, ...dimsOf(d, oh, ow), 4 * MB, 8 * MB)
        expect(bytesOf(view(4 * MB, X)), label).toBe(bytesOf(want))
        fill(4 * MB, X, () => 0)
        ex['col2im']!(MB, ...dimsOf(d, oh, ow), 4 * MB)
        expect(bytesOf(view(4 * MB, X)), label).toBe(bytesOf(want))
        expect(E * X).toBeLessThan(MB)
      }
    })

  /** [n, c, f, oh, ow, kh, kw, sh, sw, ph, pw]: dense ones (batch 1 and more), then padded and strided ones col2im serves. */
  const layers = [
    [3, 8, 16, 8, 8, 5, 5, 1, 1, 0, 0], [1, 2, 3, 5, 7, 3, 3, 1, 1, 0, 0], [2, 3, 5, 5, 2, 2, 4, 1, 1, 0, 0], [1, 1, 2, 1, 1, 4, 3, 1, 1, 0, 0],
    [2, 2, 3, 7, 9, 3, 3, 1, 1, 1, 1], [1, 3, 4, 4, 5, 3, 2, 2, 3, 0, 1], [2, 2, 2, 6, 3, 3, 3, 1, 2, 0, 0], [1, 1, 3, 3, 6, 2, 2, 2, 1, 1, 0],
    [2, 2, 3, 3, 4, 2, 3, 3, 1, 0, 0], [1, 2, 2, 4, 3, 3, 2, 1, 3, 0, 0], [1, 1, 1, 2, 1, 1, 1, 3, 1, 0, 0],
  ] as const
  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: convBI gives the bits of the module's gemm then the JavaScript col2im, on geometries that take the new path and that do not`, () => {
      const { s, ex, E, view, fill } = setup(dtype)
      for (const [n, c, f, oh, ow, kh, kw, sh, sw, ph, pw] of layers) {
        const h = (oh - 1) * sh + kh - 2 * ph, w = (ow - 1) * sw + kw - 2 * pw
        const d: ConvDims = { n, c, h, w, f, kh, kw, sh, sw, ph, pw }
        const K = c * kh * kw, P = oh * ow, X = c * h * w
        const [G, W, DX, COL, S] = [0, MB, 2 * MB, 3 * MB, 4 * MB]
        fill(G, n * f * P, (i) => Math.cos(3 * i + 1))
        fill(W, f * K, (i) => Math.sin(5 * i + 2))
        fill(DX, n * X, () => NaN)
        const T = S + maskTable(s).offset, lanes = 16 / E, VW = Math.floor(w / lanes), NT = (VW - 1) * lanes + kw
        new Uint8Array(view(T, 1).buffer, T, 16 * (w + kw)).fill(0x7f)
        ex['convBI']!(G, W, DX, 0, n, f, ...dimsOf(d, oh, ow), COL, 0, S)
        const got = bytesOf(view(DX, n * X))
        // the new path leaves its masks in the gemm scratch: entry e for d = e − (KW − 1), lane l set when 0 ≤ d + l < OW
        const inside = (i: number) => {
          const at = Math.floor(i / 4) - kw + 1 + (lanes === 4 ? i % 4 : (i % 4) >> 1)
          return at >= 0 && at < ow ? -1 : 0
        }
        const table = Array.from(new Int32Array(view(T, 1).buffer, T, Math.max(0, NT) * 4))
        if (VW > 0) expect(table.every((v, i) => v === inside(i)), `new path taken ${JSON.stringify(d)}`).toBe(sh === 1 && sw === 1 && ph === 0 && pw === 0)
        const want = floats(dtype, n * X)
        for (let k = 0; k < n; k++) {
          ex['gemm']!(W, 1, G + k * f * P * E, 0, COL, K, P, f, 0, 0, K, 0, P, S)
          const col = floats(dtype, K * P)
          col.set(view(COL, K * P))
          col2im(col, k, d, want)
        }
        expect(got, JSON.stringify(d)).toBe(bytesOf(want))
      }
    })

  it("the convnet's 8→16 layer: the input gradient agrees with the interpreter (float64) and has the same bits on 1 and 2 threads", () => {
    const [n, c, f] = [6, 8, 16]
    const g = ops.input('g', [n, f, 8, 8]), w = ops.input('w', [f, c, 5, 5])
    const outs = [apply(ops.conv2dBackpropInputOp, [g, w], { stride: [1, 1], pad: [0, 0], size: [12, 12] })]
    const values = (seed: number, shape: number[]): Tensor => R.uniform(R.key(seed), shape, -1, 1)
    const b = { g: values(1, [n, f, 8, 8]), w: values(2, [f, c, 5, 5]) }
    const want = evaluateOrThrow(outs[0]!, b).data
    const got = compile(outs, { backend: wasmBackend({ dtype: 'float64' })! }).runOrThrow(b)[0]!.data
    want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))))
    for (const dtype of ['float32', 'float64'] as const) {
      const one = compile(outs, { backend: wasmBackend({ dtype })! }).runOrThrow(b)[0]!
      const two = compile(outs, { backend: wasmBackend({ dtype, threads: pool, threshold: 0 })! })
      expect(untilWorkersTakePart(pool, () => two.runOrThrow(b)[0]!, (t) => expect(bytesOf(t.data)).toBe(bytesOf(one.data)))).toBeGreaterThan(0)
    }
  })
})
