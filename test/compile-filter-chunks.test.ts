/**
 * The filter gradient summed in fixed chunks of images (kernels/spatial-arena.ts, convBFChunks):
 * batches of several images per chunk and a short last chunk agree with the float64 interpreter,
 * with the column matrices kept from the forward convolution and built anew; 1 and 2 threads give
 * the same bits; a filter too large for the partial sums falls back to splitting dW's columns. And
 * a step too small to pay for a hand-over (the small MLP of `npm run bench`) stays on the calling
 * thread of a 2-thread pool.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as ops from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
import { grad } from '../src/ad/grad.js'
import { compile } from '../src/compile/index.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { filterChunks, partialElements } from '../src/compile/kernels/spatial-arena.js'
import { evaluateOrThrow } from '../src/eval/evaluate.js'
import { threadPool } from '../src/runner/threads.js'
import { alwaysSplit } from '../src/compile/splitChoice.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'

const pool = threadPool(2, { chooser: alwaysSplit })
afterAll(() => pool.close())

const values = (seed: number, shape: number[]): Tensor => R.uniform(R.key(seed), shape, -1, 1)
const bits = (ts: readonly Tensor[]) => ts.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex'))

/** A conv layer's loss ⟨relu(conv(x, w)), cot⟩ and its gradients; `withInput` also differentiates x (the filter gradient then reads kept columns either way). */
function convStep(n: number, c: number, f: number, k: number, size: number) {
  const x = ops.input('x', [n, c, size, size]), w = ops.input('w', [f, c, k, k])
  const o = size - k + 1
  const cot = ops.input('cot', [n, f, o, o])
  const loss = ops.sum(ops.mul(ops.relu(ops.conv2d(x, w)), cot))
  return {
    outs: [loss, ...grad(loss, [w, x])],
    filterOnly: [loss, ...grad(loss, [w])],
    b: { x: values(1, [n, c, size, size]), w: values(2, [f, c, k, k]), cot: values(3, [n, f, o, o]) },
  }
}

describe('filter gradients in fixed chunks of images', () => {
  for (const n of [9, 13, filterChunks * 3 + 1, 64])
    it(`${n} images (${Math.ceil(n / filterChunks)} a chunk): float64 agrees with the interpreter, 1 and 2 threads the same bits in both dtypes`, () => {
      const s = convStep(n, 3, 5, 3, 9)
      for (const outs of [s.outs, s.filterOnly]) {
        const want = outs.map((o) => evaluateOrThrow(o, s.b).data)
        const got = compile(outs, { backend: wasmBackend({ dtype: 'float64' })! }).runOrThrow(s.b)
        got.forEach((t, i) => t.data.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]![j]!)))))
        for (const dtype of ['float32', 'float64'] as const) {
          const one = compile(outs, { backend: wasmBackend({ dtype })! }).runOrThrow(s.b)
          const f = compile(outs, { backend: wasmBackend({ dtype, threads: pool, threshold: 0 })! })
          expect(untilWorkersTakePart(pool, () => f.runOrThrow(s.b), (two) => expect(bits(two)).toEqual(bits(one)))).toBeGreaterThan(0)
        }
      }
    })

  it('a filter whose chunks do not fit the partial sums splits dW by columns instead: agrees, and the same bits on 1 and 2 threads', () => {
    const s = convStep(filterChunks, 64, 64, 3, 6)
    expect(filterChunks * 64 * 64 * 9).toBeGreaterThan(partialElements)
    const want = s.filterOnly.map((o) => evaluateOrThrow(o, s.b).data)
    const got = compile(s.filterOnly, { backend: wasmBackend({ dtype: 'float64' })! }).runOrThrow(s.b)
    got.forEach((t, i) => t.data.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]![j]!)))))
    const one = compile(s.filterOnly, { backend: wasmBackend({ dtype: 'float32' })! }).runOrThrow(s.b)
    const two = compile(s.filterOnly, { backend: wasmBackend({ dtype: 'float32', threads: pool, threshold: 0 })! }).runOrThrow(s.b)
    expect(bits(two)).toEqual(bits(one))
  })

  it('a filter gradient with more lane sums than a thread\'s gemm scratch holds sums dW in blocks of columns: agrees, and the same bits on 1 and 2 threads', () => {
    // 160 filters × 576 columns: 92,160 vectors, past the float32 (41,484) and float64 (74,772) scratch
    const s = convStep(2, 64, 160, 3, 5)
    const want = s.filterOnly.map((o) => evaluateOrThrow(o, s.b).data)
    const got = compile(s.filterOnly, { backend: wasmBackend({ dtype: 'float64' })! }).runOrThrow(s.b)
    got.forEach((t, i) => t.data.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]![j]!)))))
    for (const dtype of ['float32', 'float64'] as const) {
      const one = compile(s.filterOnly, { backend: wasmBackend({ dtype })! }).runOrThrow(s.b)
      const f = compile(s.filterOnly, { backend: wasmBackend({ dtype, threads: pool, threshold: 0 })! })
      expect(untilWorkersTakePart(pool, () => f.runOrThrow(s.b), (two) => expect(bits(two)).toEqual(bits(one)))).toBeGreaterThan(0)
    }
  })
})

describe('a small step on a 2-thread pool', () => {
  it('the small MLP step (784-100-10, batch 64, SGD inside) hands no part to the worker: it runs as on one thread', async () => {
    const small = threadPool(2)
    try {
      const x = ops.input('x', ['N', 784]), y = ops.input('y', ['N'])
      const W0 = ops.param('W0', [784, 100]), b0 = ops.param('b0', [100]), W1 = ops.param('W1', [100, 10]), b1 = ops.param('b1', [10])
      const loss = ops.neg(ops.mean(ops.gatherLabel(ops.logSoftmax(ops.add(ops.matmul(ops.relu(ops.add(ops.matmul(x, W0), b0)), W1), b1)), y)))
      const ps = { W0, b0, W1, b1 }
      const gs = grad(loss, ps)
      const outs = [loss, ...Object.entries(ps).map(([k, p]) => ops.sub(p, ops.mul(0.1, gs[k as keyof typeof ps])))]
      const b = { x: values(4, [64, 784]), y: T.make([64], Array.from({ length: 64 }, (_, i) => i % 10)), W0: values(5, [784, 100]), b0: values(6, [100]), W1: values(7, [100, 10]), b1: values(8, [10]) }
      const f = compile(outs, { dtype: 'float32', threads: small })
      const one = compile(outs, { dtype: 'float32' })
      for (let s = 0; s < 20; s++) expect(bits(f.runOrThrow(b))).toEqual(bits(one.runOrThrow(b)))
      expect(small.workerParts()).toBe(0)
    } finally {
      await small.close()
    }
  })
})
