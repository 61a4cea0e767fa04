/**
 * float32 compiled functions (WebAssembly backend) against the float64 reference interpreter, the
 * kept/carried inputs of compiled functions, thread-count independence, and a float32 MNIST run
 * against the float64 one.
 */
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as sg from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
import type { Expr } from '../src/core/Expr.js'
import { grad } from '../src/ad/grad.js'
import { compile, stages } from '../src/compile/index.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { threadPool } from '../src/runner/threads.js'
import { twoLayerStep } from './support/twoLayerStep.js'
import { float32Agrees, roundToFloat32 } from '../laws/dtype.js'
import { defaultRunConfig } from '../src/train/config.js'
import { runTraining } from '../src/cli/run.js'
import { build, C, jumps, recipeOf } from './compile-graphs.js'

const pool = threadPool(2)
afterAll(() => pool.close())

function bindingsFor(seed: number, n: number): Record<string, Tensor> {
  const k = R.key(seed)
  return {
    x0: R.normal(R.foldIn(k, 1), [n, C]),
    x1: R.uniform(R.foldIn(k, 2), [n, C], -2, 2),
    W: R.normal(R.foldIn(k, 3), [C, C], 0.7),
    b: R.normal(R.foldIn(k, 4), [C]),
    y: T.make([n], Array.from({ length: n }, (_, i) => R.int(R.foldIn(k, 100 + i), 0, C))),
  }
}
const pick = (b: Record<string, Tensor>, outs: readonly Expr[]) => {
  const names = new Set(stages(outs, { simplify: false }).program.inputs.map((i) => i.name))
  return Object.fromEntries(Object.entries(b).filter(([k]) => names.has(k)))
}

describe('float32 law: compiled float32 agrees with the float64 interpreter (tol 1e-4 of each output’s scale, at least 1)', () => {
  it('values of random graphs without jumps', () => {
    fc.assert(
      fc.property(recipeOf(jumps), fc.integer({ min: 1, max: 6 }), fc.nat(1e6), (r, n, seed) => {
        const e = build(r)
        const outs = [e, sg.sum(e), sg.input('x0', ['N', C])]
        const f = compile(outs, { dtype: 'float32' })
        expect(f.dtype).toBe('float32')
        expect(float32Agrees(outs, f, pick(bindingsFor(seed, n), outs))).toBeUndefined()
      }),
      { numRuns: 150 },
    )
  })

  it('gradients of random graphs without jumps', () => {
    fc.assert(
      fc.property(recipeOf(jumps), fc.integer({ min: 1, max: 5 }), fc.nat(1e6), (r, n, seed) => {
        const loss = sg.sum(sg.mul(build(r), sg.input('x1', ['N', C])))
        const params = { W: sg.param('W', [C, C]), b: sg.param('b', [C]), x0: sg.input('x0', ['N', C]) }
        const gs = grad(loss, params)
        const outs = [loss, gs.W, gs.b, gs.x0]
        expect(float32Agrees(outs, compile(outs, { dtype: 'float32' }), bindingsFor(seed, n))).toBeUndefined()
      }),
      { numRuns: 60 },
    )
  })

  it('a float32 MLP step with large products (the blocked gemm) agrees too', () => {
    const x = sg.input('x', ['N', 300])
    const y = sg.input('y', ['N'])
    const W1 = sg.param('W1', [300, 70])
    const W2 = sg.param('W2', [70, 10])
    const loss = sg.neg(sg.mean(sg.gatherLabel(sg.logSoftmax(sg.matmul(sg.relu(sg.matmul(x, W1)), W2)), y)))
    const gs = grad(loss, { W1, W2 })
    const outs = [loss, gs.W1, gs.W2]
    const k = R.key(7)
    const b = {
      x: R.normal(R.foldIn(k, 1), [90, 300]), W1: R.normal(R.foldIn(k, 2), [300, 70], 0.06), W2: R.normal(R.foldIn(k, 3), [70, 10], 0.1),
      y: T.make([90], Array.from({ length: 90 }, (_, i) => i % 10)),
    }
    expect(float32Agrees(outs, compile(outs, { dtype: 'float32' }), b)).toBeUndefined()
    expect(float32Agrees(outs, compile(outs, { dtype: 'float32', threads: pool }), b)).toBeUndefined()
  })
})

describe('threads: results do not depend on the number of threads', () => {
  const { outs, bindings: b } = twoLayerStep(3)
  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: 1 and 2 threads give bit-identical values and gradients (every product split)`, () => {
      const one = compile(outs, { backend: wasmBackend({ dtype })! }).runOrThrow(b)
      const two = compile(outs, { backend: wasmBackend({ dtype, threads: pool, threshold: 0 })! }).runOrThrow(b)
      one.forEach((t, i) => expect(Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(two[i]!.data.buffer)), `output ${i}`).toBe(0))
    })
  it('float64 on the WebAssembly backend agrees with the JavaScript backend (1e-12)', () => {
    const js = compile(outs).runOrThrow(b)
    const wasm = compile(outs, { threads: pool }).runOrThrow(b)
    js.forEach((t, i) => t.data.forEach((v, j) => expect(Math.abs(v - wasm[i]!.data[j]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)))))
  })
})

describe('kept and carried inputs', () => {
  const x = sg.input('x', ['N', 3])
  const w = sg.param('w', [3, 2])
  const loss = sg.sum(sg.square(sg.matmul(x, w)))
  const next = sg.sub(w, sg.mul(0.01, grad(loss, { w }).w))
  const xs = R.normal(R.key(1), [5, 3])
  const w0 = R.normal(R.key(2), [3, 2])
  for (const dtype of ['float64', 'float32'] as const)
    it(`${dtype}: carrying the update equals feeding it back by hand; read returns it; the caller's arrays are untouched`, () => {
      const byHand = compile([loss, next], { dtype })
      const carried = compile([loss, next], { dtype, carry: { w: 1 } })
      const before = w0.data.slice()
      carried.load('w', w0)
      let p = roundTo(dtype, w0)
      for (let s = 0; s < 4; s++) {
        const [l1, n1] = byHand.runOrThrow({ x: xs, w: p })
        const [l2] = carried.runOrThrow({ x: xs })
        expect(l2!.data[0]).toBe(l1!.data[0])
        p = n1!
        expect(carried.read('w').data).toEqual(p.data)
      }
      expect(w0.data).toEqual(before)
      // binding a kept input replaces it
      carried.runOrThrow({ x: xs, w: w0 })
      expect(carried.read('w').data).toEqual(byHand.runOrThrow({ x: xs, w: roundTo(dtype, w0) })[1]!.data)
    })
  it('errors name the input: unknown names, bad shapes, nothing kept', () => {
    const f = compile([loss], { dtype: 'float32' })
    expect(() => f.load('v', w0)).toThrow(/no input 'v'/)
    expect(() => f.load('w', T.zeros([2, 3]))).toThrow(/'w'/)
    expect(() => f.read('w')).toThrow(/keeps no value/)
    expect(() => compile([loss], { carry: { w: 1 } })).toThrow(/output 1/)
    expect(E.isLeft(f({ x: xs }))).toBe(true)
  })
  it('with a kept input, the bindings left are checked as fully: missing, misshapen, not float64; a symbol the kept input binds', () => {
    const f = compile([loss], { dtype: 'float32' })
    f.load('w', w0)
    const ok = f.runOrThrow({ x: xs })[0]!.data[0]!
    expect(() => f.runOrThrow({})).toThrow(/missing binding for input 'x'/)
    expect(() => f.runOrThrow({ x: T.zeros([5, 4]) })).toThrow(/input 'x'.*got \[5,4\]/)
    expect(() => f.runOrThrow({ x: { shape: [5, 3], data: new Float32Array(15) as unknown as Float64Array } })).toThrow(/input 'x'.*Float64Array/)
    // the failed calls changed nothing kept
    expect(f.runOrThrow({ x: xs })[0]!.data[0]).toBe(ok)
    // a kept input whose shape has a symbol binds it for the inputs bound with it
    const v = sg.param('v', ['K', 2])
    const y = sg.input('y', ['K'])
    const g = compile([sg.sum(sg.mul(sg.sum(v, [1]), y))], { dtype: 'float32' })
    g.load('v', T.ones([4, 2]))
    expect(g.runOrThrow({ y: T.ones([4]) })[0]!.data[0]).toBe(8)
    expect(() => g.runOrThrow({ y: T.ones([3]) })).toThrow(/input 'y'.*K=4/)
    // bound again, the kept input's new shape holds from then on
    expect(g.runOrThrow({ v: T.ones([3, 2]), y: T.ones([3]) })[0]!.data[0]).toBe(6)
    expect(g.runOrThrow({ y: T.ones([3]) })[0]!.data[0]).toBe(6)
    expect(() => g.runOrThrow({ y: T.ones([4]) })).toThrow(/K=3/)
  })
  it('owned float32 outputs read as float64 copies of that call (one copy, read when asked)', () => {
    const f = compile([sg.mul(2, w), loss], { dtype: 'float32' })
    const a = f.runOwned({ x: xs, w: w0 })[0]!
    expect(a.data).toEqual(Float64Array.from(Float32Array.from(w0.data), (u) => Math.fround(2 * u)))
    expect(a.data).toBe(a.data)
    expect([...a.shape]).toEqual([3, 2])
    expect(T.item(f.runOwned({ x: xs, w: w0 })[1]!)).toBe(f.runOrThrow({ x: xs, w: w0 })[1]!.data[0])
  })
})

function roundTo(dtype: 'float32' | 'float64', t: Tensor): Tensor {
  return dtype === 'float32' ? roundToFloat32({ t }).t! : t
}

describe('float32 training', () => {
  it('an MNIST run in float32 ends within 0.3 points of the float64 run', () => {
    const c = { ...defaultRunConfig, data: 'mnist-sample', hidden: [100], epochs: 2, shift: 0, l2: 0 }
    const acc = (dtype: 'float32' | 'float64') => {
      const r = runTraining({ ...c, dtype }, { babysit: false, log: () => {} })
      if (E.isLeft(r)) throw r.left
      return r.right.testAccuracy
    }
    const a64 = acc('float64')
    const a32 = acc('float32')
    expect(a64).toBeGreaterThan(0.9)
    expect(Math.abs(a32 - a64) * 100).toBeLessThanOrEqual(0.3)
  }, 120_000)
})
