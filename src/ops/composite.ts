/**
 * Composites built from primitives: their derivatives come from the primitives' rules.
 * logSoftmax is written with the stable logSumExp primitive (never log(softmax(x))), so it is
 * finite for scores in the thousands.
 */
import type { Expr } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import { sub } from './elementwise.js'
import { broadcastTo, keepShape } from './movement.js'
import { logSumExp } from './reduce.js'
import { exp } from './unary.js'

/** x − logΣexp(x) along `axis` (the last by default). */
export function logSoftmax<S2 extends Shape>(x: Expr<S2>, axis = -1): Expr<S2> {
  const ax = S.normAxes([axis], x.shape.length, 'logSoftmax')
  return sub(x, broadcastTo(keepShape(logSumExp(x, ax), x.shape, ax), x.shape)) as Expr<S2>
}

/** exp(logSoftmax(x)): probabilities along `axis`. */
export function softmax<S2 extends Shape>(x: Expr<S2>, axis = -1): Expr<S2> {
  return exp(logSoftmax(x, axis))
}
