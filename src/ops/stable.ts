/**
 * Stable primitives the simplifier's stable rewrites (compile/stableRules.ts) introduce:
 * log1p and expm1 keep every digit near 0, where log(1 + x) and eˣ − 1 cancel; norm is the
 * Euclidean norm over axes, computed scaled by the largest |x| (no overflow for |x| > 1e154) and
 * with the gradient 0 at the zero vector, where √(Σx²) has an infinite one.
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Concrete, Reduced, Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { axesAttr, call, defineOp, showAxes } from './Op.js'
import { Attr } from './attrs.js'
import { add, div, mul } from './elementwise.js'
import { eq, where } from './compare.js'
import { exp } from './unary.js'
import { unaryOp } from './pointwise.js'
import { broadcastTo, forEachOffset, keepShape, reducedStrides } from './movement.js'
import { allAxes, reduceShape } from './reduce.js'

// ── log1p ──  log(1 + x), exact for small x;  d log1p x = dx / (1 + x)   (domain x > −1)
/** The op record of `log1p`: log(1 + x) without the rounding of 1 + x for small x; d = 1/(1 + x), domain x > −1. */
export const log1pOp = unaryOp({
  name: 'log1p',
  f: Math.log1p,
  vjp: ({ args: [x], cot }) => div(cot, add(1, x!)),
  notation: call('log1p', '\\operatorname{log1p}'),
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: -0.9, hi: 5 }] },
})

// ── expm1 ──  eˣ − 1, exact for small x;  d expm1 x = eˣ·dx
/** The op record of `expm1`: eˣ − 1 without the cancellation of eˣ − 1 near x = 0; d = eˣ. */
export const expm1Op = unaryOp({
  name: 'expm1',
  f: Math.expm1,
  vjp: ({ args: [x], cot }) => mul(cot, exp(x!)),
  notation: call('expm1', '\\operatorname{expm1}'),
})

/** ‖x‖ over the axes of `x` (row-major groups), scaled by the group's largest |x|. */
export function normData(x: Tensor, axes: readonly number[], outShape: Concrete): Float64Array {
  const st = reducedStrides(x.shape, axes)
  const big = new Float64Array(S.size(outShape))
  forEachOffset(x.shape, st, (i, off) => (big[off] = Math.max(big[off]!, Math.abs(x.data[i]!))))
  const acc = new Float64Array(big.length)
  forEachOffset(x.shape, st, (i, off) => {
    const m = big[off]!
    const v = m === 0 || !Number.isFinite(m) ? x.data[i]! : x.data[i]! / m
    acc[off] = acc[off]! + v * v
  })
  for (let j = 0; j < acc.length; j++) {
    const m = big[j]!
    acc[j] = m === 0 || !Number.isFinite(m) ? Math.sqrt(acc[j]!) : m * Math.sqrt(acc[j]!)
  }
  return acc
}

// ── norm ──  ‖x‖ = √(Σx²) over axes;  d‖x‖ = x/‖x‖·cot, and 0 at the zero vector (a subgradient)
/** The op record of `norm`: ‖x‖ = √(Σx²) over axes, with the subgradient 0 at the zero vector. */
export const normOp = defineOp({
  name: 'norm',
  arity: 1,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: Attr.record({ axes: Attr.axes }),
  shape: reduceShape('norm'),
  eval: ([x], { attrs, outShape }) => ({ shape: outShape, data: normData(x!, axesAttr(attrs), outShape) }),
  vjp: ({ args: [x], attrs, out, cot }) => {
    const ax = axesAttr(attrs)
    const up = (e: Expr) => broadcastTo(keepShape(e, x!.shape, ax), x!.shape)
    // where ‖x‖ = 0, x is 0 too: dividing by 1 there gives the gradient 0, never 0/0
    const safe = where(eq(out, 0), 1, out)
    return [mul(div(x!, up(safe)), up(cot))]
  },
  notation: call('norm', '\\operatorname{norm}', showAxes),
  law: { cases: [{ shapes: [[3, 4]], attrs: { axes: [1] } }, { shapes: [[2, 3, 4]], attrs: { axes: [0, 2] } }, { shapes: [[3, 4]], attrs: { axes: [0, 1] } }] },
  note: 'the gradient at the zero vector is 0 (a subgradient), not √(Σx²)\'s infinite one',
})

/** log(1 + x), accurate for small x. */
export function log1p<S2 extends Shape>(x: Expr<S2>): Expr<S2> {
  return apply(log1pOp, [x]) as Expr<S2>
}
/** eˣ − 1, accurate for small x. */
export function expm1<S2 extends Shape>(x: Expr<S2>): Expr<S2> {
  return apply(expm1Op, [x]) as Expr<S2>
}
/** ‖x‖ over `axes` (all axes by default); the axes are removed from the shape. */
export function norm<S2 extends Shape, const A extends readonly number[] = []>(x: Expr<S2>, axes?: A): Expr<A extends [] ? [] : Reduced<S2, A>> {
  const ax = axes === undefined ? allAxes(x) : S.normAxes(axes, x.shape.length, 'norm')
  return apply(normOp, [x], { axes: ax }) as never
}
