/**
 * Standardization as a layer: y = (x − μ)/σ per feature (state `L.mean`, `L.std`, shape of one
 * example), fitted by `train` from the training inputs (σ ≤ eps is replaced by 1, data/preprocess.ts);
 * no parameters. Unfitted, μ = 0 and σ = 1.
 */
import * as T from '../../core/Tensor.js'
import { NonNegativeNumber } from '../../core/codecs.js'
import { STD_EPS } from '../../data/preprocess.js'
import * as ops from '../../ops/index.js'
import { defineLayer, keepLayer, noParams } from '../LayerDef.js'
import { centered, epsOption, fitRows, fittedNote, shaped } from './fitted.js'
import { size } from './shapes.js'

/** The spec record of a `standardize` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface Standardize {
  readonly kind: 'standardize'
  readonly eps: number
  readonly name?: string
}

/** (x − mean)/std per feature, both fitted by `train`; a std ≤ eps counts as 1. */
export function standardize(o: { readonly eps?: number; readonly name?: string } = {}): Standardize {
  const eps = epsOption('standardize', o.eps, STD_EPS)
  return { kind: 'standardize', eps, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const standardizeLayer = defineLayer({
  kind: 'standardize',
  options: { eps: NonNegativeNumber },
  defaults: { eps: STD_EPS },
  prefix: 'std',
  params: noParams,
  state: (_, s) => ({ mean: s, std: s }),
  outShape: (_, s) => s,
  init: (_o, _key, { state }) => ({ params: {}, state: { mean: T.zeros(state.mean), std: T.ones(state.std) } }),
  apply: (_, x, { state }) => ({ out: ops.div(centered(x, state.mean), ops.broadcastTo(state.std, x.shape)) }),
  inference: keepLayer,
  fit: (o, x, { state }) => fitRows({ kind: 'standardize', eps: o.eps }, x, (t) => ({ mean: shaped(t.mean, state.mean), std: shaped(t.std, state.std) })),
  describe: (o, s) => `standardize (x − mean)/std (${size(s)} features, std ≤ ${o.eps} as 1, ${fittedNote})`,
  example: { options: { eps: STD_EPS }, inShape: [3] },
})

