/**
 * The WebAssembly backend's fused loops (kernels/loop-wasm.ts) against the JavaScript backend's:
 * random elementwise graphs over a rank-3 loop with every kind of read (own layout, scalar and
 * literal broadcasts, bias-like row broadcasts, per-row splats, outer-axis strides, a transposed
 * read the generator declines), float64 bit for bit (NaN, ±0 and ±∞ among the inputs), float32
 * within the float32 law; loops split across threads give the same bits as one thread.
 */
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as sg from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import type { Expr } from '../src/core/Expr.js'
import { compile, withCode } from '../src/compile/index.js'
import * as ops from '../src/ops/builtins.js'
import { jsBackend } from '../src/compile/backend-js.js'
import { jsFloat32Backend, wasmBackend } from '../src/compile/backend-wasm.js'
import { threadPool } from '../src/runner/threads.js'
import { float32Agrees, roundToFloat32 } from '../laws/dtype.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'

const pool = threadPool(2)
afterAll(() => pool.close())

const [A, B] = [3, 5]
const S = ['N', A, B] as const
/** Leaves of shape [N, 3, 5], each read a different way by the loop. */
const leaves: (() => Expr)[] = [
  () => sg.input('x', S), // own layout
  () => sg.input('z', S),
  () => sg.broadcastTo(sg.input('r', [B]), S), // strides [0, 0, 1]
  () => sg.broadcastTo(sg.input('c', [A, 1]), S), // [0, 1, 0]: one value per row
  () => sg.broadcastTo(sg.input('m', ['N', 1, B]), S), // [5, 0, 1]: an outer-axis stride
  () => sg.broadcastTo(sg.input('s', []), S), // a scalar
  () => sg.constant(0.3, [...S]), // a literal
  () => sg.transpose(sg.input('t', ['N', B, A]), [0, 2, 1]), // last-axis stride 3: JavaScript
]
const unary: Record<string, (a: Expr) => Expr> = {
  neg: sg.neg, square: sg.square, abs: sg.abs, relu: sg.relu, step: sg.step, sign: sg.sign,
  sqrt: (a) => sg.sqrt(sg.abs(a)), exp: (a) => sg.exp(sg.neg(sg.abs(a))), sigmoid: sg.sigmoid, tanh: sg.tanh,
  // no vector code: the loop is split around it
  log: (a) => sg.log(sg.abs(a)),
}
const binary: Record<string, (a: Expr, b: Expr) => Expr> = {
  add: sg.add, sub: sg.sub, mul: sg.mul, div: sg.div, maximum: sg.maximum, minimum: sg.minimum,
  gt: sg.gt, ge: sg.ge, lt: sg.lt, le: sg.le, eq: sg.eq,
  where: (a, b) => sg.where(sg.input('x', S), a, b),
}
type Recipe = { leaf: number } | { u: string; a: Recipe } | { b: string; a: Recipe; c: Recipe }
const recipe = (ops: { unary: string[]; binary: string[] }): fc.Arbitrary<Recipe> =>
  fc.letrec<{ node: Recipe }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      fc.record({ leaf: fc.integer({ min: 0, max: leaves.length - 1 }) }),
      fc.record({ u: fc.constantFrom(...ops.unary), a: tie('node') }),
      fc.record({ b: fc.constantFrom(...ops.binary), a: tie('node'), c: tie('node') }),
    ),
  })).node
const build = (r: Recipe): Expr => ('leaf' in r ? leaves[r.leaf]!() : 'u' in r ? unary[r.u]!(build(r.a)) : binary[r.b]!(build(r.a), build(r.c)))
const all = recipe({ unary: Object.keys(unary), binary: Object.keys(binary) })
/** Without jumps (comparisons, step, sign, where): the float32 law's domain. */
const smooth = recipe({ unary: ['neg', 'square', 'abs', 'relu', 'sqrt', 'exp', 'sigmoid', 'tanh'], binary: ['add', 'sub', 'mul', 'maximum', 'minimum'] })

const specials = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5]
function bindings(seed: number, n: number, special: boolean): Record<string, Tensor> {
  const k = R.key(seed)
  const t = (i: number, shape: number[]): Tensor => {
    const x = R.normal(R.foldIn(k, i), shape)
    if (special) x.data.forEach((v, j) => j % 3 === 0 && (x.data[j] = specials[(j + i) % specials.length]!))
    return x
  }
  return { x: t(1, [n, A, B]), z: t(2, [n, A, B]), r: t(3, [B]), c: t(4, [A, 1]), m: t(5, [n, 1, B]), s: t(6, []), t: t(7, [n, B, A]) }
}
const outputsOf = (r: Recipe): Expr[] => {
  const e = build(r)
  // a second output shares the loop (two stores), a third is a plain input copy
  return [e, sg.add(e, sg.input('z', S)), sg.sum(e)]
}
const sameNumbers = (a: readonly Tensor[], b: readonly Tensor[]): void =>
  a.forEach((t, i) => t.data.forEach((v, j) => expect(Object.is(v, b[i]!.data[j]) || (Number.isNaN(v) && Number.isNaN(b[i]!.data[j])), `output ${i}[${j}]: ${v} vs ${b[i]!.data[j]}`).toBe(true)))

describe('WebAssembly fused loops', () => {
  it('writes the loops it can (broadcasts included) and leaves a transposed read to JavaScript', () => {
    const x = sg.input('x', S)
    const f = compile([sg.relu(sg.add(sg.mul(x, leaves[3]!()), leaves[4]!()))], { dtype: 'float64', backend: wasmBackend({ dtype: 'float64' })! })
    expect(f.source).toContain('rt.loops.L0(0, D_0, 15,')
    const g = compile([sg.add(leaves[7]!(), x)], { backend: wasmBackend({ dtype: 'float32' })! })
    expect(g.source).not.toContain('rt.loops')
    const h = compile([sg.sub(x, sg.mul(0.1, sg.input('z', S))), sg.sub(sg.input('z', S), sg.mul(0.1, x))], { backend: wasmBackend({ dtype: 'float32' })! })
    expect(h.source.match(/rt\.loops\.L0\(/g)?.length, 'identical loops share one function').toBe(2)
  })

  it('an op whose scalar code was replaced (withCode) loses its vector code: its own JavaScript loop, with that code, between vector loops', () => {
    const x = sg.input('x', S), z = sg.input('z', S)
    const b = bindings(2, 3, false)
    const custom = withCode(wasmBackend({ dtype: 'float64' })!, { elementwise: [[ops.addOp, ([p, q]) => `(${p} + ${q} + 1)`]] })
    expect(custom.vector!.has(ops.addOp)).toBe(false)
    const f = compile([sg.relu(sg.add(x, z)), sg.mul(x, z)], { backend: custom })
    expect(f.source.match(/rt\.loops\./g)?.length, 'relu and mul are WebAssembly, add is not').toBe(2)
    expect(f.source).toMatch(/const t\d+ = \(x\d+ \+ x\d+ \+ 1\);/)
    const [r] = f.runOrThrow(b)
    r!.data.forEach((v, i) => expect(v).toBe(Math.max(0, b['x']!.data[i]! + b['z']!.data[i]! + 1)))
  })

  it('each op alone gives the JavaScript loop’s numbers on NaN, ±0, ±∞ (float32 too: one rounding either way; not exp or tanh)', () => {
    const b = bindings(5, 9, true)
    // every pair of specials, x against z
    specials.forEach((u, i) => specials.forEach((v, j) => ((b['x']!.data[i * 8 + j] = u), (b['z']!.data[i * 8 + j] = v))))
    const x = sg.input('x', S), z = sg.input('z', S)
    const cases = [...Object.entries(unary).map(([k, f]) => [k, f(x)] as const), ...Object.entries(binary).map(([k, f]) => [k, f(x, z)] as const)]
    for (const dtype of ['float32', 'float64'] as const)
      for (const [k, e] of cases) {
        // float32 exp, sigmoid and tanh are polynomials within 2 ulp of Math's (the next test)
        if (dtype === 'float32' && (k === 'exp' || k === 'sigmoid' || k === 'tanh')) continue
        const w = compile([e], { backend: wasmBackend({ dtype })! })
        const js = compile([e], { backend: dtype === 'float32' ? jsFloat32Backend : jsBackend })
        sameNumbers(w.runOrThrow(b), js.runOrThrow(b))
      }
  })

  it('float32 exp, sigmoid and tanh: within 2 ulp of Math’s (rounded) on [−110, 100]; NaN, ±0, ±∞, overflow and underflow exact', () => {
    const n = 50001
    const xs = Float64Array.from({ length: n }, (_, i) => Math.fround(-110 + (210 * i) / (n - 1)))
    ;[NaN, Infinity, -Infinity, 0, -0, 88.72283, 88.7229, -87.33, -103.97, -103.98, 1e-30, -1e-30, 1e-40, -1e-40, 0.625, -0.625, 200, -200].forEach((v, i) => (xs[i] = Math.fround(v)))
    const x = sg.input('x', [n])
    const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)))
    for (const [e, ref] of [[sg.exp(x), Math.exp], [sg.sigmoid(x), sigmoid], [sg.tanh(x), Math.tanh]] as const) {
      const f = compile([e], { backend: wasmBackend({ dtype: 'float32' })! })
      expect(f.source).toContain('rt.loops.L0(')
      const got = f.runOrThrow({ x: { shape: [n], data: xs } })[0]!.data
      xs.forEach((v, i) => {
        const r = Math.fround(ref(v)), g = got[i]!
        if (!Number.isFinite(r) || r === 0) expect(Object.is(g, r) || (Number.isNaN(g) && Number.isNaN(r)), `at ${v}: ${g} vs ${r}`).toBe(true)
        else expect(Math.abs(g - r), `at ${v}: ${g} vs ${r}`).toBeLessThanOrEqual(2 * Math.max(Math.abs(r) * 2 ** -23, 2 ** -149))
      })
    }
  })

  it('float64: the same numbers as the JavaScript backend, bit for bit, on random graphs with NaN, ±0 and ±∞', () => {
    const wasm = wasmBackend({ dtype: 'float64' })!
    fc.assert(
      fc.property(all, fc.integer({ min: 1, max: 7 }), fc.nat(1e6), fc.boolean(), (r, n, seed, special) => {
        const outs = outputsOf(r)
        const b = bindings(seed, n, special)
        sameNumbers(compile(outs, { backend: wasm }).runOrThrow(b), compile(outs, { backend: jsBackend }).runOrThrow(b))
      }),
      { numRuns: 120 },
    )
  })

  it('float32: within the float32 law of the interpreter, and close to the JavaScript float32 loops', () => {
    const wasm = wasmBackend({ dtype: 'float32' })!
    fc.assert(
      fc.property(smooth, fc.integer({ min: 1, max: 7 }), fc.nat(1e6), (r, n, seed) => {
        const outs = outputsOf(r)
        const b = bindings(seed, n, false)
        const f = compile(outs, { backend: wasm })
        expect(float32Agrees(outs, f, b)).toBeUndefined()
        expect(float32Agrees(outs, compile(outs, { backend: jsFloat32Backend }), b)).toBeUndefined()
      }),
      { numRuns: 120 },
    )
  })

  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: loops split across 2 threads give the bits of 1 thread`, () => {
      const one = wasmBackend({ dtype })!
      const two = wasmBackend({ dtype, threads: pool, loopThreshold: 1 })!
      fc.assert(
        fc.property(all, fc.integer({ min: 1, max: 40 }), fc.nat(1e6), (r, n, seed) => {
          const outs = outputsOf(r)
          const b = bindings(seed, n, false)
          const x = compile(outs, { backend: one }).runOrThrow(b)
          const y = compile(outs, { backend: two }).runOrThrow(b)
          x.forEach((t, i) => expect(Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(y[i]!.data.buffer)), `output ${i}`).toBe(0))
        }),
        { numRuns: 40 },
      )
    })

  it('sums and means over leading and middle axes: the JavaScript kernel’s bits (float32 too, but for the per-channel sum), on 1 and 2 threads', () => {
    const x = sg.input('x', S)
    const outs = [
      sg.sum(x, [0]), sg.sum(x, [1]), sg.sum(x, [0, 1]), sg.mean(x, [0]), sg.sumTo(x, [A, B]),
      sg.sum(x, [2]), sg.sum(x), sg.sum(sg.mul(x, sg.input('z', S)), [0]),
    ]
    // float32 per-channel sums add in float64 lanes and round once (test/compile-channel-sum.test.ts):
    // the float64 sums of the rounded inputs, rounded, within one rounding; NaN and ±∞ as theirs
    const channels = [sg.sumTo(x, [1, A, 1])]
    for (const special of [false, true])
      for (const n of [1, 6, 33]) {
        const b = bindings(n, n, special)
        for (const dtype of ['float32', 'float64'] as const) {
          const js = compile(outs, { backend: dtype === 'float32' ? jsFloat32Backend : jsBackend }).runOrThrow(b)
          sameNumbers(compile(outs, { backend: wasmBackend({ dtype })! }).runOrThrow(b), js)
          sameNumbers(compile(outs, { backend: wasmBackend({ dtype, threads: pool, loopThreshold: 1 })! }).runOrThrow(b), js)
          const want = compile(channels, { backend: jsBackend }).runOrThrow(dtype === 'float32' ? roundToFloat32(b) : b)
          for (const threads of [{}, { threads: pool, threshold: 0 }]) {
            const got = compile(channels, { backend: wasmBackend({ dtype, ...threads })! }).runOrThrow(b)
            if (dtype === 'float64') sameNumbers(got, want)
            else got[0]!.data.forEach((v, i) => {
              const w = want[0]!.data[i]!
              expect(Number.isFinite(w) ? Math.abs(v - w) <= 2 ** -24 * Math.abs(w) + 1e-12 : Object.is(v, w) || (Number.isNaN(v) && Number.isNaN(w)), `channel ${i}: ${v} vs ${w}`).toBe(true)
            })
          }
        }
      }
  })

  it('a large flat update split across threads (SGD over a 1100×1000 matrix, ≥ 2²⁰ elements) gives the bits of 1 thread', () => {
    const w = sg.param('w', [1100, 1000]), g = sg.input('g', [1100, 1000])
    const outs = [sg.sub(w, sg.mul(0.1, g))]
    const b = { w: R.normal(R.key(1), [1100, 1000]), g: R.normal(R.key(2), [1100, 1000]) }
    for (const dtype of ['float32', 'float64'] as const) {
      const f2 = compile(outs, { backend: wasmBackend({ dtype, threads: pool })! })
      expect(f2.source).toContain('rt.loops.L0(0, 1100000, 1,')
      const x = compile(outs, { backend: wasmBackend({ dtype })! }).runOrThrow(b)[0]!
      const ran = untilWorkersTakePart(pool, () => f2.runOrThrow(b)[0]!, (y) => expect(Buffer.compare(Buffer.from(x.data.buffer), Buffer.from(y.data.buffer))).toBe(0))
      expect(ran, 'the worker ran a part of the loop').toBeGreaterThan(0)
    }
  })
})
