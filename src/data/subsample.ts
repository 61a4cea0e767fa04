/**
 * A few labelled examples of a larger set, as fine-tuning experiments use them: the first `n`
 * rows of a permutation drawn from `key`, kept in that order. The same key gives the same rows,
 * and the rows for n are the first n of the rows for any larger n.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as R from '../core/Random.js'
import type { Key } from '../core/Random.js'
import { SymgradError } from '../core/errors.js'
import * as D from './Dataset.js'
import type { Dataset } from './Dataset.js'

/** `n` rows of `ds` drawn by `key`; Left when `ds` has fewer than `n` rows or `n` is not a positive integer. */
export function subsample(ds: Dataset, n: number, key: Key): Either<SymgradError, Dataset> {
  const size = D.size(ds)
  if (!(Number.isSafeInteger(n) && n >= 1)) return E.left(new SymgradError('value', `subsample: expected a positive number of examples, got ${n}`))
  if (n > size) return E.left(new SymgradError('value', `subsample: asked for ${n} examples of a set of ${size}`))
  return E.right(D.take(ds, R.permutation(key, size).subarray(0, n)))
}
