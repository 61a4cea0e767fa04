/**
 * Batch normalization (batchnorm.ts) over the batch axis, per feature: for activations [N, ...s]
 * γ, β and the running statistics have shape s. Parameters `L.gamma`, `L.beta`; state
 * `L.runningMean`, `L.runningVar`. In the inference form it normalizes with the running statistics.
 */
import { PositiveNumber, UnitInterval, ZeroOrOne } from '../../core/codecs.js'
import { batchNormTest, batchNormTrain, defaultEps, defaultMomentum } from '../batchnorm.js'
import { defineLayer, keepLayer } from '../LayerDef.js'
import { normApply, normInit, normOptions, type NormOptions } from './norm.js'

/** The spec record of a `batchNorm` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface BatchNorm {
  readonly kind: 'batchNorm'
  readonly eps: number
  readonly momentum: number
  /** The running variance at init: 1 (PyTorch, Keras) or 0 (CS231n). */
  readonly runningVarInit: 0 | 1
  readonly name?: string
}

/** Batch normalization over the batch axis; insert after an affine layer, before the nonlinearity. */
export function batchNorm(o: NormOptions = {}): BatchNorm {
  return normOptions('batchNorm', o)
}

export const batchNormLayer = defineLayer({
  kind: 'batchNorm',
  options: { eps: PositiveNumber, momentum: UnitInterval, runningVarInit: ZeroOrOne },
  defaults: { eps: defaultEps, momentum: defaultMomentum, runningVarInit: 1 as 0 | 1 },
  prefix: 'bn',
  params: (_, s) => ({ gamma: { shape: s }, beta: { shape: s } }),
  state: (_, s) => ({ runningMean: s, runningVar: s }),
  outShape: (_, s) => s,
  init: normInit,
  apply: normApply(batchNormTrain, batchNormTest),
  inference: keepLayer,
  describe: (o) => `batch norm ε=${o.eps} m=${o.momentum}`,
  example: { options: { eps: defaultEps, momentum: defaultMomentum, runningVarInit: 1 }, inShape: [3] },
})
