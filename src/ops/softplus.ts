/**
 * softplus(x) = log(1 + eˣ), a smooth relu. Computed as max(x, 0) + log1p(e^−|x|), which neither
 * overflows for large x nor loses small values for very negative x.
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import { call } from './Op.js'
import { mul } from './elementwise.js'
import { unaryOp } from './pointwise.js'
import { sigmoid } from './unary.js'

/** softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so it neither overflows nor loses small values. */
export function softplusScalar(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))
}

// ── softplus ──  d softplus(x) = σ(x)·dx
/** The op record of `softplus` (shape rule, evaluation, derivative, printed form, law cases): d softplus(x) = σ(x)·dx. */
export const softplusOp = unaryOp({
  name: 'softplus',
  f: softplusScalar,
  vjp: ({ args: [x], cot }) => mul(cot, sigmoid(x!)),
  notation: call('softplus', '\\operatorname{softplus}'),
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: -30, hi: 30 }] },
})

/** Builds `softplus`: an expression node of the `softplusOp` record (d softplus(x) = σ(x)·dx). */
export function softplus<S extends Shape>(x: Expr<S>): Expr<S> {
  return apply(softplusOp, [x]) as Expr<S>
}
