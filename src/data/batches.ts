/**
 * Minibatches with a seeded shuffle per epoch. The order of epoch e is
 * `permutation(foldIn(key, e), N)`: the same key and epoch always give the same batches, a new
 * epoch gives a new order, and no state is carried between calls.
 *
 * Last partial batch: with `remainder: 'keep'` (the default) the last batch holds the N mod B
 * examples left over, so every example appears exactly once per epoch; with `'drop'` it is left
 * out, so every batch has exactly B rows (and a different few examples sit out each epoch).
 */
import * as R from '../core/Random.js'
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import * as D from './Dataset.js'
import type { Dataset } from './Dataset.js'

/** One minibatch: its rows and labels, and the indices they came from. */
export interface Batch {
  /** [B, D] features. */
  readonly x: Tensor
  /** [B] labels. */
  readonly y: Tensor
  /** Row numbers in the dataset, in batch order. */
  readonly indices: Int32Array
}

/** Whether each epoch is shuffled and what happens to a short last batch. */
export interface BatchOptions {
  /** What to do with the last batch when B does not divide N. Default 'keep'. */
  readonly remainder?: 'keep' | 'drop'
  /** Shuffle each epoch (default true); false keeps the dataset order (e.g. for evaluation). */
  readonly shuffle?: boolean
}

/** A lazy, re-iterable list of batches: each batch is gathered when it is asked for. */
export interface Batches extends Iterable<Batch> {
  /** The number of batches in the epoch. */
  readonly length: number
  /** Batch i (0 ≤ i < length), gathered now; throws a RangeError outside that range. */
  readonly at: (i: number) => Batch
  /** The row numbers of batch i (a fresh copy), without gathering it; throws a RangeError outside 0 ≤ i < length. */
  readonly rows: (i: number) => Int32Array
}

/** The order of the N examples in epoch `epoch`. */
export function epochOrder(n: number, key: Key, epoch: number): Int32Array {
  return R.permutation(R.foldIn(key, epoch), n)
}

function checkSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batches: batchSize must be a positive integer, got ${batchSize}`)
}

/** How many batches one epoch of `n` examples has. */
export function countBatches(n: number, batchSize: number, remainder: 'keep' | 'drop' = 'keep'): number {
  checkSize(batchSize)
  return remainder === 'keep' ? Math.ceil(n / batchSize) : Math.floor(n / batchSize)
}

/** The row numbers of each batch of epoch `epoch`. */
export function batchIndices(n: number, batchSize: number, key: Key, epoch: number, options: BatchOptions = {}): Int32Array[] {
  const count = countBatches(n, batchSize, options.remainder)
  const order = options.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : epochOrder(n, key, epoch)
  const out: Int32Array[] = []
  for (let b = 0; b < count; b++) out.push(order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize)))
  return out
}

/** The minibatches of epoch `epoch` of `ds`; see the module note for the last-batch policy. */
export function batches(ds: Dataset, batchSize: number, key: Key, epoch: number, options: BatchOptions = {}): Batches {
  const idx = batchIndices(D.size(ds), batchSize, key, epoch, options)
  const indices = (i: number): Int32Array => {
    const ix = idx[i]
    if (ix === undefined) throw new RangeError(`batches: batch ${i} out of range 0..${idx.length - 1}`)
    return ix
  }
  const at = (i: number): Batch => {
    const ix = indices(i)
    const part = D.take(ds, ix)
    return { x: part.x, y: part.y, indices: ix.slice() }
  }
  return {
    length: idx.length,
    at,
    rows: (i) => indices(i).slice(),
    *[Symbol.iterator]() {
      for (let i = 0; i < idx.length; i++) yield at(i)
    },
  }
}
