/**
 * The inputs of one training step: batch `i` of an epoch's batches, its features augmented when the
 * run augments. With an augmentation that has a gathered form (`randomShift` has), the rows are
 * taken from the training matrix and augmented in one pass into one fresh tensor; otherwise the
 * batch is gathered and then augmented. Both give the same bits (test/train-batch-input.test.ts).
 * The tensors are fresh every step, unless `scratch` is given: then a gathered form writes x into
 * `scratch(length, kind)`, bytes for rows stored as bytes (core/ByteTensor.ts), else float64 (the
 * fold passes buffers it reuses for the step it is taking, read before the next step's batch is
 * asked for).
 */
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import type { Batches } from '../data/batches.js'
import type { Dataset } from '../data/Dataset.js'
import type { Augment } from './augment.js'
import { ByteTensor } from '../core/ByteTensor.js'

/** A buffer of `length` numbers of a kind: the one a step's batch is gathered into. */
export type Scratch = {
  (length: number, kind: 'bytes'): Uint8Array
  (length: number, kind: 'floats'): Float64Array
}

/** Batch `i` of `bs` (batches of `ds`) as features x [B, D] and labels y [B], x augmented from `key` when `augment` is given. */
export function stepBatch(ds: Dataset, bs: Batches, i: number, augment: Augment | undefined, key: Key, scratch?: Scratch): { readonly x: Tensor; readonly y: Tensor } {
  if (augment === undefined) return bs.at(i)
  if (augment.gathered === undefined) {
    const b = bs.at(i)
    return { x: augment(b.x, key), y: b.y }
  }
  const rows = bs.rows(i)
  const y = new Float64Array(rows.length)
  for (let r = 0; r < rows.length; r++) y[r] = ds.y.data[rows[r]!]!
  const n = rows.length * ds.x.shape[1]!
  const into = scratch === undefined ? undefined : ds.x instanceof ByteTensor ? scratch(n, 'bytes') : scratch(n, 'floats')
  return { x: augment.gathered(ds.x, rows, key, into), y: { shape: [rows.length], data: y } }
}
