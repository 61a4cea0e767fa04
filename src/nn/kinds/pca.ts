/**
 * PCA as a layer: y = (x − μ)·U_k, the rows projected on the top-k eigenvectors of the training
 * covariance (state `L.mean` [D], `L.components` [D, k], `L.variances` [k], largest first), fitted
 * by `train` from the training inputs (data/preprocess.ts); no parameters. Unfitted: μ = 0, U_k the
 * first k unit vectors, variances 1.
 */
import * as T from '../../core/Tensor.js'
import { PositiveInt } from '../../core/codecs.js'
import * as ops from '../../ops/index.js'
import { defineLayer, keepLayer, noParams } from '../LayerDef.js'
import { centered, fitRows, fittedNote, flatRows, identityColumns } from './fitted.js'
import { checkK, show, size } from './shapes.js'

/** The spec record of a `pca` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface Pca {
  readonly kind: 'pca'
  readonly k: number
  readonly name?: string
}

/** Projects on the top-k principal components of the training data (fitted by `train`). */
export function pca(k: number, o: { readonly name?: string } = {}): Pca {
  if (!(Number.isSafeInteger(k) && k >= 1)) throw new RangeError(`pca: k must be a positive integer, got ${k}`)
  return { kind: 'pca', k, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const pcaLayer = defineLayer({
  kind: 'pca',
  options: { k: PositiveInt },
  defaults: {},
  prefix: 'pca',
  params: noParams,
  state: (o, s) => ({ mean: [size(s)], components: [size(s), o.k], variances: [o.k] }),
  outShape: (o, s) => (checkK('pca', o.k, s), [o.k]),
  init: (o, _key, { state }) => ({ params: {}, state: { mean: T.zeros(state.mean), components: identityColumns(state.mean[0]!, o.k), variances: T.ones([o.k]) } }),
  apply: (_, x, { state, inShape }) => ({ out: ops.matmul(centered(flatRows(x, inShape), state.mean), state.components) }),
  inference: keepLayer,
  fit: (o, x) => fitRows({ kind: 'pca', k: o.k }, x, (t) => ({ mean: t.mean, components: t.components, variances: t.variances })),
  describe: (o, s) => `pca (x − mean)·U, ${show(s)}→[N,${o.k}] (${fittedNote})`,
  example: { options: { k: 2 }, inShape: [3] },
})
