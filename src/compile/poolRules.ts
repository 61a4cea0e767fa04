/**
 * A rewrite of the backward pass through max pooling: the mask a relu (or any step of x) puts on
 * the gradient pooling scattered back into x,
 *
 *   step(x) · maxPool2dBackprop(x, g)  →  maxPool2dBackprop(x, g · step(maxPool2d(x)))
 *
 * puts it on the pooled gradient instead, before the scatter: the gradient is nonzero only at
 * each window's argmax k, where x[k] is that window's pooled value, so both sides are the same
 * numbers. The mask then runs over the pooled tensor (a quarter of x for 2×2 windows), the
 * scatter writes the masked gradient directly, and `maxPool2d(x)` is the forward pass's own node.
 * A convnet's relu → pool layer: its backward loop over the activations disappears.
 *
 * The same numbers, a zero's sign aside: where the mask is 0 and g < 0 the original gives
 * 0·(0 + g) = −0 and the rewrite 0 + g·0 = +0 (a sum that adds such a term is unchanged by it).
 * Only for windows that do not overlap (stride ≥ window on both axes), where each input is the
 * argmax of at most one window and the products are of one term each.
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { stepOp } from '../ops/compare.js'
import { mulOp } from '../ops/elementwise.js'
import { maxPool2dBackpropOp, maxPool2dOp, windowOf } from '../ops/pool.js'

/** Windows that never overlap: stride ≥ window on both axes (read as the pooling op reads them). */
function apart(n: Expr): boolean {
  const { window, stride } = windowOf(n.attrs)
  return stride[0] >= window[0] && stride[1] >= window[1]
}

/** A simplifier rule (rules.ts's Rule, which lists this one: spelled here so the two files do not import each other). */
export const stepThroughMaxPool: { readonly name: string; readonly rewrite: (node: Expr) => Expr | undefined } = Object.freeze({ name: 'step(x)·maxPool2dBackprop(x, g) → maxPool2dBackprop(x, g·step(maxPool2d(x)))', rewrite: (n: Expr): Expr | undefined => {
  if (n.op !== mulOp) return undefined
  for (const [s, b] of [[n.args[0]!, n.args[1]!], [n.args[1]!, n.args[0]!]] as const) {
    if (s.op !== stepOp || b.op !== maxPool2dBackpropOp || s.args[0] !== b.args[0] || !S.equal(s.shape, n.shape) || !S.equal(b.shape, n.shape) || !apart(b)) continue
    const [x, g] = b.args as [Expr, Expr]
    return apply(maxPool2dBackpropOp, [x, apply(mulOp, [g, apply(stepOp, [apply(maxPool2dOp, [x], b.attrs)])])], b.attrs)
  }
  return undefined
} })
