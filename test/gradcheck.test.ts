import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import type { Expr, OpDef } from '../src/core/Expr.js'
import { apply } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import {
  centralDifference,
  checkVjp,
  formatGradcheck,
  gradcheck,
  relativeError,
  type GradcheckReport,
} from '../src/ad/gradcheck.js'
import { defineOp, call } from '../src/ops/Op.js'
import { add, exp, input, logSoftmax, matmul, mean, mul, param, sigmoid, sum, tanh, gatherLabel, neg } from '../src/ops/index.js'

function right<A>(r: E.Either<unknown, A>): A {
  if (E.isLeft(r)) throw r.left
  return r.right
}

describe('relativeError and centralDifference', () => {
  it('is CS231n’s |a−b| / max(|a|,|b|, floor), 0 for equal values', () => {
    expect(relativeError(1, 1.1)).toBeCloseTo(0.1 / 1.1, 15)
    expect(relativeError(-2, 2)).toBe(2)
    expect(relativeError(0, 0)).toBe(0)
    expect(relativeError(1e-14, -1e-14, 1e-10)).toBeCloseTo(2e-4, 15)
    expect(relativeError(1e-14, -1e-14)).toBe(2)
    expect(relativeError(NaN, 1)).toBe(Infinity)
  })
  it('the 5-point stencil has error O(h⁴), the 3-point O(h²)', () => {
    // d/dt sin(1 + t) at 0 = cos 1
    const f = (t: number) => Math.sin(1 + t)
    const e5 = (h: number) => Math.abs(centralDifference(f, h, 5) - Math.cos(1))
    const e3 = (h: number) => Math.abs(centralDifference(f, h, 3) - Math.cos(1))
    // halving h divides the error by ~16 (5-point) and ~4 (3-point)
    expect(e5(0.1) / e5(0.05)).toBeGreaterThan(14)
    expect(e5(0.1) / e5(0.05)).toBeLessThan(18)
    expect(e3(0.1) / e3(0.05)).toBeGreaterThan(3.8)
    expect(e3(0.1) / e3(0.05)).toBeLessThan(4.2)
    expect(e5(1e-3)).toBeLessThan(1e-12)
  })
})

describe('gradcheck', () => {
  const x = input('x', [4, 3])
  const W = param('W', [3, 2])
  const y = input('y', [4])
  const loss = neg(mean(gatherLabel(logSoftmax(tanh(matmul(x, W))), y)))
  const b = {
    x: R.normal(R.key(1), [4, 3]),
    W: R.normal(R.key(2), [3, 2]),
    y: T.of([0, 1, 1, 0]),
  }

  it('a softmax classifier passes with relative error far below 1e-7 (5-point)', () => {
    const r = right(gradcheck(loss, { W, x }, b))
    expect(r.ok).toBe(true)
    expect(r.params.map((p) => p.name)).toEqual(['W', 'x'])
    expect(r.params.map((p) => p.checked)).toEqual([6, 12])
    expect(r.maxRelError).toBeLessThan(1e-9)
    expect(r.loss).toBeGreaterThan(0)
  })

  it('the 3-point stencil is much less accurate at the same h', () => {
    const r5 = right(gradcheck(loss, [W], b, { h: 1e-2 }))
    const r3 = right(gradcheck(loss, [W], b, { h: 1e-2, stencil: 3 }))
    expect(r3.maxRelError).toBeGreaterThan(100 * r5.maxRelError)
  })

  it('samples at most maxElements per parameter, reproducibly from the key', () => {
    const big = param('B', [30, 20])
    const l = sum(sigmoid(big))
    const bb = { B: R.normal(R.key(3), [30, 20]) }
    const r = right(gradcheck(l, [big], bb, { maxElements: 25, key: R.key(9) }))
    expect(r.params[0]!.checked).toBe(25)
    expect(r.params[0]!.size).toBe(600)
    expect(r.ok).toBe(true)
    expect(right(gradcheck(l, [big], bb, { maxElements: 25, key: R.key(9) }))).toEqual(r)
  })

  it('finds a wrong derivative rule and says where', () => {
    // a deliberately wrong rule: d sin x = −cos x
    const badSin: OpDef = defineOp({
      name: 'badSin',
      arity: 1,
      kind: 'elementwise',
      shape: ([s]) => s!,
      eval: ([t]) => T.map(t!, Math.sin),
      vjp: ({ args: [a], cot }) => [mul(cot, neg(apply(cosOp, [a!])))],
      notation: call('sin', '\\sin'),
    })
    const cosOp: OpDef = defineOp({
      name: 'cos',
      arity: 1,
      kind: 'elementwise',
      shape: ([s]) => s!,
      eval: ([t]) => T.map(t!, Math.cos),
      notation: call('cos', '\\cos'),
    })
    const p = param('p', [2, 2])
    const r = right(gradcheck(sum(apply(badSin, [p]) as Expr), [p], { p: T.of([[0.1, 0.2], [0.3, 0.4]]) }))
    expect(r.ok).toBe(false)
    expect(r.params[0]!.maxRelError).toBeCloseTo(2, 6)
    expect(r.params[0]!.worst!.index).toHaveLength(2)
    const text = formatGradcheck(r)
    expect(text).toContain('FAIL')
    expect(text).toContain('p ')
  })

  it('errors are values: missing bindings, non-leaf wrt, non-scalar loss', () => {
    const l = sum(exp(x))
    const m = gradcheck(l, [x], {})
    expect(E.isLeft(m) && m.left.message).toBe("missing binding for input 'x' [4,3]")
    const nl = gradcheck(l, [exp(x)], b)
    expect(E.isLeft(nl) && nl.left.message).toBe("gradcheck: can only check inputs and params, got a 'exp' node [4,3]")
    const ns = gradcheck(exp(x), [x], b)
    expect(E.isLeft(ns) && ns.left.message).toBe('gradcheck: the loss must be a scalar, got shape [4,3]')
  })

  it('formats a table with one row per parameter', () => {
    const r = right(gradcheck(loss, { W }, b))
    const lines = formatGradcheck(r).split('\n')
    expect(lines[0]).toMatch(/^gradcheck: loss = [0-9.]+, 5-point central differences, h = 0\.001, tol = 1e-7: ok$/)
    expect(lines[1]).toMatch(/^param\s+shape\s+checked\s+max rel\. error\s+at\s+analytic\s+numeric\s+result$/)
    expect(lines[3]).toMatch(/^W\s+\[3,2\]\s+6\/6\s+\d\.\d\de-\d+\s+\[\d,\d\]\s+\S+\s+\S+\s+ok$/)
  })

  it('does not mutate the bindings', () => {
    const before = T.of([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]])
    const copy = Float64Array.from(before.data)
    right(gradcheck(sum(tanh(x)), [x], { x: before }))
    expect(before.data).toEqual(copy)
  })
})

describe('checkVjp (random directions)', () => {
  it('agrees on a large non-scalar output: ⟨J·v,u⟩ = ⟨v,Jᵀ·u⟩', () => {
    const x = input('x', [64, 100])
    const W = param('W', [100, 30])
    const c = param('c', [30])
    const out = sigmoid(add(matmul(x, W), c))
    const b = { x: R.normal(R.key(4), [64, 100]), W: R.normal(R.key(5), [100, 30], 0.1), c: R.normal(R.key(6), [30]) }
    const r = right(checkVjp(out, [W, c, x], b, { directions: 3 }))
    expect(r.numeric).toHaveLength(3)
    expect(r.ok).toBe(true)
    expect(r.maxRelError).toBeLessThan(1e-9)
  })

  it('catches a wrong vjp in a random direction', () => {
    const wrong: OpDef = defineOp({
      name: 'twiceWrong',
      arity: 1,
      kind: 'elementwise',
      shape: ([s]) => s!,
      eval: ([t]) => T.scale(t!, 2),
      vjp: ({ cot }) => [mul(cot, 3)],
      notation: call('twice', '2'),
    })
    const p = param('p', [5])
    const r = right(checkVjp(apply(wrong, [p]) as Expr, [p], { p: R.normal(R.key(7), [5]) }))
    expect(r.ok).toBe(false)
    r.numeric.forEach((n, i) => expect(r.analytic[i]! / n).toBeCloseTo(1.5, 9))
  })

  it('uses given directions', () => {
    const p = param('p', [2])
    const out = mul(p, p)
    const r = right(checkVjp(out, [p], { p: T.of([1, 2]) }, { given: [{ v: [T.of([1, 0])], u: T.of([1, 1]) }] }))
    // d/dt Σ (p + t e₀)² = 2·p₀ = 2
    expect(r.numeric[0]).toBeCloseTo(2, 10)
    expect(r.analytic[0]).toBe(2)
  })
})

export type { GradcheckReport }
