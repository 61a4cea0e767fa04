/**
 * ZCA whitening as a layer: y = (x − μ)·W with W = U diag(1/√(λ + ε)) Uᵀ (state `L.mean` [D],
 * `L.matrix` [D, D]), fitted by `train` from the training inputs (data/preprocess.ts); no
 * parameters. Unfitted: μ = 0, W = I.
 */
import * as T from '../../core/Tensor.js'
import { NonNegativeNumber } from '../../core/codecs.js'
import { WHITEN_EPS } from '../../data/preprocess.js'
import * as ops from '../../ops/index.js'
import { batchDim, defineLayer, keepLayer, noParams } from '../LayerDef.js'
import { centered, epsOption, fitRows, fittedNote, flatRows, identityColumns } from './fitted.js'
import { size } from './shapes.js'

/** The spec record of a `zca` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface Zca {
  readonly kind: 'zca'
  readonly eps: number
  readonly name?: string
}

/** ZCA whitening (fitted by `train`); the output has the input's shape. */
export function zca(o: { readonly eps?: number; readonly name?: string } = {}): Zca {
  const eps = epsOption('zca', o.eps, WHITEN_EPS)
  return { kind: 'zca', eps, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const zcaLayer = defineLayer({
  kind: 'zca',
  options: { eps: NonNegativeNumber },
  defaults: { eps: WHITEN_EPS },
  prefix: 'zca',
  params: noParams,
  state: (_, s) => ({ mean: [size(s)], matrix: [size(s), size(s)] }),
  outShape: (_, s) => s,
  init: (_o, _key, { state }) => ({ params: {}, state: { mean: T.zeros(state.mean), matrix: identityColumns(state.mean[0]!, state.mean[0]!) } }),
  apply: (_, x, { state, inShape }) => {
    const y = ops.matmul(centered(flatRows(x, inShape), state.mean), state.matrix)
    return { out: inShape.length === 1 ? y : ops.reshape(y, [batchDim(x), ...inShape]) }
  },
  inference: keepLayer,
  fit: (o, x) => fitRows({ kind: 'zca', eps: o.eps }, x, (t) => ({ mean: t.mean, matrix: t.matrix })),
  describe: (o, s) => `zca (x − mean)·U diag(1/√(λ + ${o.eps}))Uᵀ, ${size(s)} features (${fittedNote})`,
  example: { options: { eps: WHITEN_EPS }, inShape: [3] },
})
