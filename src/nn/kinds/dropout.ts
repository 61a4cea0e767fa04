/**
 * Inverted dropout (dropout.ts) keeping each unit with probability `keep`: in train mode it reads
 * the uniform draws `L.u` [N, ...s], a random input bound each step; the inference form drops it.
 */
import { KeepProbability } from '../../core/codecs.js'
import { checkKeep, dropoutTrain } from '../dropout.js'
import { defineLayer, dropLayer, noParams, noState, nothingToInit } from '../LayerDef.js'

/** The spec record of a `dropout` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface Dropout {
  readonly kind: 'dropout'
  readonly keep: number
  readonly name?: string
}

/**
 * How much dropout drops, named: `{ keep: 0.9 }` keeps each unit with probability 0.9, `{ rate: 0.1 }`
 * drops it with probability 0.1 (PyTorch's and Keras's `p`/`rate`); both are the same layer. A bare
 * number is a type error, since it has meant either.
 */
export type DropoutOptions = ({ readonly keep: number; readonly rate?: never } | { readonly rate: number; readonly keep?: never }) & { readonly name?: string }

/** Inverted dropout: `dropout({ keep: 0.8 })` or `dropout({ rate: 0.2 })` (the same layer, stored as its keep probability). */
export function dropout(o: DropoutOptions): Dropout {
  const given = o as { keep?: unknown; rate?: unknown; name?: string }
  if ((given.keep === undefined) === (given.rate === undefined)) throw new RangeError('dropout: give exactly one of { keep } (probability of keeping a unit) and { rate } (probability of dropping it)')
  if (given.rate !== undefined && !(typeof given.rate === 'number' && given.rate >= 0 && given.rate < 1)) throw new RangeError(`dropout: rate (probability of dropping a unit) must be in [0, 1), got ${String(given.rate)}`)
  const keep = given.rate !== undefined ? 1 - (given.rate as number) : (given.keep as number)
  checkKeep(keep, 'dropout')
  return { kind: 'dropout', keep, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const dropoutLayer = defineLayer({
  kind: 'dropout',
  options: { keep: KeepProbability },
  defaults: {},
  prefix: 'dropout',
  params: noParams,
  state: noState,
  outShape: (_, s) => s,
  init: nothingToInit,
  apply: (o, x, { mode, inShape, uniform }) => ({ out: mode === 'test' || o.keep === 1 ? x : dropoutTrain(x, uniform('u', inShape, o.keep), o.keep) }),
  inference: dropLayer,
  describe: (o) => `dropout keep=${o.keep}`,
  example: { options: { keep: 0.7 }, inShape: [2, 3] },
})
