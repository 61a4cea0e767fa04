/**
 * What the preprocessing layers share (center, channelCenter, standardize, pca, pcaWhiten, zca):
 * they hold fitted state and no parameters, fit it with data/preprocess.ts (the one definition of
 * each statistic) on the training rows that reach them, and start as the identity transform until
 * fitted (`train` fits them before the first step: nn/fit.ts).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import type { Expr } from '../../core/Expr.js'
import type { SymgradError } from '../../core/errors.js'
import type { Tensor } from '../../core/Tensor.js'
import * as T from '../../core/Tensor.js'
import { fit, type Spec, type Transform } from '../../data/preprocess.js'
import * as ops from '../../ops/index.js'
import { batchDim } from '../LayerDef.js'
import { size } from './shapes.js'

/** The rows [N, D] of activations [N, ...s] (the same data, no copy). */
export function rowsOf(x: Tensor): Tensor {
  const n = x.shape[0]!
  return { shape: [n, n === 0 ? 0 : x.data.length / n], data: x.data }
}

/** Fits `spec` on the rows of `x` and reads the state from the fitted transform (of the same kind). */
export function fitRows<K extends Spec['kind'], St extends string>(
  spec: Extract<Spec, { readonly kind: K }>, x: Tensor, state: (t: Extract<Transform, { readonly kind: K }>) => { readonly [Q in St]: Tensor },
): Either<SymgradError, { readonly [Q in St]: Tensor }> {
  return E.map((t: Transform) => state(t as Extract<Transform, { readonly kind: K }>))(fit(spec, rowsOf(x)))
}

/** A fitted vector as a tensor of the declared state shape (same entries, row-major). */
export const shaped = (t: Tensor, shape: readonly number[]): Tensor => T.make(shape as number[], t.data)

/** Activations [N, ...s] as rows [N, D] (a reshape only when s has more than one axis). */
export function flatRows(x: Expr, inShape: readonly number[]): Expr {
  return inShape.length === 1 ? x : ops.reshape(x, [batchDim(x), size(inShape)])
}

/** x − ↑mean, the mean broadcast over the batch. */
export function centered(x: Expr, mean: Expr): Expr {
  return ops.sub(x, ops.broadcastTo(mean, x.shape))
}

/** The first k columns of the D×D identity: the state of an unfitted projection. */
export function identityColumns(d: number, k: number): Tensor {
  const data = new Float64Array(d * k)
  for (let i = 0; i < Math.min(d, k); i++) data[i * k + i] = 1
  return { shape: [d, k], data }
}

/** A one-line note of a fitted layer's state for `summary`. */
export const fittedNote = 'fitted on the training data'

/** A fitted layer's `eps` option (its default when absent), checked finite and ≥ 0 at construction. */
export function epsOption(kind: string, eps: number | undefined, fallback: number): number {
  const e = eps ?? fallback
  if (!(Number.isFinite(e) && e >= 0)) throw new RangeError(`${kind}: eps must be a finite number ≥ 0, got ${e}`)
  return e
}
