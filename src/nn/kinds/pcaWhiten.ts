/**
 * PCA whitening as a layer: y = (x − μ)·U_k / √(λ_k + ε) (state `L.mean` [D], `L.components`
 * [D, k], `L.variances` [k]), fitted by `train` from the training inputs (data/preprocess.ts); no
 * parameters. Unfitted: μ = 0, U_k the first k unit vectors, variances 1.
 */
import * as T from '../../core/Tensor.js'
import { NonNegativeNumber, PositiveInt } from '../../core/codecs.js'
import { WHITEN_EPS } from '../../data/preprocess.js'
import * as ops from '../../ops/index.js'
import { defineLayer, keepLayer, noParams } from '../LayerDef.js'
import { centered, epsOption, fitRows, fittedNote, flatRows, identityColumns } from './fitted.js'
import { checkK, show, size } from './shapes.js'

/** The spec record of a `pcaWhiten` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface PcaWhiten {
  readonly kind: 'pcaWhiten'
  readonly k: number
  readonly eps: number
  readonly name?: string
}

/** PCA to k dimensions, each divided by √(variance + eps) (fitted by `train`). */
export function pcaWhiten(k: number, o: { readonly eps?: number; readonly name?: string } = {}): PcaWhiten {
  if (!(Number.isSafeInteger(k) && k >= 1)) throw new RangeError(`pcaWhiten: k must be a positive integer, got ${k}`)
  const eps = epsOption('pcaWhiten', o.eps, WHITEN_EPS)
  return { kind: 'pcaWhiten', k, eps, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const pcaWhitenLayer = defineLayer({
  kind: 'pcaWhiten',
  options: { k: PositiveInt, eps: NonNegativeNumber },
  defaults: { eps: WHITEN_EPS },
  prefix: 'pcaw',
  params: noParams,
  state: (o, s) => ({ mean: [size(s)], components: [size(s), o.k], variances: [o.k] }),
  outShape: (o, s) => (checkK('pcaWhiten', o.k, s), [o.k]),
  init: (o, _key, { state }) => ({ params: {}, state: { mean: T.zeros(state.mean), components: identityColumns(state.mean[0]!, o.k), variances: T.ones([o.k]) } }),
  apply: (o, x, { state, inShape }) => {
    const y = ops.matmul(centered(flatRows(x, inShape), state.mean), state.components)
    return { out: ops.div(y, ops.broadcastTo(ops.sqrt(ops.add(state.variances, o.eps)), y.shape)) }
  },
  inference: keepLayer,
  fit: (o, x) => fitRows({ kind: 'pcaWhiten', k: o.k, eps: o.eps }, x, (t) => ({ mean: t.mean, components: t.components, variances: t.variances })),
  describe: (o, s) => `pca whiten (x − mean)·U/√(λ + ${o.eps}), ${show(s)}→[N,${o.k}] (${fittedNote})`,
  example: { options: { k: 2, eps: WHITEN_EPS }, inShape: [3] },
})
