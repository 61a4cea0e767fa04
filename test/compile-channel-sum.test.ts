/**
 * Per-channel sums on the WebAssembly backend (kernels/sum-arena-wasm.ts: x viewed as [A, M, B],
 * out[m] = Σ_a Σ_b x[a, m, b], a convolution's bias gradient). float32 adds each channel in
 * float64 lanes in its own order and rounds once: against the float64 sum of the same (rounded)
 * inputs over odd, tiny and convnet shapes (M not a multiple of 4, B not a multiple of the 16-term
 * groups or of the lanes), within one float32 rounding and the float32 law; 1 and 2 threads give
 * the same bits (with the worker taking part); NaN and ±∞ as the sum's; float64 keeps the
 * JavaScript kernel's bits. Sums of everything and row sums run as [1, M, B].
 */
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { compile } from '../src/compile/index.js'
import { jsFloat32Backend, wasmBackend } from '../src/compile/backend-wasm.js'
import { threadPool } from '../src/runner/threads.js'
import { float32Agrees } from '../laws/dtype.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'

const pool = threadPool(2)
afterAll(() => pool.close())

const bits = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)
const same = (a: Tensor, b: Tensor) => Buffer.compare(bits(a), bits(b)) === 0

/** The per-channel sum (or mean) of x: [A, M, B] over its first and last axes. */
function channelSum(A: number, M: number, B: number, mean = false) {
  const x = ops.input('x', [A, M, B])
  return mean ? ops.mean(x, [0, 2]) : ops.sum(x, [0, 2])
}

/** Each channel's float64 sum of the float32-rounded terms, and the sum of their magnitudes. */
function reference(x: Tensor, A: number, M: number, B: number): { sum: number[]; abs: number[] } {
  const sum = new Array<number>(M).fill(0), abs = new Array<number>(M).fill(0)
  for (let a = 0; a < A; a++)
    for (let m = 0; m < M; m++)
      for (let b = 0; b < B; b++) {
        const v = Math.fround(x.data[(a * M + m) * B + b]!)
        sum[m]! += v
        abs[m]! += Math.abs(v)
      }
  return { sum, abs }
}

/** Within one float32 rounding of the float64 sum (a mean: two, the division's too), plus the float64 sums' own error in both orders. */
function expectRoundedOnce(got: Tensor, x: Tensor, A: number, M: number, B: number, mean: boolean): void {
  const { sum, abs } = reference(x, A, M, B)
  const n = mean ? A * B : 1
  sum.forEach((s, m) => {
    const bound = (mean ? 2 : 1) * 2 ** -24 * Math.abs(s / n) + (2 * A * B * 2 ** -53 * abs[m]!) / n
    expect(Math.abs(got.data[m]! - s / n), `[${A}, ${M}, ${B}] channel ${m}: ${got.data[m]} vs ${s / n}`).toBeLessThanOrEqual(bound * (1 + 2 ** -22))
  })
}

const f32 = wasmBackend({ dtype: 'float32' })!
const f32Two = wasmBackend({ dtype: 'float32', threads: pool, threshold: 0 })!

describe('per-channel sums on the WebAssembly backend', () => {
  it('float32: each channel within one rounding of the float64 sum, and within the float32 law, over convnet, odd and tiny shapes', () => {
    // [A, M, B]: the convnet's two bias gradients; B of 16-term groups only, of 4-term groups, of single terms; M below and above 4
    const shapes = [[64, 8, 576], [64, 16, 64], [1, 1, 1], [7, 3, 1], [3, 5, 13], [2, 6, 33], [5, 7, 17], [1, 9, 2], [4, 1, 31], [3, 11, 40], [2, 1, 300], [9, 5, 7], [1, 2, 16], [6, 4, 20], [3, 70, 17], [2, 130, 20], [5, 200, 3]]
    for (const [A, M, B] of shapes as [number, number, number][])
      for (const mean of [false, true]) {
        const outs = [channelSum(A, M, B, mean)]
        const x = R.uniform(R.key(A * 1000 + M * 10 + B), [A, M, B], -1, 1)
        const got = compile(outs, { backend: f32 }).runOrThrow({ x })[0]!
        expectRoundedOnce(got, x, A, M, B, mean)
        expect(float32Agrees(outs, (b) => compile(outs, { backend: f32 })(b), { x })).toBeUndefined()
      }
  })

  it('float32 over random [A, M, B]: within one rounding of the float64 sum; 1 and 2 threads bit-identical', () =>
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 140 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 1e6 }), fc.boolean(),
      (A, M, B, seed, mean) => {
        const outs = [channelSum(A, M, B, mean)]
        // terms of mixed magnitudes, so the order of the adds matters to the float32 sums
        const x = R.uniform(R.key(seed), [A, M, B], -1, 1)
        x.data.forEach((v, i) => (x.data[i] = v * 10 ** ((i * 7) % 5)))
        const one = compile(outs, { backend: f32 }).runOrThrow({ x })[0]!
        expectRoundedOnce(one, x, A, M, B, mean)
        expect(same(compile(outs, { backend: f32Two }).runOrThrow({ x })[0]!, one)).toBe(true)
      }), { numRuns: 60 }))

  it('float32: a channel\'s sum does not depend on the channels beside it (its order is fixed by A and B alone)', () => {
    for (const [A, M, B] of [[3, 150, 37], [4, 9, 5], [2, 66, 16]] as [number, number, number][]) {
      const x = R.uniform(R.key(M + B), [A, M, B], -1, 1)
      const all = compile([channelSum(A, M, B)], { backend: f32 }).runOrThrow({ x })[0]!
      const alone = compile([channelSum(A, 1, B)], { backend: f32 })
      for (const m of [0, 1, M - 2, M - 1, Math.min(64, M - 1)]) {
        const data = Float64Array.from({ length: A * B }, (_, i) => x.data[(Math.floor(i / B) * M + m) * B + (i % B)]!)
        const one = alone.runOrThrow({ x: { shape: [A, 1, B], data } })[0]!
        expect(Object.is(one.data[0], all.data[m]), `[${A}, ${M}, ${B}] channel ${m}`).toBe(true)
      }
    }
  })

  it('float32: a bias gradient of 64·8·24·24 terms split over 2 threads (the worker taking part) has the bits of 1 thread', () => {
    const x = ops.input('x', [64, 8, 24, 24])
    const outs = [ops.sum(x, [0, 2, 3])]
    const b = { x: R.uniform(R.key(9), [64, 8, 24, 24], -1, 1) }
    const want = compile(outs, { backend: f32 }).runOrThrow(b)[0]!
    const two = compile(outs, { backend: f32Two })
    const parts = untilWorkersTakePart(pool, () => two.runOrThrow(b)[0]!, (got) => expect(same(got, want)).toBe(true))
    expect(parts).toBeGreaterThan(0)
  })

  it('float32: NaN and ±∞ as the sum gives them, −0 terms sum to +0, and partial sums past the float32 range do not overflow (rounded once)', () => {
    const run = (A: number, M: number, B: number, data: number[]) =>
      Array.from(compile([channelSum(A, M, B)], { backend: f32 }).runOrThrow({ x: { shape: [A, M, B], data: Float64Array.from(data) } })[0]!.data)
    // channels: a NaN, +∞, +∞ and −∞, −∞, and −0s, each among finite terms in a 4-term group and a single term
    const A = 2, M = 5, B = 5
    const x = new Array<number>(A * M * B).fill(0.5)
    const at = (a: number, m: number, b: number, v: number) => (x[(a * M + m) * B + b] = v)
    at(1, 0, 2, NaN)
    at(0, 1, 4, Infinity)
    at(0, 2, 1, Infinity), at(1, 2, 4, -Infinity)
    at(1, 3, 0, -Infinity)
    for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) at(a, 4, b, -0)
    const got = run(A, M, B, x)
    expect(got[0]).toBeNaN()
    expect(got[1]).toBe(Infinity)
    expect(got[2]).toBeNaN()
    expect(got[3]).toBe(-Infinity)
    expect(Object.is(got[4], 0)).toBe(true)
    // 3e38 + 3e38 − 3e38 over three rows: float64 keeps 6e38 (past float32's 3.4e38) until the last row
    const big = [3e38, 3e38, -3e38]
    expect(run(3, 1, 1, big)).toEqual([Math.fround(3e38)])
    // the JavaScript kernel rounds the partial sum to float32 after each row: +∞
    expect(Array.from(compile([channelSum(3, 1, 1)], { backend: jsFloat32Backend }).runOrThrow({ x: { shape: [3, 1, 1], data: Float64Array.from(big) } })[0]!.data)).toEqual([Infinity])
  })

  it('sums of everything and row sums (kept axes first) take the same kernel: float32 each sum within one rounding of its float64 sum, with the bits of [1, M, B]; float64 the JavaScript kernel\'s bits', () => {
    const f64 = wasmBackend({ dtype: 'float64' })!
    // [rows, columns]: an optimizer's Σu² over a filter bank or a dense layer, a softmax's row sums, tiny and odd sizes
    for (const [M, B] of [[1, 200], [1, 3200], [1, 2560], [1, 10], [1, 2], [64, 10], [3, 33], [17, 16], [5, 4]] as [number, number][]) {
      const x = ops.input('x', [M, B])
      const xs = R.uniform(R.key(M * 100 + B), [M, B], -1, 1)
      xs.data.forEach((v, i) => (xs.data[i] = v * 10 ** ((i * 7) % 5)))
      const as3 = { x: { shape: [1, M, B], data: xs.data } }
      const outs = M === 1 ? [ops.sum(x)] : [ops.sum(x, [1])]
      const got = compile(outs, { backend: f32 }).runOrThrow({ x: xs })[0]!
      expectRoundedOnce(got, { shape: [1, M, B], data: xs.data }, 1, M, B, false)
      expect(same(got, compile([channelSum(1, M, B)], { backend: f32 }).runOrThrow(as3)[0]!), `[${M}, ${B}]`).toBe(true)
      expect(same(compile(outs, { backend: f32Two }).runOrThrow({ x: xs })[0]!, got)).toBe(true)
      expect(same(compile(outs, { backend: f64 }).runOrThrow({ x: xs })[0]!, compile(outs).runOrThrow({ x: xs })[0]!)).toBe(true)
    }
  })

  it('float64: the JavaScript kernel\'s bits over the same shapes, on 1 and 2 threads', () => {
    const two = wasmBackend({ dtype: 'float64', threads: pool, threshold: 0 })!
    for (const [A, M, B] of [[64, 8, 576], [1, 1, 1], [7, 3, 1], [3, 5, 13], [2, 6, 33], [5, 7, 17], [4, 1, 31], [9, 5, 7]] as [number, number, number][]) {
      const outs = [channelSum(A, M, B)]
      const x = R.uniform(R.key(A + M + B), [A, M, B], -1, 1)
      const js = compile(outs).runOrThrow({ x })[0]!
      expect(same(compile(outs, { backend: wasmBackend({ dtype: 'float64' })! }).runOrThrow({ x })[0]!, js)).toBe(true)
      expect(same(compile(outs, { backend: two }).runOrThrow({ x })[0]!, js)).toBe(true)
    }
  })
})
