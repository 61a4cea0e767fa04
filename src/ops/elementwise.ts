/**
 * Elementwise arithmetic. Each op's Jacobian is diagonal, so its vjp is an elementwise product
 * with the cotangent; no Jacobian is ever built. Builders broadcast their arguments explicitly
 * (numpy rules) so the primitives see equal shapes.
 */
import type { Expr, Operand } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import { call, infix, pairApart, Prec } from './Op.js'
import { Attr } from './attrs.js'
import { type Bin, type Broadcastable, bin, binaryOp, unaryOp } from './pointwise.js'
import { ge, le, sign, where } from './compare.js'

// ── add ──  d(a+b) = da + db
/** The op record of `add` (shape rule, evaluation, derivative, printed form, law cases): d(a+b) = da + db. */
export const addOp = binaryOp({
  name: 'add',
  f: (x, y) => x + y,
  vjp: ({ cot }) => [cot, cot],
  notation: infix('+', '+', Prec.add, 'both'),
})
// ── sub ──  d(a−b) = da − db
/** The op record of `sub` (shape rule, evaluation, derivative, printed form, law cases): d(a−b) = da − db. */
export const subOp = binaryOp({
  name: 'sub',
  f: (x, y) => x - y,
  vjp: ({ cot }) => [cot, neg(cot)],
  notation: infix('−', '-', Prec.add, 'left'),
})
// ── mul ──  d(a·b) = b·da + a·db
/** The op record of `mul` (shape rule, evaluation, derivative, printed form, law cases): d(a·b) = b·da + a·db. */
export const mulOp = binaryOp({
  name: 'mul',
  f: (x, y) => x * y,
  vjp: ({ args: [a, b], cot }) => [mul(cot, b!), mul(a!, cot)],
  notation: infix('·', '\\cdot', Prec.mul, 'both'),
})
// ── div ──  d(a/b) = da/b − (a/b)·db/b
/** The op record of `div` (shape rule, evaluation, derivative, printed form, law cases): d(a/b) = da/b − (a/b)·db/b. */
export const divOp = binaryOp({
  name: 'div',
  f: (x, y) => x / y,
  vjp: ({ args: [, b], out, cot }) => [div(cot, b!), neg(div(mul(cot, out), b!))],
  notation: infix('/', '/', Prec.mul, 'left'),
  law: { cases: [{ shapes: [[3, 4], [3, 4]], attrs: {} }], domain: [{ lo: -2, hi: 2 }, { lo: 0.5, hi: 2 }] },
})
// ── maximum ──  d max(a,b) = da where a ≥ b, else db (ties go to the first argument)
/** The op record of `maximum` (shape rule, evaluation, derivative, printed form, law cases): d max(a,b) = da where a ≥ b, else db (ties go to the first argument). */
export const maximumOp = binaryOp({
  name: 'maximum',
  f: Math.max,
  vjp: ({ args: [a, b], cot }) => {
    const c = ge(a!, b!)
    return [where(c, cot, 0), where(c, 0, cot)]
  },
  notation: call('max', '\\max'),
  law: pairApart,
  note: 'at a tie the whole gradient goes to the first argument',
})
// ── minimum ──  d min(a,b) = da where a ≤ b, else db (ties go to the first argument)
/** The op record of `minimum` (shape rule, evaluation, derivative, printed form, law cases): d min(a,b) = da where a ≤ b, else db (ties go to the first argument). */
export const minimumOp = binaryOp({
  name: 'minimum',
  f: Math.min,
  vjp: ({ args: [a, b], cot }) => {
    const c = le(a!, b!)
    return [where(c, cot, 0), where(c, 0, cot)]
  },
  notation: call('min', '\\min'),
  law: pairApart,
  note: 'at a tie the whole gradient goes to the first argument',
})
// ── neg ──  d(−a) = −da
/** The op record of `neg` (shape rule, evaluation, derivative, printed form, law cases): d(−a) = −da. */
export const negOp = unaryOp({
  name: 'neg',
  f: (x) => -x,
  vjp: ({ cot }) => neg(cot),
  notation: { form: 'prefix', symbol: '−', latex: '-', prec: Prec.neg },
})
// ── square ──  d a² = 2a·da
/** The op record of `square` (shape rule, evaluation, derivative, printed form, law cases): d a² = 2a·da. */
export const squareOp = unaryOp({
  name: 'square',
  f: (x) => x * x,
  vjp: ({ args: [a], cot }) => mul(cot, mul(2, a!)),
  notation: { form: 'postfix', symbol: '²', latex: '^{2}' },
})
// ── pow ──  d aᵖ = p·aᵖ⁻¹·da, for a constant exponent p (inputs drawn positive)
/** The op record of `pow` (shape rule, evaluation, derivative, printed form, law cases): d aᵖ = p·aᵖ⁻¹·da, for a constant exponent p (inputs drawn positive). */
export const powOp = unaryOp({
  name: 'pow',
  f: (x, a) => Math.pow(x, a['p'] as number),
  attrs: Attr.record({ p: Attr.number }),
  vjp: ({ args: [a], attrs, cot }) => {
    const p = attrs['p'] as number
    return mul(cot, mul(p, pow(a!, p - 1)))
  },
  notation: call('pow', '\\operatorname{pow}', (a) => `p=${a['p']}`),
  law: { cases: [{ shapes: [[3, 4]], attrs: { p: 3 } }, { shapes: [[5]], attrs: { p: -1.5 } }], domain: [{ lo: 0.2, hi: 3 }] },
})
// ── abs ──  d|a| = sign(a)·da; at 0 the derivative is taken as 0
/** The op record of `abs` (shape rule, evaluation, derivative, printed form, law cases): d|a| = sign(a)·da; at 0 the derivative is taken as 0. */
export const absOp = unaryOp({
  name: 'abs',
  f: Math.abs,
  vjp: ({ args: [a], cot }) => mul(cot, sign(a!)),
  notation: call('abs', '\\operatorname{abs}'),
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: -2, hi: 2, awayFrom: [0] }] },
  note: "abs'(0) = 0",
})

/** Builds `add`: an expression node of the `addOp` record (d(a+b) = da + db). */
export function add<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return bin(addOp, a, b)
}
/** Builds `sub`: an expression node of the `subOp` record (d(a−b) = da − db). */
export function sub<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return bin(subOp, a, b)
}
/** Builds `mul`: an expression node of the `mulOp` record (d(a·b) = b·da + a·db). */
export function mul<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return bin(mulOp, a, b)
}
/** Builds `div`: an expression node of the `divOp` record (d(a/b) = da/b − (a/b)·db/b). */
export function div<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return bin(divOp, a, b)
}
/** Builds `maximum`: an expression node of the `maximumOp` record (d max(a,b) = da where a ≥ b, else db (ties go to the first argument)). */
export function maximum<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return bin(maximumOp, a, b)
}
/** Builds `minimum`: an expression node of the `minimumOp` record (d min(a,b) = da where a ≤ b, else db (ties go to the first argument)). */
export function minimum<A extends Operand, B extends Operand>(a: A, b: B & Broadcastable<A, B>): Bin<A, B> {
  return bin(minimumOp, a, b)
}
/** Builds `neg`: an expression node of the `negOp` record (d(−a) = −da). */
export function neg<S2 extends Shape>(x: Expr<S2>): Expr<S2> {
  return apply(negOp, [x]) as Expr<S2>
}
/** Builds `square`: an expression node of the `squareOp` record (d a² = 2a·da). */
export function square<S2 extends Shape>(x: Expr<S2>): Expr<S2> {
  return apply(squareOp, [x]) as Expr<S2>
}
/** xᵖ for a constant exponent p (p = 2 is `square`, p = 0.5 is `sqrt`). */
export function pow<S2 extends Shape>(x: Expr<S2>, p: number): Expr<S2> {
  if (p === 1) return x
  return apply(powOp, [x], { p }) as Expr<S2>
}
/** Builds `abs`: an expression node of the `absOp` record (d|a| = sign(a)·da; at 0 the derivative is taken as 0). */
export function abs<S2 extends Shape>(x: Expr<S2>): Expr<S2> {
  return apply(absOp, [x]) as Expr<S2>
}
