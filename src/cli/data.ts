/** The datasets a RunConfig names, split and preprocessed (Node: MNIST is read from the `mnist` package). */
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../core/Random.js'
import type { SymgradError } from '../core/errors.js'
import { spiral, xor } from '../data/datasets.js'
import { fitApply } from '../data/preprocess.js'
import { sizesFromFractions, split, type Splits } from '../data/split.js'
import { loadBundledMnistSplits } from '../io/mnist.js'
import type { RunConfig } from '../train/config.js'

export interface LoadedData extends Splits {
  /** Per-example image shape [H, W, C] when the rows are images. */
  readonly image?: readonly [number, number, number]
}

let mnistCache: Splits | undefined

export function loadData(c: Pick<RunConfig, 'data' | 'preprocess' | 'seed'>): E.Either<SymgradError, LoadedData> {
  let raw: E.Either<SymgradError, Splits>
  if (c.data === 'mnist') {
    raw = mnistCache ? E.right(mnistCache) : loadBundledMnistSplits()
    if (E.isRight(raw)) mnistCache = raw.right
  } else if (c.data === 'spiral') {
    // the dataset is fixed (key 0) so that seeds change the run, not the problem
    const ds = spiral(R.key(0), { classes: 3, perClass: 200 })
    raw = split(ds, R.key(1), sizesFromFractions(600, { train: 0.7, validation: 0.15, test: 0.15 }))
  } else {
    const ds = xor()
    raw = E.right({ train: ds, validation: ds, test: ds })
  }
  if (E.isLeft(raw)) return raw
  const pre = c.preprocess === 'none' ? E.right(raw.right) : fitApply({ kind: c.preprocess }, raw.right)
  if (E.isLeft(pre)) return pre
  const s = pre.right
  const image = c.data === 'mnist' ? ([28, 28, 1] as const) : undefined
  return E.right({ train: s.train, validation: s.validation, test: s.test, ...(image ? { image } : {}) })
}
