/**
 * Model ensembles: average the predicted class probabilities of several models (trained from
 * different initializations, or checkpoints of one run) and predict the most probable class.
 * Generic over the models: each is a function from a batch of inputs to probabilities [N, C].
 */
import * as E from 'fp-ts/lib/Either.js'
import * as Sh from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { tensorProblem } from '../core/Tensor.js'
import { ShapeError } from '../core/errors.js'

/** A model's predicted class probabilities for a batch: [N, C], rows summing to 1. */
export type PredictProba = (x: Tensor) => Tensor

/** The mean of the models' probabilities for `x`; Left naming the model whose shape differs. */
export function ensembleProba(models: readonly PredictProba[], x: Tensor): E.Either<ShapeError, Tensor> {
  if (models.length === 0) return E.left(new ShapeError('ensembleProba: expected at least one model, got none'))
  const probs = models.map((m) => m(x))
  for (let i = 0; i < probs.length; i++) {
    const bad = tensorProblem(probs[i])
    if (bad !== undefined) return E.left(new ShapeError(`ensembleProba: model ${i} returned no tensor: ${bad}`))
  }
  const p0 = probs[0]!
  if (p0.shape.length !== 2)
    return E.left(new ShapeError(`ensembleProba: model 0 returned ${Sh.show(p0.shape)}, expected probabilities [N, C]`))
  for (let i = 1; i < probs.length; i++)
    if (!Sh.equal(probs[i]!.shape, p0.shape))
      return E.left(new ShapeError(`ensembleProba: model ${i} returned ${Sh.show(probs[i]!.shape)}, expected ${Sh.show(p0.shape)} like model 0`))
  const out = new Float64Array(p0.data.length)
  for (const p of probs) for (let i = 0; i < out.length; i++) out[i] = out[i]! + p.data[i]!
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / probs.length
  return E.right({ shape: [...p0.shape], data: out })
}

/** The ensemble as one model. */
export function ensemble(models: readonly PredictProba[]): (x: Tensor) => E.Either<ShapeError, Tensor> {
  return (x) => ensembleProba(models, x)
}

/** Index of the largest entry of each row of [N, C] (the first one on ties). */
export function argmaxRows(p: Tensor): Int32Array {
  const [n, c] = p.shape as [number, number]
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    let best = 0
    for (let j = 1; j < c; j++) if (p.data[i * c + j]! > p.data[i * c + best]!) best = j
    out[i] = best
  }
  return out
}

/** Fraction of rows whose most probable class equals the label. */
export function accuracy(proba: Tensor, labels: ArrayLike<number>): E.Either<ShapeError, number> {
  const bad = tensorProblem(proba)
  if (bad !== undefined) return E.left(new ShapeError(`accuracy: the probabilities are not a tensor: ${bad}`))
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') return E.left(new ShapeError('accuracy: expected a list of labels'))
  if (proba.shape.length !== 2 || proba.shape[0] !== labels.length)
    return E.left(new ShapeError(`accuracy: probabilities ${Sh.show(proba.shape)} do not match ${labels.length} labels, expected [${labels.length}, C]`))
  const pred = argmaxRows(proba)
  let hit = 0
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) hit++
  return E.right(pred.length === 0 ? 0 : hit / pred.length)
}
