/**
 * Batch normalization (batchnorm.ts) over the batch axis, per feature: for activations [N, ...s]
 * γ, β and the running statistics have shape s. Parameters `L.gamma`, `L.beta`; state
 * `L.runningMean`, `L.runningVar`. In the inference form it normalizes with the running statistics.
 */
import * as T from '../../core/Tensor.js'
import { PositiveNumber, UnitInterval } from '../../io/codecs.js'
import { batchNormTest, batchNormTrain, defaultEps, defaultMomentum, runningUpdate } from '../batchnorm.js'
import { defineLayer, keepLayer } from '../LayerDef.js'

export interface BatchNorm {
  readonly kind: 'batchNorm'
  readonly eps: number
  readonly momentum: number
  readonly name?: string
}

/** Batch normalization over the batch axis; insert after an affine layer, before the nonlinearity. */
export function batchNorm(o: { readonly eps?: number; readonly momentum?: number; readonly name?: string } = {}): BatchNorm {
  const momentum = o.momentum ?? defaultMomentum
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`batchNorm: momentum must be in [0, 1), got ${momentum}`)
  return { kind: 'batchNorm', eps: o.eps ?? defaultEps, momentum, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const batchNormLayer = defineLayer({
  kind: 'batchNorm',
  options: { eps: PositiveNumber, momentum: UnitInterval },
  defaults: { eps: defaultEps, momentum: defaultMomentum },
  prefix: 'bn',
  params: (_, s) => ({ gamma: s, beta: s }),
  state: (_, s) => ({ runningMean: s, runningVar: s }),
  outShape: (_, s) => s,
  init: (_, __, { params, state }) => ({
    params: { gamma: T.ones(params.gamma), beta: T.zeros(params.beta) },
    state: { runningMean: T.zeros(state.runningMean), runningVar: T.ones(state.runningVar) },
  }),
  apply: (o, x, { mode, params: p, state: s }) => {
    if (mode === 'test') return { out: batchNormTest(x, p.gamma, p.beta, s.runningMean, s.runningVar, o.eps) }
    const bn = batchNormTrain(x, p.gamma, p.beta, o.eps)
    return { out: bn.out, state: { runningMean: runningUpdate(s.runningMean, bn.mean, o.momentum), runningVar: runningUpdate(s.runningVar, bn.variance, o.momentum) } }
  },
  inference: keepLayer,
  describe: (o) => `batch norm ε=${o.eps} m=${o.momentum}`,
  example: { options: { eps: defaultEps, momentum: defaultMomentum }, inShape: [3] },
})
