/**
 * step(x)·maxPool2dBackprop(x, g) → maxPool2dBackprop(x, g·step(maxPool2d(x))) (compile/poolRules.ts):
 * it fires in the backward pass of relu → max pool with windows apart, and not for overlapping
 * windows or another mask; the simplified gradient has the numbers of the unsimplified one (a
 * zero's sign aside; values with ties, zeros, −0, ±∞ and NaN among them), in the interpreter and
 * compiled in float64 and float32, and the same bits on one and two threads; its pooling node is
 * the forward pass's own.
 */
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Expr } from '../src/core/Expr.js'
import { topoSort } from '../src/core/Expr.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as sg from '../src/ops/index.js'
import { grad } from '../src/ad/grad.js'
import { evaluateOrThrow } from '../src/eval/evaluate.js'
import { simplify } from '../src/compile/simplify.js'
import { compile } from '../src/compile/index.js'
import { stepThroughMaxPool } from '../src/compile/poolRules.js'
import { threadPool } from '../src/runner/threads.js'

/** The same numbers: NaN where NaN, equal elsewhere (0 and −0 alike: the rewrite may flip a zero's sign). */
const same = (a: Tensor, b: Tensor): boolean => a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i] || (Number.isNaN(v) && Number.isNaN(b.data[i]!)))
const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)

/** The gradient of Σ(w · maxPool(relu(z))) in z, and the loss. */
function build(shape: [number, number, number, number], window: [number, number], stride: [number, number]) {
  const z = sg.input('z', shape)
  const a = sg.relu(z)
  const p = sg.maxPool2d(a, { window, stride })
  const w = sg.input('w', p.shape as number[])
  const loss = sg.sum(sg.mul(p, w))
  return { loss, dz: grad(loss, { z }).z, p }
}

const fired = (roots: Expr[]) => simplify(roots).fired.find((f) => f.rule === stepThroughMaxPool.name)?.count ?? 0

describe('step through max pooling', () => {
  const pool = threadPool(2)
  afterAll(() => pool.close())

  it('fires for windows apart, reuses the forward pooling node, and not for overlapping windows', () => {
    const apart = build([2, 3, 6, 4], [2, 2], [2, 2])
    expect(fired([apart.loss, apart.dz])).toBe(1)
    const [, dz] = simplify([apart.loss, apart.dz]).exprs
    expect(topoSort([apart.loss, dz!]).filter((e) => e.op.name === 'maxPool2d').length).toBe(1)
    expect(topoSort([dz!]).some((e) => e.op.name === 'step' && e.args[0]!.op.name === 'maxPool2d')).toBe(true)
    expect(fired([build([1, 2, 6, 6], [3, 2], [3, 2]).dz])).toBe(1)
    expect(fired([build([1, 2, 5, 5], [3, 3], [1, 1]).dz])).toBe(0)
    expect(fired([build([1, 2, 6, 5], [2, 2], [2, 1]).dz])).toBe(0)
    // a mask of another tensor than the pooled one is left alone
    const z = sg.input('z', [1, 1, 4, 4])
    const u = sg.input('u', [1, 1, 4, 4])
    const g = sg.input('g', [1, 1, 2, 2])
    expect(stepThroughMaxPool.rewrite(sg.mul(sg.step(u), sg.maxPool2dBackprop(z, g, { window: [2, 2] })))).toBeUndefined()
    expect(stepThroughMaxPool.rewrite(sg.mul(sg.maxPool2dBackprop(z, g, { window: [2, 2] }), sg.step(z)))).toBeDefined()
  })

  it('the simplified gradient has the numbers of the unsimplified one (interpreter, float64, float32), the same bits on 1 and 2 threads', () => {
    const shape: [number, number, number, number] = [3, 4, 8, 6]
    const { loss, dz } = build(shape, [2, 2], [2, 2])
    const n = shape.reduce((a, b) => a * b, 1)
    const special = [0, -0, 1, -1, 2, 2, Infinity, -Infinity, NaN, 1e-40, -1e-40, 0.5]
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...special), fc.double({ min: -3, max: 3, noNaN: true })), { minLength: n, maxLength: n }), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n / 4, maxLength: n / 4 }), (zs, ws) => {
      const b = { z: { shape, data: Float64Array.from(zs) }, w: { shape: [3, 4, 4, 3], data: Float64Array.from(ws) } }
      const plain = evaluateOrThrow([dz], b)[0]!
      const [, simple] = simplify([loss, dz]).exprs
      expect(same(evaluateOrThrow([simple!], b)[0]!, plain)).toBe(true)
      for (const dtype of ['float64', 'float32'] as const) {
        const off = compile([loss, dz], { dtype, simplify: false }).runOrThrow(b)[1]!
        const on = compile([loss, dz], { dtype }).runOrThrow(b)[1]!
        const two = compile([loss, dz], { dtype, threads: pool }).runOrThrow(b)[1]!
        expect(same(on, off)).toBe(true)
        expect(bytes(two).equals(bytes(on))).toBe(true)
      }
    }), { numRuns: 40 })
  })
})
