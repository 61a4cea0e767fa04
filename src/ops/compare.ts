/**
 * Comparisons, step, sign and select. Comparisons and step are piecewise constant: their
 * derivative is 0 wherever it exists, which their vjp states by returning zero (null);
 * at the discontinuity there is no derivative and 0 is used. `where` is piecewise constant in
 * its condition, which therefore gets a zero cotangent too, so `where(gt(x, 0), x, 0)` and the
 * second derivatives of maximum and minimum (whose vjps use `where`) can be taken.
 */
import type { Expr, Operand } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'
import { call, defineOp, infix, pairApart, Prec } from './Op.js'
import { type Bin, type Broadcastable, binaryOp, broadcastArgs, unaryOp } from './pointwise.js'

const flat = () => [null, null]
const cmp = (name: 'gt' | 'ge' | 'lt' | 'le' | 'eq', sym: string, latex: string, f: (x: number, y: number) => boolean) =>
  binaryOp({
    name,
    f: (x, y) => (f(x, y) ? 1 : 0),
    vjp: flat,
    notation: infix(sym, latex, 0, 'left'),
    law: pairApart,
    note: 'piecewise constant: derivative 0 away from the boundary, taken as 0 on it',
  })

// ── comparisons ──  1 where true, 0 where false; d = 0 almost everywhere
/** The op record of `gt` (shape rule, evaluation, derivative, printed form, law cases): 1 where true, 0 where false; d = 0 almost everywhere. */
export const gtOp = cmp('gt', '>', '>', (x, y) => x > y)
/** The op record of `ge` (shape rule, evaluation, derivative, printed form, law cases). */
export const geOp = cmp('ge', '≥', '\\geq', (x, y) => x >= y)
/** The op record of `lt` (shape rule, evaluation, derivative, printed form, law cases). */
export const ltOp = cmp('lt', '<', '<', (x, y) => x < y)
/** The op record of `le` (shape rule, evaluation, derivative, printed form, law cases). */
export const leOp = cmp('le', '≤', '\\leq', (x, y) => x <= y)
/** The op record of `eq` (shape rule, evaluation, derivative, printed form, law cases). */
export const eqOp = cmp('eq', '=', '=', (x, y) => x === y)

// ── step ──  Heaviside: 1 for x > 0, else 0 (step(0) = 0); d = 0 almost everywhere
/** The op record of `step` (shape rule, evaluation, derivative, printed form, law cases): Heaviside: 1 for x > 0, else 0 (step(0) = 0); d = 0 almost everywhere. */
export const stepOp = unaryOp({
  name: 'step',
  f: (x) => (x > 0 ? 1 : 0),
  vjp: () => null,
  notation: call('step', 'H'),
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: -2, hi: 2, awayFrom: [0] }] },
  note: 'step(0) = 0; derivative 0 away from 0',
})

// ── sign ──  −1, 0 or 1; d = 0 almost everywhere
/** The op record of `sign` (shape rule, evaluation, derivative, printed form, law cases): −1, 0 or 1; d = 0 almost everywhere. */
export const signOp = unaryOp({
  name: 'sign',
  f: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  vjp: () => null,
  notation: call('sign', '\\operatorname{sign}'),
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: -2, hi: 2, awayFrom: [0] }] },
})

// ── where ──  c ≠ 0 ? a : b;  d = (0, where(c, da, 0), where(c, 0, db)): piecewise constant in c
/** The op record of `where` (shape rule, evaluation, derivative, printed form, law cases): c ≠ 0 ? a : b;  d = (0, where(c, da, 0), where(c, 0, db)): piecewise constant in c. */
export const whereOp = defineOp({
  name: 'where',
  arity: 3,
  kind: 'elementwise',
  lowering: 'elementwise',
  shape: ([c, a, b]) => {
    for (const [i, s] of [c!, b!].entries())
      if (!S.equal(s, a!))
        throw new ShapeError(`where: argument ${i === 0 ? 1 : 3} expected shape ${S.show(a!)} (same as argument 2), got ${S.show(s)}`)
    return a!
  },
  eval: ([c, a, b]) => {
    const out = new Float64Array(a!.data.length)
    for (let i = 0; i < out.length; i++) out[i] = c!.data[i] !== 0 ? a!.data[i]! : b!.data[i]!
    return { shape: a!.shape, data: out }
  },
  vjp: ({ args: [c], cot }) => [null, where(c!, cot, 0), where(c!, 0, cot)],
  notation: call('where', '\\operatorname{where}'),
  law: { cases: [{ shapes: [[3, 4], [3, 4], [3, 4]], attrs: {} }], domain: [{ lo: -1, hi: 1, awayFrom: [0] }, { lo: -2, hi: 2 }, { lo: -2, hi: 2 }] },
  note: 'the untaken branch gets an exact zero gradient (no NaN leaks from it)',
})

/** Builds `gt`: an expression node of the `gtOp` record (1 where true, 0 where false; d = 0 almost everywhere). */
export function gt<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return apply(gtOp, broadcastArgs('gt', a, b)) as Bin<A, B>
}
/** Builds `ge`: an expression node of the `geOp` record. */
export function ge<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return apply(geOp, broadcastArgs('ge', a, b)) as Bin<A, B>
}
/** Builds `lt`: an expression node of the `ltOp` record. */
export function lt<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return apply(ltOp, broadcastArgs('lt', a, b)) as Bin<A, B>
}
/** Builds `le`: an expression node of the `leOp` record. */
export function le<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return apply(leOp, broadcastArgs('le', a, b)) as Bin<A, B>
}
/** Builds `eq`: an expression node of the `eqOp` record. */
export function eq<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return apply(eqOp, broadcastArgs('eq', a, b)) as Bin<A, B>
}
/** Builds `step`: an expression node of the `stepOp` record (Heaviside: 1 for x > 0, else 0 (step(0) = 0); d = 0 almost everywhere). */
export function step<S2 extends Shape>(x: Expr<S2>): Expr<S2> {
  return apply(stepOp, [x]) as Expr<S2>
}
/** Builds `sign`: an expression node of the `signOp` record (−1, 0 or 1; d = 0 almost everywhere). */
export function sign<S2 extends Shape>(x: Expr<S2>): Expr<S2> {
  return apply(signOp, [x]) as Expr<S2>
}
/** Elementwise select: `a` where `cond` is non-zero, else `b` (numbers and broadcasting allowed). */
export function where<S2 extends Shape>(cond: Expr<S2>, a: Operand, b: Operand): Expr<S2> {
  const [c1, a1] = broadcastArgs('where', cond, a)
  const [c2, b1] = broadcastArgs('where', c1, b)
  const [a2] = broadcastArgs('where', a1, c2)
  return apply(whereOp, [c2, a2, b1]) as Expr<S2>
}
