/**
 * Batch normalization (batchnorm.ts) over the batch axis, per feature: for activations [N, ...s]
 * γ, β and the running statistics have shape s. Parameters `L.gamma`, `L.beta`; state
 * `L.runningMean`, `L.runningVar`. In the inference form it normalizes with the running statistics.
 */
import { batchNormTest, batchNormTrain } from '../batchnorm.js'
import { defineLayer, keepLayer } from '../LayerDef.js'
import { normApply, normCodecs, normDefaults, normInit, normOptions, type NormOptions, type NormSpec } from './norm.js'

/** The spec record of a `batchNorm` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export type BatchNorm = NormSpec<'batchNorm'>

/** Batch normalization over the batch axis; insert after an affine layer, before the nonlinearity. */
export function batchNorm(o: NormOptions = {}): BatchNorm {
  return normOptions('batchNorm', o)
}

export const batchNormLayer = defineLayer({
  kind: 'batchNorm',
  options: normCodecs,
  defaults: normDefaults,
  prefix: 'bn',
  params: (_, s) => ({ gamma: { shape: s }, beta: { shape: s } }),
  state: (_, s) => ({ runningMean: s, runningVar: s }),
  outShape: (_, s) => s,
  init: normInit,
  apply: normApply(batchNormTrain, batchNormTest),
  inference: keepLayer,
  describe: (o) => `batch norm ε=${o.eps} m=${o.momentum}`,
  example: { options: normDefaults, inShape: [3] },
})
