/**
 * Classification metrics over plain tensors: row-wise argmax and accuracy.
 */
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { ShapeError } from '../core/errors.js'

/** Index of the largest entry of each row of a [N, C] tensor, as a [N] tensor (first on ties). */
export function argmax(scores: Tensor): Tensor {
  if (scores.shape.length !== 2 || scores.shape[1] === 0)
    throw new ShapeError(`argmax: expected scores of shape [N, C] with C ≥ 1, got ${S.show(scores.shape)}`)
  const [n, c] = scores.shape as [number, number]
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let best = 0
    let bv = scores.data[i * c]!
    for (let j = 1; j < c; j++) {
      const v = scores.data[i * c + j]!
      // NaN never wins, so a NaN row keeps index 0 unless a later entry is a number
      if (v > bv || (Number.isNaN(bv) && !Number.isNaN(v))) {
        bv = v
        best = j
      }
    }
    out[i] = best
  }
  return { shape: [n], data: out }
}

/** Fraction of rows whose argmax equals the label: scores [N, C], labels [N]. NaN for N = 0. */
export function accuracy(scores: Tensor, labels: Tensor): number {
  const n = scores.shape[0]
  if (labels.shape.length !== 1 || labels.shape[0] !== n)
    throw new ShapeError(`accuracy: labels must have shape [${n}] to match scores ${S.show(scores.shape)}, got ${S.show(labels.shape)}`)
  const pred = argmax(scores)
  let hits = 0
  for (let i = 0; i < pred.data.length; i++) if (pred.data[i] === labels.data[i]) hits++
  return hits / pred.data.length
}
