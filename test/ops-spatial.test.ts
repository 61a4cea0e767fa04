/**
 * The spatial ops (conv2d and its two gradients, max and average pooling and theirs, pad) over
 * random shapes, strides and paddings drawn by fast-check:
 * - the reference interpreter and the compiled kernels (im2col + matmul, pooling loops) equal a
 *   naive loop implementation written here, independently of src/;
 * - vjp vs central differences, second derivatives and compiled = interpreted (the op laws) hold
 *   at every drawn geometry;
 * - shapes that do not fit fail when the node is built, naming the input shape and the formula.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { apply, type Attrs, type OpDef } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { compile } from '../src/compile/index.js'
import { makeJsBackend } from '../src/compile/backend-js.js'
import { evaluateOrThrow } from '../src/eval/evaluate.js'
import { checkOpLaws } from '../laws/index.js'
import { grad } from '../src/ad/grad.js'

// ── naive loops (indices spelled out, zero padding by an explicit padded copy) ──

type G = { n: number; c: number; f: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; oh: number; ow: number }
const at4 = (d: readonly number[], a: number, b: number, c: number, e: number) => ((a * d[1]! + b) * d[2]! + c) * d[3]! + e

function padded(x: Float64Array, g: G): { data: Float64Array; dims: number[] } {
  const H = g.h + 2 * g.ph
  const W = g.w + 2 * g.pw
  const data = new Float64Array(g.n * g.c * H * W)
  for (let n = 0; n < g.n; n++)
    for (let c = 0; c < g.c; c++)
      for (let y = 0; y < g.h; y++)
        for (let x = 0; x < g.w; x++) data[at4([g.n, g.c, H, W], n, c, y + g.ph, x + g.pw)] = x_(x, y, n, c)
  return { data, dims: [g.n, g.c, H, W] }
  function x_(xx: number, y: number, n: number, c: number) {
    return x[at4([g.n, g.c, g.h, g.w], n, c, y, xx)]!
  }
}

function naiveConv(x: Float64Array, w: Float64Array, g: G): Float64Array {
  const p = padded(x, g)
  const out = new Float64Array(g.n * g.f * g.oh * g.ow)
  for (let n = 0; n < g.n; n++)
    for (let f = 0; f < g.f; f++)
      for (let i = 0; i < g.oh; i++)
        for (let j = 0; j < g.ow; j++) {
          let s = 0
          for (let c = 0; c < g.c; c++)
            for (let a = 0; a < g.kh; a++)
              for (let b = 0; b < g.kw; b++) s += p.data[at4(p.dims, n, c, i * g.sh + a, j * g.sw + b)]! * w[at4([g.f, g.c, g.kh, g.kw], f, c, a, b)]!
          out[at4([g.n, g.f, g.oh, g.ow], n, f, i, j)] = s
        }
  return out
}

/** dx[n,c,y,x] = Σ_{f,i,j} g[n,f,i,j]·w[f,c,y+ph−i·sh, x+pw−j·sw] over taps inside the kernel. */
function naiveBackpropInput(gr: Float64Array, w: Float64Array, g: G): Float64Array {
  const out = new Float64Array(g.n * g.c * g.h * g.w)
  for (let n = 0; n < g.n; n++)
    for (let c = 0; c < g.c; c++)
      for (let y = 0; y < g.h; y++)
        for (let x = 0; x < g.w; x++) {
          let s = 0
          for (let f = 0; f < g.f; f++)
            for (let i = 0; i < g.oh; i++)
              for (let j = 0; j < g.ow; j++) {
                const a = y + g.ph - i * g.sh
                const b = x + g.pw - j * g.sw
                if (a >= 0 && a < g.kh && b >= 0 && b < g.kw) s += gr[at4([g.n, g.f, g.oh, g.ow], n, f, i, j)]! * w[at4([g.f, g.c, g.kh, g.kw], f, c, a, b)]!
              }
          out[at4([g.n, g.c, g.h, g.w], n, c, y, x)] = s
        }
  return out
}

function naiveBackpropFilter(x: Float64Array, gr: Float64Array, g: G): Float64Array {
  const p = padded(x, g)
  const out = new Float64Array(g.f * g.c * g.kh * g.kw)
  for (let f = 0; f < g.f; f++)
    for (let c = 0; c < g.c; c++)
      for (let a = 0; a < g.kh; a++)
        for (let b = 0; b < g.kw; b++) {
          let s = 0
          for (let n = 0; n < g.n; n++)
            for (let i = 0; i < g.oh; i++)
              for (let j = 0; j < g.ow; j++) s += p.data[at4(p.dims, n, c, i * g.sh + a, j * g.sw + b)]! * gr[at4([g.n, g.f, g.oh, g.ow], n, f, i, j)]!
          out[at4([g.f, g.c, g.kh, g.kw], f, c, a, b)] = s
        }
  return out
}

/** Per window: its input offsets, in row-major order. */
function windows(g: G): number[][] {
  const out: number[][] = []
  for (let n = 0; n < g.n; n++)
    for (let c = 0; c < g.c; c++)
      for (let i = 0; i < g.oh; i++)
        for (let j = 0; j < g.ow; j++) {
          const k: number[] = []
          for (let a = 0; a < g.kh; a++) for (let b = 0; b < g.kw; b++) k.push(at4([g.n, g.c, g.h, g.w], n, c, i * g.sh + a, j * g.sw + b))
          out.push(k)
        }
  return out
}
const firstMax = (x: Float64Array, k: number[]) => k[k.map((o) => x[o]!).indexOf(Math.max(...k.map((o) => x[o]!)))]!

// ── drawing geometries ──

const geometry = (conv: boolean) =>
  fc
    .record({
      n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), f: fc.integer({ min: 1, max: 3 }),
      kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
      sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
      ph: fc.integer({ min: 0, max: conv ? 2 : 0 }), pw: fc.integer({ min: 0, max: conv ? 2 : 0 }),
      oh: fc.integer({ min: 1, max: 3 }), ow: fc.integer({ min: 1, max: 3 }),
      seed: fc.integer({ min: 1, max: 1e6 }),
    })
    .map((r) => ({ ...r, h: (r.oh - 1) * r.sh + r.kh - 2 * r.ph, w: (r.ow - 1) * r.sw + r.kw - 2 * r.pw }))
    .filter((r) => r.h >= 1 && r.w >= 1)

const values = (seed: number, shape: number[]): Tensor => R.uniform(R.key(seed), shape)

/**
 * Interpreter and compiled values of op(args) equal `expected`; compiled gradients (a random
 * cotangent) equal the interpreter's; vjp and second derivatives agree with central differences.
 */
function agrees(op: OpDef, args: readonly Tensor[], attrs: Attrs, expected: Float64Array): void {
  const leaves = args.map((a, i) => ops.input(`a${i}`, a.shape))
  const node = apply(op, leaves, attrs)
  const cot = ops.input('cot', node.shape)
  const outputs = [node, ...grad(ops.sum(ops.mul(node, cot)), leaves)]
  const b = { ...Object.fromEntries(args.map((a, i) => [`a${i}`, a])), cot: values(7, node.shape as number[]) }
  const interp = outputs.map((o) => evaluateOrThrow(o, b).data)
  const comp = compile(outputs).runOrThrow(b).map((t) => t.data)
  expect(interp[0]!.length).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) {
    expect(interp[0]![i]).toBeCloseTo(expected[i]!, 12)
    expect(comp[0]![i]).toBeCloseTo(expected[i]!, 12)
  }
  for (let k = 1; k < outputs.length; k++) for (let i = 0; i < interp[k]!.length; i++) expect(comp[k]![i]).toBeCloseTo(interp[k]![i]!, 12)
  const law = { ...op.law, cases: [{ shapes: args.map((a) => a.shape), attrs }] }
  for (const r of checkOpLaws({ ...op, law }, { numRuns: 2, laws: ['vjp', 'secondOrder'] })) expect(r.ok, `${r.name}: ${r.message}`).toBe(true)
}

const convAttrs = (g: G) => ({ stride: [g.sh, g.sw], pad: [g.ph, g.pw] })
const poolAttrs = (g: G) => ({ window: [g.kh, g.kw], stride: [g.sh, g.sw] })
const props = { numRuns: 12 }

describe('conv2d and its gradients over random geometries', () => {
  it('conv2d = naive loops; laws hold', () =>
    fc.assert(fc.property(geometry(true), (g) => {
      const x = values(g.seed, [g.n, g.c, g.h, g.w])
      const w = values(g.seed + 1, [g.f, g.c, g.kh, g.kw])
      agrees(ops.conv2dOp, [x, w], convAttrs(g), naiveConv(x.data, w.data, g))
    }), props))
  it('conv2dBackpropInput = naive loops; laws hold', () =>
    fc.assert(fc.property(geometry(true), (g) => {
      const gr = values(g.seed, [g.n, g.f, g.oh, g.ow])
      const w = values(g.seed + 1, [g.f, g.c, g.kh, g.kw])
      agrees(ops.conv2dBackpropInputOp, [gr, w], { ...convAttrs(g), size: [g.h, g.w] }, naiveBackpropInput(gr.data, w.data, g))
    }), props))
  it('conv2dBackpropFilter = naive loops; laws hold', () =>
    fc.assert(fc.property(geometry(true), (g) => {
      const x = values(g.seed, [g.n, g.c, g.h, g.w])
      const gr = values(g.seed + 1, [g.n, g.f, g.oh, g.ow])
      agrees(ops.conv2dBackpropFilterOp, [x, gr], { ...convAttrs(g), kernel: [g.kh, g.kw] }, naiveBackpropFilter(x.data, gr.data, g))
    }), props))
})

describe('pooling over random geometries', () => {
  const mean = (x: Float64Array, k: number[]) => k.reduce((s, o) => s + x[o]!, 0) / k.length
  it('maxPool2d, its backprop and gather = naive loops; laws hold', () =>
    fc.assert(fc.property(geometry(false), (g) => {
      const x = values(g.seed, [g.n, g.c, g.h, g.w])
      const c = values(g.seed + 1, [g.n, g.c, g.h, g.w])
      const gr = values(g.seed + 2, [g.n, g.c, g.oh, g.ow])
      const ws = windows(g)
      agrees(ops.maxPool2dOp, [x], poolAttrs(g), Float64Array.from(ws, (k) => Math.max(...k.map((o) => x.data[o]!))))
      agrees(ops.maxPool2dGatherOp, [x, c], poolAttrs(g), Float64Array.from(ws, (k) => c.data[firstMax(x.data, k)]!))
      const dx = new Float64Array(x.data.length)
      ws.forEach((k, o) => (dx[firstMax(x.data, k)]! += gr.data[o]!))
      agrees(ops.maxPool2dBackpropOp, [x, gr], poolAttrs(g), dx)
    }), props))
  it('avgPool2d and its backprop = naive loops; laws hold', () =>
    fc.assert(fc.property(geometry(false), (g) => {
      const x = values(g.seed, [g.n, g.c, g.h, g.w])
      const gr = values(g.seed + 2, [g.n, g.c, g.oh, g.ow])
      const ws = windows(g)
      agrees(ops.avgPool2dOp, [x], poolAttrs(g), Float64Array.from(ws, (k) => mean(x.data, k)))
      const dx = new Float64Array(x.data.length)
      ws.forEach((k, o) => k.forEach((i) => (dx[i]! += gr.data[o]! / k.length)))
      agrees(ops.avgPool2dBackpropOp, [gr], { ...poolAttrs(g), size: [g.h, g.w] }, dx)
    }), props))
})

describe('pad over random shapes and amounts', () => {
  const padArb = fc
    .array(fc.record({ d: fc.integer({ min: 1, max: 4 }), b: fc.integer({ min: -2, max: 2 }), a: fc.integer({ min: -2, max: 2 }) }), { minLength: 1, maxLength: 3 })
    .filter((axes) => axes.every(({ d, b, a }) => d + b + a >= 1 && b >= -d && a >= -d))
  it('pad = naive index mapping; laws hold', () =>
    fc.assert(fc.property(padArb, fc.integer({ min: 1, max: 1e6 }), (axes, seed) => {
      const from = axes.map((x) => x.d)
      const to = axes.map(({ d, b, a }) => d + b + a)
      const x = values(seed, from)
      const out = new Float64Array(to.reduce((p, d) => p * d, 1))
      const idx = to.map(() => 0)
      for (let o = 0; o < out.length; o++) {
        const src = idx.map((i, ax) => i - axes[ax]!.b)
        if (src.every((i, ax) => i >= 0 && i < from[ax]!)) out[o] = x.data[src.reduce((p, i, ax) => p * from[ax]! + i, 0)]!
        for (let ax = to.length - 1; ax >= 0 && ++idx[ax]! === to[ax]!; ax--) idx[ax] = 0
      }
      agrees(ops.padOp, [x], { pads: axes.flatMap(({ b, a }) => [b, a]) }, out)
    }), props))
})

describe('shapes that do not fit fail when the node is built', () => {
  const x = ops.input('x', ['N', 1, 28, 28])
  it('names the input shape and the formula with its numbers', () => {
    expect(() => ops.conv2d(x, ops.param('w', [8, 1, 5, 5]), { stride: 2 })).toThrow(
      'conv2d: input [N,1,28,28]: (H + 2·pad − K)/stride + 1 = (28 + 2·0 − 5)/2 + 1: 12.5 is not an integer',
    )
    expect(() => ops.conv2d(x, ops.param('w', [8, 1, 31, 3]))).toThrow(
      'conv2d: input [N,1,28,28]: (H + 2·pad − K)/stride + 1 = (28 + 2·0 − 31)/1 + 1: the window 31 is larger than the padded input 28',
    )
    expect(() => ops.conv2d(x, ops.param('w', [8, 3, 5, 5]))).toThrow('conv2d: filters [8,3,5,5] expect 3 input channels, input [N,1,28,28] has 1')
    expect(() => ops.maxPool2d(ops.input('y', ['N', 8, 5, 5]), { window: 2 })).toThrow(
      'maxPool2d: input [N,8,5,5]: (H + 2·pad − K)/stride + 1 = (5 + 2·0 − 2)/2 + 1: 2.5 is not an integer',
    )
    expect(() => ops.conv2d(ops.input('z', ['N', 784]), ops.param('w', [8, 1, 5, 5]))).toThrow(
      'conv2d: input expected shape [N,C,H,W] with numeric C, H, W, got [N,784]',
    )
  })
  it('a symbolic batch compiles and runs at any batch size, on the wasm gemm and on plain JavaScript', () => {
    const w = ops.input('w', [2, 1, 3, 4])
    const y = ops.sum(ops.mul(ops.maxPool2d(ops.relu(ops.conv2d(x, w, { pad: 1, stride: [1, 2] })), { window: [2, 1] }), 1.5))
    const [gx, gw] = grad(y, [x, w])
    for (const f of [compile([y, gx!, gw!]), compile([y, gx!, gw!], { backend: makeJsBackend({ simd: false }) })])
      for (const n of [1, 3]) {
        const b = { x: values(n, [n, 1, 28, 28]), w: values(9, [2, 1, 3, 4]) }
        const want = [y, gx!, gw!].map((e) => evaluateOrThrow(e, b).data)
        f.runOrThrow(b).forEach((t, k) => t.data.forEach((v, i) => expect(v).toBeCloseTo(want[k]![i]!, 10)))
      }
  })
})
