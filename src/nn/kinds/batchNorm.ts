/**
 * Batch normalization (batchnorm.ts) over the batch axis, per feature: for activations [N, ...s]
 * γ, β and the running statistics have shape s. Parameters `L.gamma`, `L.beta`; state
 * `L.runningMean`, `L.runningVar`. In the inference form it normalizes with the running statistics.
 */
import { PositiveNumber, UnitInterval } from '../../core/codecs.js'
import { batchNormTest, batchNormTrain, defaultEps, defaultMomentum } from '../batchnorm.js'
import { defineLayer, keepLayer } from '../LayerDef.js'
import { normApply, normInit, normOptions } from './norm.js'

export interface BatchNorm {
  readonly kind: 'batchNorm'
  readonly eps: number
  readonly momentum: number
  readonly name?: string
}

/** Batch normalization over the batch axis; insert after an affine layer, before the nonlinearity. */
export function batchNorm(o: { readonly eps?: number; readonly momentum?: number; readonly name?: string } = {}): BatchNorm {
  return normOptions('batchNorm', o)
}

export const batchNormLayer = defineLayer({
  kind: 'batchNorm',
  options: { eps: PositiveNumber, momentum: UnitInterval },
  defaults: { eps: defaultEps, momentum: defaultMomentum },
  prefix: 'bn',
  params: (_, s) => ({ gamma: { shape: s }, beta: { shape: s } }),
  state: (_, s) => ({ runningMean: s, runningVar: s }),
  outShape: (_, s) => s,
  init: normInit,
  apply: normApply(batchNormTrain, batchNormTest),
  inference: keepLayer,
  describe: (o) => `batch norm ε=${o.eps} m=${o.momentum}`,
  example: { options: { eps: defaultEps, momentum: defaultMomentum }, inShape: [3] },
})
