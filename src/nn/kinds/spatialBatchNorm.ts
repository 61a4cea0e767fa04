/**
 * Spatial batch normalization (../spatialBatchNorm.ts) of x [N, C, H, W], per channel over N, H
 * and W: parameters `L.gamma`, `L.beta` [C]; state `L.runningMean`, `L.runningVar` [C].
 */
import { defineLayer, keepLayer } from '../LayerDef.js'
import { normApply, normCodecs, normDefaults, normInit, normOptions, type NormOptions, type NormSpec } from './norm.js'
import { spatialBatchNormTest, spatialBatchNormTrain } from '../spatialBatchNorm.js'
import { chw } from './conv.js'

/** The spec record of a `spatialBatchNorm` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export type SpatialBatchNorm = NormSpec<'spatialBatchNorm'>

/** Batch normalization of [N, C, H, W] activations per channel over N, H and W. */
export function spatialBatchNorm(o: NormOptions = {}): SpatialBatchNorm {
  return normOptions('spatialBatchNorm', o)
}

export const spatialBatchNormLayer = defineLayer({
  kind: 'spatialBatchNorm',
  options: normCodecs,
  defaults: normDefaults,
  prefix: 'sbn',
  params: (_, s) => ({ gamma: { shape: [chw('spatialBatchNorm', s)[0]] }, beta: { shape: [s[0]!] } }),
  state: (_, s) => ({ runningMean: [chw('spatialBatchNorm', s)[0]], runningVar: [s[0]!] }),
  outShape: (_, s) => (chw('spatialBatchNorm', s), s),
  init: normInit,
  apply: normApply(spatialBatchNormTrain, spatialBatchNormTest),
  inference: keepLayer,
  describe: (o) => `spatial batch norm ε=${o.eps} m=${o.momentum}`,
  example: { options: normDefaults, inShape: [2, 3, 3] },
})
