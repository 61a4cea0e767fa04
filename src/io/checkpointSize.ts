/**
 * How many bytes a checkpoint will take, estimated from above before a run starts, so that a run
 * whose checkpoint cannot fit on the disk is refused at once rather than at its final write. A
 * checkpoint (records/checkpoint.ts) holds each parameter four times (params, best params, up to two
 * optimizer buffers) and the model state twice, as base64 of float64 (4/3 of 8 bytes a number),
 * plus the training history: every epoch record, and the per-step lists (loss, data loss, learning
 * rate and one update ratio per parameter tensor) thinned to at most HISTORY_POINTS points each
 * (records/checkpoint.ts, compactHistory), each point counted as a JSON number of at most 24
 * characters and a comma (it is written as base64 of float64, about 11). Pure.
 */

/** At most this many points per per-step list in a checkpoint (compactHistory thins to it). */
export const HISTORY_POINTS = 128

export interface CheckpointSizeInput {
  readonly paramShapes: Readonly<Record<string, readonly number[]>>
  readonly stateShapes: Readonly<Record<string, readonly number[]>>
  /** Steps the whole run takes (its history starts at step 0, also when resumed). */
  readonly steps: number
  readonly epochs: number
}

/** The longest JSON a float64 prints as (`-2.2250738585072014e-308`) and its comma. */
const NUMBER_BYTES = 25
/** An epoch record `{"epoch":…,"step":…,"meanLoss":…,"trainAccuracy":…,"validationAccuracy":…}`. */
const EPOCH_BYTES = 200
/** A tensor's shape, name and keys around its base64. */
const TENSOR_OVERHEAD = 200

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)

/** An upper estimate of a checkpoint's bytes (the spec, run config and key fit in the fixed 64 KiB). */
export function checkpointSizeEstimate(c: CheckpointSizeInput): number {
  const base64 = (n: number) => Math.ceil(n / 3) * 4
  let tensors = 0
  for (const s of Object.values(c.paramShapes)) tensors += 4 * (base64(8 * size(s)) + TENSOR_OVERHEAD)
  for (const s of Object.values(c.stateShapes)) tensors += 2 * (base64(8 * size(s)) + TENSOR_OVERHEAD)
  const perStep = (3 + Object.keys(c.paramShapes).length) * NUMBER_BYTES
  return tensors + Math.min(c.steps, HISTORY_POINTS) * perStep + c.epochs * EPOCH_BYTES + (1 << 16)
}
