/**
 * Zero-centring as a layer: y = x − μ with μ the mean training example (state `L.mean`, shape of
 * one example), fitted by `train` from the training inputs; no parameters. Unfitted, μ = 0.
 */
import * as T from '../../core/Tensor.js'
import { defineLayer, keepLayer, noParams } from '../LayerDef.js'
import { centered, fitRows, fittedNote, shaped } from './fitted.js'
import { size } from './shapes.js'

/** The spec record of a `center` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface Center {
  readonly kind: 'center'
  readonly name?: string
}

/** Subtracts the mean training example (fitted by `train`). */
export function center(o: { readonly name?: string } = {}): Center {
  return { kind: 'center', ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const centerLayer = defineLayer({
  kind: 'center',
  options: {},
  defaults: {},
  prefix: 'center',
  params: noParams,
  state: (_, s) => ({ mean: s }),
  outShape: (_, s) => s,
  init: (_o, _key, { state }) => ({ params: {}, state: { mean: T.zeros(state.mean) } }),
  apply: (_, x, { state }) => ({ out: centered(x, state.mean) }),
  inference: keepLayer,
  fit: (_, x, { state }) => fitRows({ kind: 'center' }, x, (t) => ({ mean: shaped(t.mean, state.mean) })),
  describe: (_, s) => `center x − mean (${size(s)} means, ${fittedNote})`,
  example: { options: {}, inShape: [3] },
})
