/**
 * Inverted dropout (dropout.ts) keeping each unit with probability `keep`: in train mode it reads
 * the uniform draws `L.u` [N, ...s], a random input bound each step; the inference form drops it.
 */
import { KeepProbability } from '../../core/codecs.js'
import { checkKeep, dropoutTrain } from '../dropout.js'
import { defineLayer, dropLayer, noParams, noState, nothingToInit } from '../LayerDef.js'

export interface Dropout {
  readonly kind: 'dropout'
  readonly keep: number
  readonly name?: string
}

/** Inverted dropout keeping each unit with probability `keep`. */
export function dropout(keep: number, o: { readonly name?: string } = {}): Dropout {
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
