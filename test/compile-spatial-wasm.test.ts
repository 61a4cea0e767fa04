/**
 * The WebAssembly backend's convolution, max-pooling and per-channel sum kernels
 * (kernels/spatial-arena.ts, in the arena's memory; the JavaScript backend runs the same kernels
 * on a private memory, kernels/spatial-private.ts, tested against naive loops in ops-spatial): float32 and float64 against the float64 reference interpreter over random
 * geometries (odd sizes, stride > 1, padding, batches split between threads), 1 vs 2 threads
 * bit-identical, and the fallback for a convolution whose column matrix does not fit the scratch.
 */
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { apply, type Attrs, type OpDef } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { grad } from '../src/ad/grad.js'
import { compile } from '../src/compile/index.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { colElements } from '../src/compile/kernels/spatial-arena.js'
import { evaluateOrThrow } from '../src/eval/evaluate.js'
import { threadPool } from '../src/runner/threads.js'
import { float32Agrees, roundToFloat32 } from '../laws/dtype.js'

const pool = threadPool(2)
afterAll(() => pool.close())

const geometry = fc
  .record({
    n: fc.integer({ min: 1, max: 5 }), c: fc.integer({ min: 1, max: 4 }), f: fc.integer({ min: 1, max: 9 }),
    kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
    ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
    oh: fc.integer({ min: 1, max: 7 }), ow: fc.integer({ min: 1, max: 11 }),
    seed: fc.integer({ min: 1, max: 1e6 }),
  })
  .map((r) => ({ ...r, h: (r.oh - 1) * r.sh + r.kh - 2 * r.ph, w: (r.ow - 1) * r.sw + r.kw - 2 * r.pw }))
  .filter((r) => r.h >= 1 && r.w >= 1)
type G = typeof geometry extends fc.Arbitrary<infer T> ? T : never

const values = (seed: number, shape: number[]): Tensor => R.uniform(R.key(seed), shape, -1, 1)

/**
 * The three convolutions of a geometry and max pooling with its two derivatives (the same window,
 * stride, no padding), each with a cotangent so its gradients are computed too.
 */
function cases(g: G): { op: OpDef; args: Tensor[]; attrs: Attrs }[] {
  const conv = { stride: [g.sh, g.sw], pad: [g.ph, g.pw] }
  const x = values(g.seed, [g.n, g.c, g.h, g.w])
  const w = values(g.seed + 1, [g.f, g.c, g.kh, g.kw])
  const gr = values(g.seed + 2, [g.n, g.f, g.oh, g.ow])
  const pool = { window: [g.kh, g.kw], stride: [g.sh, g.sw] }
  const ph = (g.oh - 1) * g.sh + g.kh, pw = (g.ow - 1) * g.sw + g.kw
  const px = values(g.seed + 3, [g.n, g.c, ph, pw])
  return [
    { op: ops.conv2dOp, args: [x, w], attrs: conv },
    { op: ops.conv2dBackpropInputOp, args: [gr, w], attrs: { ...conv, size: [g.h, g.w] } },
    { op: ops.conv2dBackpropFilterOp, args: [x, gr], attrs: { ...conv, kernel: [g.kh, g.kw] } },
    { op: ops.maxPool2dOp, args: [px], attrs: pool },
    { op: ops.maxPool2dBackpropOp, args: [px, values(g.seed + 4, [g.n, g.c, g.oh, g.ow])], attrs: pool },
    { op: ops.maxPool2dGatherOp, args: [px, values(g.seed + 5, [g.n, g.c, ph, pw])], attrs: pool },
  ]
}

/** op(args) and the gradients of ⟨op(args), cot⟩ with respect to every argument. */
function program(op: OpDef, args: readonly Tensor[], attrs: Attrs) {
  const leaves = args.map((a, i) => ops.input(`a${i}`, a.shape))
  const node = apply(op, leaves, attrs)
  const cot = ops.input('cot', node.shape)
  const outputs = [node, ...grad(ops.sum(ops.mul(node, cot)), leaves)]
  const b = { ...Object.fromEntries(args.map((a, i) => [`a${i}`, a])), cot: values(99, node.shape as number[]) }
  return { outputs, b }
}

const same = (a: readonly Tensor[], b: readonly Tensor[]) =>
  a.every((t, i) => Buffer.compare(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), Buffer.from(b[i]!.data.buffer, b[i]!.data.byteOffset, b[i]!.data.byteLength)) === 0)

describe('convolutions and max pooling on the WebAssembly backend, in its memory', () => {
  it('float32 agrees with the float64 interpreter (the float32 law) over random geometries', () =>
    fc.assert(fc.property(geometry, (g) => {
      for (const { op, args, attrs } of cases(g)) {
        const { outputs, b } = program(op, args, attrs)
        const f = compile(outputs, { dtype: 'float32' })
        expect(f.dtype).toBe('float32')
        const m = float32Agrees(outputs, (bb) => f(bb), b)
        expect(m, `${op.name} ${JSON.stringify(g)}`).toBeUndefined()
      }
    }), { numRuns: 25 }))

  it('float64 agrees with the interpreter to 1e-12 over random geometries', () =>
    fc.assert(fc.property(geometry, (g) => {
      for (const { op, args, attrs } of cases(g)) {
        const { outputs, b } = program(op, args, attrs)
        const got = compile(outputs, { backend: wasmBackend({ dtype: 'float64' })! }).runOrThrow(b)
        outputs.forEach((o, k) => {
          const want = evaluateOrThrow(o, b).data
          want.forEach((v, i) => expect(Math.abs(got[k]!.data[i]! - v), `${op.name} output ${k}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))))
        })
      }
    }), { numRuns: 10 }))

  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: 1 and 2 threads give bit-identical results (images, filter columns and planes split)`, () =>
      fc.assert(fc.property(geometry, (g) => {
        for (const { op, args, attrs } of cases(g)) {
          const { outputs, b } = program(op, args, attrs)
          const one = compile(outputs, { backend: wasmBackend({ dtype })! }).runOrThrow(b)
          const two = compile(outputs, { backend: wasmBackend({ dtype, threads: pool, threshold: 0 })! }).runOrThrow(b)
          expect(same(one, two), `${op.name} ${JSON.stringify(g)}`).toBe(true)
        }
      }), { numRuns: 8 }))

  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: a convnet step (convolutions, pooling, a product) on 1 and 2 threads, bit-identical`, () => {
      const x = ops.input('x', ['N', 3, 10, 10])
      const w0 = ops.param('w0', [6, 3, 3, 3])
      const w1 = ops.param('w1', [6 * 4 * 4, 5])
      const h = ops.maxPool2d(ops.relu(ops.conv2d(x, w0)), { window: 2 })
      const loss = ops.sum(ops.square(ops.matmul(ops.reshape(h, ['N', 96]), w1)))
      const outs = [loss, ...grad(loss, [w0, w1])]
      const b = { x: values(1, [9, 3, 10, 10]), w0: values(2, [6, 3, 3, 3]), w1: values(3, [96, 5]) }
      const one = compile(outs, { backend: wasmBackend({ dtype })! }).runOrThrow(b)
      const two = compile(outs, { backend: wasmBackend({ dtype, threads: pool, threshold: 0 })! }).runOrThrow(b)
      expect(same(one, two)).toBe(true)
    })

  it('2×2 max pooling with stride 2 (the SIMD path): ties go to the first largest, any width (vectors and the scalar rest), exactly the interpreter', () =>
    fc.assert(fc.property(
      fc.record({ n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }), oh: fc.integer({ min: 1, max: 4 }), ow: fc.integer({ min: 1, max: 11 }), seed: fc.integer({ min: 1, max: 1e6 }) }),
      (g) => {
        const shape = [g.n, g.c, 2 * g.oh, 2 * g.ow]
        // few distinct values: many ties inside windows
        const ties = (seed: number, sh: number[]): Tensor => {
          const t = values(seed, sh)
          return { shape: t.shape, data: t.data.map((v) => Math.round(2 * v)) }
        }
        const attrs = { window: 2, stride: 2 }
        for (const [op, args] of [
          [ops.maxPool2dOp, [ties(g.seed, shape)]],
          [ops.maxPool2dBackpropOp, [ties(g.seed, shape), values(g.seed + 1, [g.n, g.c, g.oh, g.ow])]],
          [ops.maxPool2dGatherOp, [ties(g.seed, shape), values(g.seed + 2, shape)]],
        ] as const) {
          const { outputs, b } = program(op, args, attrs)
          const want = outputs.map((o) => evaluateOrThrow(o, b).data)
          for (const dtype of ['float32', 'float64'] as const) {
            const got = compile(outputs, { backend: wasmBackend({ dtype })! }).runOrThrow(b)
            // float32 sees the inputs rounded: compare it with the interpreter on those
            const ref = dtype === 'float64' ? want : outputs.map((o) => evaluateOrThrow(o, roundToFloat32(b)).data.map(Math.fround))
            got.forEach((t, k) => expect(Array.from(t.data), `${op.name} ${dtype} output ${k} ${JSON.stringify(g)}`).toEqual(Array.from(ref[k]!)))
          }
        }
      }), { numRuns: 40 }))

  it('per-channel sums and means (kept axes between reduced ones) agree with the interpreter; 1 and 2 threads bit-identical', () =>
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 3, maxLength: 4 }), fc.integer({ min: 1, max: 1e6 }), fc.boolean(),
      (dims, seed, mean) => {
        // kept: one block of axes strictly inside (a reduced axis before it and after it)
        const lo = 1, hi = dims.length - 1 - (seed % (dims.length - 2))
        const axes = dims.map((_, i) => i).filter((i) => i < lo || i >= hi)
        const x = ops.input('x', dims)
        const outs = [mean ? ops.mean(x, axes) : ops.sum(x, axes)]
        const b = { x: values(seed, dims) }
        const f = compile(outs, { dtype: 'float32' })
        expect(float32Agrees(outs, (bb) => f(bb), b)).toBeUndefined()
        const want = evaluateOrThrow(outs[0]!, b).data
        const got = compile(outs, { backend: wasmBackend({ dtype: 'float64' })! }).runOrThrow(b)[0]!.data
        want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))))
        for (const dtype of ['float32', 'float64'] as const) {
          const one = compile(outs, { backend: wasmBackend({ dtype })! }).runOrThrow(b)
          const two = compile(outs, { backend: wasmBackend({ dtype, threads: pool, threshold: 0 })! }).runOrThrow(b)
          expect(same(one, two)).toBe(true)
        }
      }), { numRuns: 30 }))

  // float32 channel sums add in their own order (float64 lanes, rounded once): test/compile-channel-sum.test.ts
  it('a float64 channel sum of 64·24·24 terms has the JavaScript kernel\'s bits; so do sums over 1–11 channels (four side by side, the rest alone), on 1 and 2 threads', () => {
    for (const dims of [[64, 8, 24, 24], [5, 7, 6, 9], [3, 11, 40], [2, 1, 300], [4, 6, 2, 2], [9, 5, 1, 1, 7]]) {
      const x = ops.input('x', dims)
      const outs = [ops.sum(x, dims.map((_, i) => i).filter((i) => i === 0 || i >= (dims.length === 5 ? 3 : 2)))]
      const b = { x: values(3, dims) }
      const f64 = compile(outs).runOrThrow(b)
      expect(same(compile(outs, { backend: wasmBackend({ dtype: 'float64' })! }).runOrThrow(b), f64)).toBe(true)
      expect(same(compile(outs, { backend: wasmBackend({ dtype: 'float64', threads: pool, threshold: 0 })! }).runOrThrow(b), f64)).toBe(true)
    }
  })

  it('the filter gradient reads the column matrices conv2d kept: the bits of building them again, also past the cache and after a batch change', () => {
    // 14,400 column elements per image: 150 images (2.16M) do not fit the cache (2^21), 40 do
    const x = ops.input('x', ['N', 1, 28, 28])
    const w = ops.input('w', [3, 1, 5, 5])
    const g = ops.input('g', ['N', 3, 24, 24])
    const attrs = { stride: [1, 1], pad: [0, 0], kernel: [5, 5] }
    const bf = apply(ops.conv2dBackpropFilterOp, [x, g], attrs)
    for (const dtype of ['float32', 'float64'] as const) {
      const paired = compile([ops.sum(ops.conv2d(x, w)), bf], { backend: wasmBackend({ dtype })! })
      const alone = compile([bf], { backend: wasmBackend({ dtype })! })
      expect(paired.source).toMatch(/conv2dBackpropFilter\(.*, 0\);/)
      expect(alone.source).toMatch(/conv2dBackpropFilter\(.*, \(-1\)\);/)
      for (const n of [40, 40, 150, 7]) {
        const b = { x: values(n, [n, 1, 28, 28]), w: values(1, [3, 1, 5, 5]), g: values(n + 1, [n, 3, 24, 24]) }
        expect(same([paired.runOrThrow(b)[1]!], alone.runOrThrow(b)), `${dtype}, batch ${n}`).toBe(true)
      }
    }
  })

  it('a convolution whose column matrix exceeds the scratch runs on the fallback kernels', () => {
    // K·P = 16·3·3 · 64·64 > colElements
    const g = { n: 2, c: 16, f: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, oh: 64, ow: 64, h: 64, w: 64, seed: 5 }
    expect(g.c * g.kh * g.kw * g.oh * g.ow).toBeGreaterThan(colElements)
    for (const { op, args, attrs } of cases(g).slice(0, 3)) {
      const { outputs, b } = program(op, args, attrs)
      const f = compile(outputs.slice(0, 1), { dtype: 'float32' })
      expect(float32Agrees(outputs.slice(0, 1), (bb) => f(bb), b), op.name).toBeUndefined()
      // the JavaScript backend's kernels on a private memory fall back the same way
      const want = evaluateOrThrow(outputs[0]!, b).data
      const got = compile(outputs.slice(0, 1)).runOrThrow(b)[0]!.data
      want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))))
    }
  })

  it('a symbolic batch: one compiled float32 convnet step at batch sizes 1, 7 and 3 (regrown memory)', () => {
    const x = ops.input('x', ['N', 2, 11, 10])
    const w0 = ops.param('w0', [5, 2, 3, 3])
    const w1 = ops.param('w1', [4, 5, 2, 2])
    const h = ops.relu(ops.conv2d(x, w0, { pad: 1, stride: [2, 1] }))
    const loss = ops.sum(ops.square(ops.conv2d(h, w1, { stride: 2 })))
    const gs = grad(loss, [w0, w1, x])
    const outs = [loss, ...gs]
    const f = compile(outs, { dtype: 'float32' })
    for (const n of [1, 7, 3]) {
      const b = { x: values(n, [n, 2, 11, 10]), w0: values(10, [5, 2, 3, 3]), w1: values(11, [4, 5, 2, 2]) }
      const r = float32Agrees(outs, (bb) => f(bb), b)
      expect(r, `batch ${n}`).toBeUndefined()
    }
    expect(E.isRight(f({ x: values(1, [2, 2, 11, 10]), w0: values(10, [5, 2, 3, 3]), w1: values(11, [4, 5, 2, 2]) }))).toBe(true)
  })
})
