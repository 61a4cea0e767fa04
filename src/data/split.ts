/**
 * Train / validation / test splits from a PRNG key: one permutation of the rows, cut in three.
 * The same key and sizes always give the same split; the three parts never share an example.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as R from '../core/Random.js'
import type { Key } from '../core/Random.js'
import { SymgradError } from '../core/errors.js'
import * as D from './Dataset.js'
import type { Dataset } from './Dataset.js'

/** Example counts of each part. Rows beyond train + validation + test are left out. */
export interface SplitSizes {
  readonly train: number
  readonly validation: number
  readonly test: number
}

/** A data set split three ways: train, validation and test. */
export interface Splits {
  readonly train: Dataset
  readonly validation: Dataset
  readonly test: Dataset
}

/**
 * Counts from fractions of `n`, e.g. {train: 0.8, validation: 0.1, test: 0.1}. Validation and
 * test are floored; train gets the rest when the fractions sum to 1, otherwise it is rounded and
 * capped so the sum never exceeds n.
 */
export function sizesFromFractions(n: number, f: SplitSizes): SplitSizes {
  const validation = Math.floor(n * f.validation)
  const test = Math.floor(n * f.test)
  const rest = n - validation - test
  const whole = Math.abs(f.train + f.validation + f.test - 1) < 1e-9
  const train = whole ? rest : Math.max(0, Math.min(rest, Math.round(n * f.train)))
  return { train, validation, test }
}

/** The rows `permutation(key, N)` puts first go to train, then validation, then test. */
export function split(ds: Dataset, key: Key, sizes: SplitSizes): Either<SymgradError, Splits> {
  const n = D.size(ds)
  const parts = [sizes.train, sizes.validation, sizes.test]
  if (!parts.every((p) => Number.isInteger(p) && p >= 0))
    return E.left(new SymgradError('value', `split '${ds.name}': sizes must be non-negative integers, got ${parts.join('/')}`))
  const total = sizes.train + sizes.validation + sizes.test
  if (total > n)
    return E.left(
      new SymgradError('value', `split '${ds.name}': train+validation+test = ${total} exceeds the ${n} examples available`),
    )
  const p = R.permutation(key, n)
  const a = sizes.train
  const b = a + sizes.validation
  return E.right({
    train: D.take(ds, p.subarray(0, a), `${ds.name}/train`),
    validation: D.take(ds, p.subarray(a, b), `${ds.name}/validation`),
    test: D.take(ds, p.subarray(b, total), `${ds.name}/test`),
  })
}

/**
 * A published train / test pair with the last `validation` training rows held out for
 * validation. The parts are views of the given tensors (no copy), so a 60,000-image set stays
 * one array of pixels.
 */
export function holdOut(train: Dataset, test: Dataset, validation: number): Either<SymgradError, Splits> {
  const n = D.size(train)
  if (!Number.isInteger(validation) || validation < 0 || validation >= n)
    return E.left(new SymgradError('value', `holdOut '${train.name}': validation must be an integer in 0..${n - 1}, got ${validation}`))
  const cut = n - validation
  return E.right({
    train: D.rowRange(train, 0, cut, `${train.name}/train`),
    validation: D.rowRange(train, cut, n, `${train.name}/validation`),
    test: { ...test, name: `${test.name}/test` },
  })
}
