/**
 * Classification losses from raw scores [N, C] and integer labels [N] (float64 tensors holding
 * integers in [0, C)), averaged over the batch. Both are composites of registry ops.
 *
 * Softmax cross-entropy needs no fused primitive: it is −logSoftmax(s)[y], and logSoftmax is built
 * on the stable logSumExp primitive (max-shifted), so scores in the thousands give finite losses
 * and gradients (softmax(s) − onehot(y), from exp(s − lse(s))).
 */
import type { Expr } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'
import * as ops from '../ops/index.js'

function classes(scores: Expr, labels: Expr, where: string): number {
  const [n, c] = scores.shape
  if (scores.shape.length !== 2 || typeof c !== 'number')
    throw new ShapeError(`${where}: argument 1 expected scores [N,C] with a numeric C, got ${S.show(scores.shape)}`)
  if (labels.shape.length !== 1 || labels.shape[0] !== n)
    throw new ShapeError(`${where}: argument 2 expected labels [${String(n)}], got ${S.show(labels.shape)}`)
  return c
}

/** Per-example margins max(0, s_j − s_{y_i} + Δ) for j ≠ y_i (0 at j = y_i), shape [N, C]. */
export function svmMargins(scores: Expr, labels: Expr, delta = 1): Expr {
  const c = classes(scores, labels, 'svmMargins')
  const n = scores.shape[0]!
  const correct = ops.broadcastTo(ops.reshape(ops.gatherLabel(scores, labels), [n, 1]), scores.shape)
  const hinge = ops.relu(ops.add(ops.sub(scores, correct), delta))
  return ops.mul(hinge, ops.sub(1, ops.oneHot(labels, c)))
}

/**
 * Multiclass SVM (Weston–Watkins): mean over i of Σ_{j≠y_i} max(0, s_j − s_{y_i} + Δ), Δ = 1 by
 * default. Exactly 0 when every margin is satisfied. At a margin of exactly 0 the hinge takes
 * relu'(0) = 0.
 */
export function svmLoss(scores: Expr, labels: Expr, delta = 1): Expr<[]> {
  return ops.mean(ops.sum(svmMargins(scores, labels, delta), [1]))
}

/** Per-example −log softmax(s_i)[y_i], shape [N]. */
export function softmaxCrossEntropyPerExample(scores: Expr, labels: Expr): Expr {
  classes(scores, labels, 'softmaxCrossEntropy')
  return ops.neg(ops.gatherLabel(ops.logSoftmax(scores, 1), labels))
}

/** Softmax cross-entropy from raw scores, mean over the batch; stable for scores in the thousands. */
export function softmaxCrossEntropy(scores: Expr, labels: Expr): Expr<[]> {
  return ops.mean(softmaxCrossEntropyPerExample(scores, labels))
}

/** Fraction of rows whose largest score is at the label (ties count as wrong unless unique). */
export function accuracy(scores: Expr, labels: Expr): Expr<[]> {
  classes(scores, labels, 'accuracy')
  const n = scores.shape[0]!
  const best = ops.broadcastTo(ops.reshape(ops.max(scores, [1]), [n, 1]), scores.shape)
  const atMax = ops.eq(scores, best)
  const unique = ops.eq(ops.sum(atMax, [1]), 1)
  return ops.mean(ops.mul(ops.gatherLabel(atMax, labels), unique))
}
