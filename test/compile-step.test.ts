/** compileStep: named inputs to named values, gradients and tensors, compiled or interpreted. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { compile, compileStep, stages, valueAndGrad } from '../src/compile/index.js'
import { grad } from '../src/ad/grad.js'
import * as ops from '../src/ops/index.js'

const x = ops.input('x', ['N', 3])
const W = ops.param('W', [3, 2])
const b = ops.param('b', [2])
const h = ops.tanh(ops.add(ops.matmul(x, W), ops.broadcastTo(b, ['N', 2])))
const loss = ops.mean(ops.square(h))
const second = ops.sum(h)
const bind = { x: R.normal(R.key(1), [4, 3]), W: R.normal(R.key(2), [3, 2]), b: R.normal(R.key(3), [2]) }

describe('compileStep', () => {
  it('names what positional compile returns, compiled and interpreted alike', () => {
    const step = compileStep({ values: { loss, second }, grads: { of: 'loss', wrt: { W, b } }, tensors: { h } })
    const r = step.runOrThrow(bind)
    const gs = grad(loss, { W, b })
    const ref = compile([loss, second, gs.W, gs.b, h]).runOrThrow(bind)
    expect([r.values.loss, r.values.second]).toEqual([T.item(ref[0]!), T.item(ref[1]!)])
    expect(T.equal(r.grads.W, ref[2]!) && T.equal(r.grads.b, ref[3]!) && T.equal(r.tensors.h, ref[4]!)).toBe(true)
    const i = compileStep({ values: { loss, second }, grads: { of: 'loss', wrt: { W, b } }, tensors: { h } }, { interpret: true }).runOrThrow(bind)
    expect(Math.abs(i.values.loss - r.values.loss)).toBeLessThan(1e-14)
    expect(T.maxRelError(i.grads.W, r.grads.W, 1e-300)).toBeLessThan(1e-12)
    // gradients of the other value
    const s = compileStep({ values: { loss, second }, grads: { of: 'second', wrt: { b } } }).runOrThrow(bind)
    expect(T.equal(s.grads.b, compile([grad(second, { b }).b]).runOrThrow(bind)[0]!)).toBe(true)
  })

  it('valueAndGrad is compileStep with one value', () => {
    const v = valueAndGrad(loss, { W, b })
    const r = v(bind)
    if (E.isLeft(r)) throw r.left
    const s = compileStep({ values: { loss }, grads: { of: 'loss', wrt: { W, b } } }).runOrThrow(bind)
    expect(r.right.value).toBe(s.values.loss)
    expect(T.equal(r.right.grads.W, s.grads.W)).toBe(true)
  })

  it('refuses a value that is not a scalar, a wrt that is not a leaf, and answers missing inputs with a Left', () => {
    expect(() => compileStep({ values: { h } })).toThrow("compileStep: value 'h' must be a scalar, got shape [N,2]")
    expect(() => compileStep({ values: { loss }, grads: { of: 'loss', wrt: { h } } })).toThrow(/compileStep: 'h' is not an input or param leaf/)
    const r = compileStep({ values: { loss } })({ W: bind.W })
    expect(E.isLeft(r)).toBe(true)
  })
})

describe('the layout of a step (stages visit)', () => {
  // an update u, its Σu² (a value) and the new parameter x + u (a carried tensor)
  const p = ops.param('p', [5])
  const g = ops.input('g', [5])
  const u = ops.mul(ops.exp(g), -0.1)
  const outs = [ops.sum(ops.mul(u, u)), ops.add(p, u)]
  const loops = (visit?: readonly number[]) => stages(outs, { dtype: 'float32' }, visit).schedule.steps.filter((s) => s.kind === 'loop').length
  it('laid out from the new parameter first, x + u joins the update loop the sum would have closed', () => {
    expect(loops()).toBe(2)
    expect(loops([1, 0])).toBe(1)
  })
  it('gives the same values either way, and compileStep sessions lay carried outputs out first', () => {
    const bindings = { p: R.normal(R.key(4), [5]), g: R.normal(R.key(5), [5]) }
    const a = compile(outs, { dtype: 'float32' }).runOrThrow(bindings)
    const step = compileStep({ values: { s: outs[0]! }, tensors: { next: outs[1]! } }, { dtype: 'float32', carry: { next: 'p' } })
    expect(step.compiled?.source).not.toEqual(compile(outs, { dtype: 'float32' }).source)
    const s = step.sessionOrThrow({ p: bindings.p })
    const r = s.runOrThrow({ g: bindings.g })
    expect(r.values.s).toBe(T.item(a[0]!))
    expect(T.equal(s.read()['p']!, a[1]!)).toBe(true)
  })
})
