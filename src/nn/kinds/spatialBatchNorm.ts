/**
 * Spatial batch normalization (../spatialBatchNorm.ts) of x [N, C, H, W], per channel over N, H
 * and W: parameters `L.gamma`, `L.beta` [C]; state `L.runningMean`, `L.runningVar` [C].
 */
import { PositiveNumber, UnitInterval, ZeroOrOne } from '../../core/codecs.js'
import { defaultEps, defaultMomentum } from '../batchnorm.js'
import { defineLayer, keepLayer } from '../LayerDef.js'
import { normApply, normInit, normOptions, type NormOptions } from './norm.js'
import { spatialBatchNormTest, spatialBatchNormTrain } from '../spatialBatchNorm.js'
import { chw } from './conv.js'

/** The spec record of a `spatialBatchNorm` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface SpatialBatchNorm {
  readonly kind: 'spatialBatchNorm'
  readonly eps: number
  readonly momentum: number
  /** The running variance at init: 1 (PyTorch, Keras) or 0 (CS231n). */
  readonly runningVarInit: 0 | 1
  readonly name?: string
}

/** Batch normalization of [N, C, H, W] activations per channel over N, H and W. */
export function spatialBatchNorm(o: NormOptions = {}): SpatialBatchNorm {
  return normOptions('spatialBatchNorm', o)
}

export const spatialBatchNormLayer = defineLayer({
  kind: 'spatialBatchNorm',
  options: { eps: PositiveNumber, momentum: UnitInterval, runningVarInit: ZeroOrOne },
  defaults: { eps: defaultEps, momentum: defaultMomentum, runningVarInit: 1 as 0 | 1 },
  prefix: 'sbn',
  params: (_, s) => ({ gamma: { shape: [chw('spatialBatchNorm', s)[0]] }, beta: { shape: [s[0]!] } }),
  state: (_, s) => ({ runningMean: [chw('spatialBatchNorm', s)[0]], runningVar: [s[0]!] }),
  outShape: (_, s) => (chw('spatialBatchNorm', s), s),
  init: normInit,
  apply: normApply(spatialBatchNormTrain, spatialBatchNormTest),
  inference: keepLayer,
  describe: (o) => `spatial batch norm ε=${o.eps} m=${o.momentum}`,
  example: { options: { eps: defaultEps, momentum: defaultMomentum, runningVarInit: 1 }, inShape: [2, 3, 3] },
})
