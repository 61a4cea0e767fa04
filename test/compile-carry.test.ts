/**
 * Step sessions (compileStep's `carry`): N runs of a session equal N runs of the plain step with
 * the carried outputs fed back by hand, bit for bit, on the interpreter, the JavaScript float64
 * backend, the WebAssembly float32 and float64 backends and with a thread pool splitting every
 * kernel; `read` is exact; the carry map and the session's bindings are refused with one line each;
 * the caller's tensors are never written.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as sg from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
import { compileStep, type StepOptions } from '../src/compile/index.js'
import { jsFloat32Backend, wasmBackend } from '../src/compile/backend-wasm.js'
import { threadPool } from '../src/runner/threads.js'
import { alwaysSplit } from '../src/compile/splitChoice.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { grad } from '../src/ad/grad.js'
import { thrownMessage } from './support/thrown.js'
import { convGraph, convInit, convShapes, type ConvParam } from '../bench/convnet.js'

// every call split (the workers claim parts once awake), so the worker's reads of the carried values are tested
const pool = threadPool(2, { chooser: alwaysSplit })
afterAll(() => pool.close())

const bits = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)
function sameBits(a: Tensor, b: Tensor, what: string): void {
  expect(a.shape, what).toEqual(b.shape)
  expect(bits(a).equals(bits(b)), what).toBe(true)
}

/**
 * A two-layer net trained by SGD with momentum inside the step: new weights, a momentum buffer and a
 * running mean of the hidden layer are tensors outputs; `scores` is one that is not carried.
 */
function momentumStep() {
  const x = sg.input('x', ['N', 6]), y = sg.input('y', ['N'])
  const W1 = sg.param('W1', [6, 40]), b1 = sg.param('b1', [40]), W2 = sg.param('W2', [40, 3])
  const m1 = sg.input('m1', [6, 40]), mean = sg.input('mean', [40])
  const h = sg.tanh(sg.add(sg.matmul(x, W1), sg.broadcastTo(b1, ['N', 40])))
  const scores = sg.matmul(h, W2)
  const loss = softmaxCrossEntropy(scores, y)
  const g = grad(loss, { W1, b1, W2 })
  const m1n = sg.add(sg.mul(0.9, m1), g.W1)
  const outs = {
    values: { loss },
    grads: { of: 'loss' as const, wrt: { b1 } },
    tensors: {
      "W1'": sg.sub(W1, sg.mul(0.1, m1n)), "m1'": m1n, "b1'": sg.sub(b1, sg.mul(0.1, g.b1)), "W2'": sg.sub(W2, sg.mul(0.1, g.W2)),
      "mean'": sg.add(sg.mul(0.8, mean), sg.mul(0.2, sg.mean(h, [0]))), scores,
    },
  }
  const carry = { "W1'": 'W1', "m1'": 'm1', "b1'": 'b1', "W2'": 'W2', "mean'": 'mean' } as const
  const k = R.key(3)
  const initial = { W1: R.normal(R.foldIn(k, 1), [6, 40], 0.4), b1: R.normal(R.foldIn(k, 2), [40], 0.1), W2: R.normal(R.foldIn(k, 3), [40, 3], 0.3), m1: T.zeros([6, 40]), mean: R.normal(R.foldIn(k, 4), [40]) }
  // the first batch is smaller: at the second run the memory is laid out again, the carried values kept
  const batch = (s: number) => {
    const n = s === 0 ? 5 : 33
    return { x: R.normal(R.foldIn(k, 10 + s), [n, 6]), y: T.make([n], Array.from({ length: n }, (_, i) => (i * 7 + s) % 3)) }
  }
  return { outs, carry, initial, batch }
}

const settings: [string, () => StepOptions][] = [
  ['interpreter', () => ({ interpret: true })],
  ['float64 JavaScript', () => ({})],
  ['float32 WebAssembly', () => ({ dtype: 'float32' })],
  ['float32 JavaScript (no SIMD)', () => ({ backend: jsFloat32Backend })],
  ['float64 WebAssembly, 2 threads, every kernel split', () => ({ backend: wasmBackend({ dtype: 'float64', threads: pool, threshold: 0, loopThreshold: 0 })! })],
  ['float32 WebAssembly, 2 threads, every kernel split', () => ({ backend: wasmBackend({ dtype: 'float32', threads: pool, threshold: 0, loopThreshold: 0 })! })],
  ['float32, a pool choosing per call', () => ({ dtype: 'float32', threads: pool })],
]

describe('a session equals the plain step fed back by hand, bit for bit', () => {
  for (const [name, options] of settings)
    it(name, () => {
      const { outs, carry, initial, batch } = momentumStep()
      const step = compileStep(outs, { ...options(), carry })
      const before = Object.fromEntries(Object.entries(initial).map(([k, t]) => [k, t.data.slice()]))
      const s = step.sessionOrThrow(initial)
      let p: Record<string, Tensor> = { ...initial }
      for (let i = 0; i < 5; i++) {
        const b = batch(i)
        const plain = step.runOrThrow({ ...p, ...b })
        const r = i % 2 === 0 ? s.runOrThrow(b) : s.runOwned(b)
        expect(Object.is(r.values.loss, plain.values.loss), `loss at run ${i}`).toBe(true)
        sameBits(r.grads.b1, plain.grads.b1, `grad b1 at run ${i}`)
        sameBits(r.tensors.scores, plain.tensors.scores, `scores at run ${i}`)
        expect(Object.keys(r.tensors)).toEqual(['scores'])
        p = Object.fromEntries(Object.entries(carry).map(([o, input]) => [input, plain.tensors[o as keyof typeof carry]]))
        const read = s.read()
        expect(Object.keys(read).sort()).toEqual(Object.keys(p).sort())
        for (const k of Object.keys(p)) sameBits(read[k]!, p[k]!, `${k} after run ${i}`)
      }
      for (const [k, t] of Object.entries(initial)) expect(t.data, `initial ${k}`).toEqual(before[k])
    })
})

describe('the convnet step with SGD inside, float32 on 2 threads', () => {
  it('a session equals the plain step fed back by hand, and the step on one thread', () => {
    const x = sg.input('x', ['N', 1, 28, 28]), y = sg.input('y', ['N'])
    const { scores, params } = convGraph(x)
    const loss = softmaxCrossEntropy(scores, y)
    const g = grad(loss, params)
    const keys = Object.keys(params) as ConvParam[]
    const outs = { values: { loss }, tensors: Object.fromEntries(keys.map((k) => [k, sg.sub(params[k], sg.mul(0.05, g[k]))])) }
    const carry = Object.fromEntries(keys.map((k) => [k, k]))
    const init = convInit()
    const initial = Object.fromEntries(keys.map((k) => [k, { shape: [...convShapes[k]], data: init[k] }]))
    const threaded = compileStep(outs, { backend: wasmBackend({ dtype: 'float32', threads: pool, threshold: 0, loopThreshold: 0 })!, carry })
    const alone = compileStep(outs, { dtype: 'float32', carry })
    const s2 = threaded.sessionOrThrow(initial), s1 = alone.sessionOrThrow(initial)
    let p: Record<string, Tensor> = initial
    let workerParts = 0
    for (let i = 0; i < 3; i++) {
      const b = { x: R.uniform(R.key(20 + i), [6, 1, 28, 28], 0, 1), y: T.make([6], [0, 1, 2, 3, 4, i]) }
      const plain = threaded.runOrThrow({ ...p, ...b })
      p = plain.tensors
      const parts = pool.workerParts()
      const [r2, r1] = [s2.runOrThrow(b), s1.runOrThrow(b)]
      workerParts += pool.workerParts() - parts
      expect(Object.is(r2.values.loss, plain.values.loss)).toBe(true)
      expect(Object.is(r1.values.loss, plain.values.loss)).toBe(true)
    }
    // the worker read the carried weights where a session keeps them: on a loaded machine it may
    // have claimed no part above, so fresh sessions run until it does, each equal to one thread's
    if (workerParts === 0) {
      const b = { x: R.uniform(R.key(30), [6, 1, 28, 28], 0, 1), y: T.make([6], [0, 1, 2, 3, 4, 5]) }
      const want = alone.sessionOrThrow(initial).runOrThrow(b).values.loss
      workerParts = untilWorkersTakePart(pool, () => threaded.sessionOrThrow(initial).runOrThrow(b), (r) => expect(Object.is(r.values.loss, want)).toBe(true))
    }
    expect(workerParts).toBeGreaterThan(0)
    const [read2, read1] = [s2.read(), s1.read()]
    for (const k of keys) sameBits(read2[k]!, p[k]!, k), sameBits(read1[k]!, p[k]!, k)
  })
})

describe('read', () => {
  it('float32: the float32 values exactly, as fresh float64 tensors the session does not see again', () => {
    const { outs, carry, initial, batch } = momentumStep()
    const step = compileStep(outs, { dtype: 'float32', carry })
    const s = step.sessionOrThrow(initial)
    // before any run: the initial values rounded to float32
    for (const [k, t] of Object.entries(s.read())) {
      expect(t.data).toBeInstanceOf(Float64Array)
      expect(Array.from(t.data)).toEqual(Array.from(initial[k as keyof typeof initial].data, Math.fround))
    }
    s.runOrThrow(batch(0))
    const a = s.read()
    a['W1']!.data.fill(7)
    const b = s.read()
    expect(b['W1']!.data.every((v) => v !== 7 && Math.fround(v) === v)).toBe(true)
    expect(a['W1']!.data).not.toBe(b['W1']!.data)
  })
})

describe('carries that move values around', () => {
  const a = sg.param('a', [3]), b = sg.param('b', [3]), c = sg.param('c', [3]), x = sg.input('x', [3])
  const start = { a: T.make([3], [1, 2, 3]), b: T.make([3], [4, 5, 6]), c: T.make([3], [7, 8, 9]) }
  for (const [name, options] of settings.slice(0, 4))
    it(`${name}: swapped inputs, one value carried into two inputs, a kept value, an input the program does not read`, () => {
      const e = sg.mul(sg.add(a, x), 2)
      // a ← b, b ← a (each output is the other input); c ← c − c + x: the simplified program reads no c
      const swap = compileStep({ values: { s: sg.sum(sg.mul(a, b)) }, tensors: { "a'": b, "b'": a, "c'": sg.add(sg.sub(c, c), x), keep: c } }, { ...options(), carry: { "a'": 'a', "b'": 'b', "c'": 'c' } })
      const s = swap.sessionOrThrow(start)
      const r = s.runOrThrow({ x: T.make([3], [1, 1, 1]) })
      expect(r.values.s).toBe(32)
      sameBits(r.tensors.keep, start.c, 'keep')
      const read = s.read()
      expect(Array.from(read['a']!.data)).toEqual([4, 5, 6])
      expect(Array.from(read['b']!.data)).toEqual([1, 2, 3])
      expect(Array.from(read['c']!.data)).toEqual([1, 1, 1])
      // two tensors outputs of one expression, carried into a and b
      const twice = compileStep({ values: { s: sg.sum(sg.mul(a, b)) }, tensors: { p: e, q: e } }, { ...options(), carry: { p: 'a', q: 'b' } })
      const t = twice.sessionOrThrow({ a: start.a, b: start.b })
      t.runOrThrow({ x: T.make([3], [1, 1, 1]) })
      t.runOrThrow({ x: T.make([3], [0, 0, 0]) })
      expect(Array.from(t.read()['a']!.data)).toEqual([8, 12, 16])
      expect(Array.from(t.read()['b']!.data)).toEqual([8, 12, 16])
    })
})

describe('sessions of one step', () => {
  for (const [name, options] of [settings[1]!, settings[2]!, settings[5]!])
    it(`${name}: keep their own state, interleaved and started between runs of others`, () => {
      const { outs, carry, initial, batch } = momentumStep()
      const step = compileStep(outs, { ...options(), carry })
      const one = step.sessionOrThrow(initial), two = step.sessionOrThrow(initial)
      const byHand = (order: number[]) => {
        let p: Record<string, Tensor> = initial
        for (const i of order) p = Object.fromEntries(Object.entries(carry).map(([o, input]) => [input, step.runOrThrow({ ...p, ...batch(i) }).tensors[o as keyof typeof carry]]))
        return p
      }
      one.runOrThrow(batch(0)), two.runOrThrow(batch(3))
      const three = step.sessionOrThrow(initial)
      one.runOrThrow(batch(1))
      // read while another session holds the function, and while holding it
      const parked = two.read()
      two.runOrThrow(batch(2)), three.runOrThrow(batch(4)), one.runOrThrow(batch(2))
      const expect1 = byHand([0, 1, 2]), expect2 = byHand([3, 2]), expect3 = byHand([4])
      for (const k of Object.keys(initial)) {
        sameBits(one.read()[k]!, expect1[k]!, `one ${k}`)
        sameBits(two.read()[k]!, expect2[k]!, `two ${k}`)
        sameBits(three.read()[k]!, expect3[k]!, `three ${k}`)
        sameBits(parked[k]!, byHand([3])[k]!, `two ${k} parked`)
      }
      // the plain step between session runs changes nothing in them
      step.runOrThrow({ ...initial, ...batch(0) })
      one.runOrThrow(batch(3))
      sameBits(one.read()['W1']!, byHand([0, 1, 2, 3])['W1']!, 'one after a plain call')
    })
})

describe('refused with one line', () => {
  const { outs, initial, batch } = momentumStep()
  const refuse = (carry: unknown, re: RegExp) => {
    const m = thrownMessage(() => compileStep(outs, { carry: carry as Record<string, string> }))
    expect(m).toMatch(re)
    expect(m).not.toContain('\n')
  }
  it('bad carry maps', () => {
    refuse({ nope: 'W1' }, /carry 'nope': is not one of the step's tensors outputs/)
    refuse({ loss: 'W1' }, /carry 'loss': names a value; carry takes the step's tensors/)
    refuse({ "W1'": 'V' }, /carry "W1'" → 'V': the step reads no input or param of that name/)
    refuse({ "W1'": 'W1', "m1'": 'W1' }, /carry "m1'" → 'W1': that input is carried from "W1'" already/)
    refuse({ "W1'": 'W2' }, /carry "W1'" → 'W2': output \[6,40\], input \[40,3\]/)
    refuse({ "W1'": 1 }, /carry "W1'": expected an input name, got number/)
    refuse([], /carry must be a record/)
    // a gradient and a tensors output of the same name
    const W = sg.param('W', [2]), v = sg.sum(sg.square(W))
    expect(() => compileStep({ values: { v }, grads: { of: 'v', wrt: { W } }, tensors: { W: sg.mul(W, 2) } }, { carry: { W: 'W' } })).toThrow(/carry 'W': a gradient has the same name; rename the tensor output/)
    expect(() => compileStep({ values: { v }, grads: { of: 'v', wrt: { W } } }, { carry: { W: 'W' } })).toThrow(/carry 'W': names a gradient/)
    // symbolic dims: the same symbols or refused
    const z = sg.input('z', ['N', 2]), u = sg.input('u', ['M', 2])
    expect(() => compileStep({ values: { s: sg.sum(u) }, tensors: { "z'": sg.mul(z, 2) } }, { carry: { "z'": 'u' } })).toThrow(/output \[N,2\], input \[M,2\]/)
    const sym = compileStep({ values: { s: sg.sum(z) }, tensors: { "z'": sg.mul(z, 2) } }, { carry: { "z'": 'z' }, dtype: 'float32' })
    const ss = sym.sessionOrThrow({ z: T.zeros([4, 2]) })
    expect(E.isRight(ss.run({}))).toBe(true)
  })
  it('bad sessions and runs, leaving the state as it was', () => {
    const step = compileStep(outs, { dtype: 'float32', carry: { "W1'": 'W1', "m1'": 'm1', "b1'": 'b1', "W2'": 'W2', "mean'": 'mean' } })
    const left = (r: E.Either<Error, unknown>, re: RegExp) => {
      expect(E.isLeft(r)).toBe(true)
      if (E.isLeft(r)) expect(r.left.message).toMatch(re), expect(r.left.message).not.toContain('\n')
    }
    const { W1, ...noW1 } = initial
    left(step.session(noW1), /missing binding for param 'W1' \[6,40\]/)
    left(step.session({ ...initial, x: T.zeros([2, 6]) }), /session: 'x' is not a carried input/)
    left(step.session({ ...initial, W1: T.zeros([40, 6]) }), /'W1'/)
    const nan = W1.data.slice()
    nan[5] = NaN
    left(step.session({ ...initial, W1: { shape: W1.shape, data: nan } }), /session: 'W1'\[5\] = NaN is not finite/)
    const big = W1.data.slice()
    big[2] = 1e39
    left(step.session({ ...initial, W1: { shape: W1.shape, data: big } }), /'W1'\[2\] = 1e\+39 is not finite in float32/)
    expect(E.isRight(compileStep(outs, { carry: { "W1'": 'W1' } }).session({ W1: { shape: W1.shape, data: big } }))).toBe(true)
    expect(() => step.sessionOrThrow(noW1)).toThrow(/W1/)
    const s = step.sessionOrThrow(initial), same = step.sessionOrThrow(initial)
    left(s.run({ ...batch(0), W1 }), /session run: 'W1' is carried \(from "W1'"\)/)
    left(s.run({ x: batch(0).x }), /missing binding for input 'y'/)
    left(s.run(null as never), /session run: expected bindings \(a record of tensors by name\), got null/)
    left(s.run({ ...batch(1), y: T.make([33], Array.from({ length: 33 }, () => 9)) }), /label 9 at row 0 is out of range/)
    s.runOrThrow(batch(1)), same.runOrThrow(batch(1))
    sameBits(s.read()['W1']!, same.read()['W1']!, 'W1 after refused runs')
  })
})
