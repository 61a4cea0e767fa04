/**
 * Spatial batch normalization (../spatialBatchNorm.ts) of x [N, C, H, W], per channel over N, H
 * and W: parameters `L.gamma`, `L.beta` [C]; state `L.runningMean`, `L.runningVar` [C].
 */
import { PositiveNumber, UnitInterval } from '../../core/codecs.js'
import { defaultEps, defaultMomentum } from '../batchnorm.js'
import { defineLayer, keepLayer } from '../LayerDef.js'
import { normApply, normInit, normOptions } from './norm.js'
import { spatialBatchNormTest, spatialBatchNormTrain } from '../spatialBatchNorm.js'
import { chw } from './conv.js'

export interface SpatialBatchNorm {
  readonly kind: 'spatialBatchNorm'
  readonly eps: number
  readonly momentum: number
  readonly name?: string
}

export function spatialBatchNorm(o: { readonly eps?: number; readonly momentum?: number; readonly name?: string } = {}): SpatialBatchNorm {
  return normOptions('spatialBatchNorm', o)
}

export const spatialBatchNormLayer = defineLayer({
  kind: 'spatialBatchNorm',
  options: { eps: PositiveNumber, momentum: UnitInterval },
  defaults: { eps: defaultEps, momentum: defaultMomentum },
  prefix: 'sbn',
  params: (_, s) => ({ gamma: { shape: [chw('spatialBatchNorm', s)[0]] }, beta: { shape: [s[0]!] } }),
  state: (_, s) => ({ runningMean: [chw('spatialBatchNorm', s)[0]], runningVar: [s[0]!] }),
  outShape: (_, s) => (chw('spatialBatchNorm', s), s),
  init: normInit,
  apply: normApply(spatialBatchNormTrain, spatialBatchNormTest),
  inference: keepLayer,
  describe: (o) => `spatial batch norm ε=${o.eps} m=${o.momentum}`,
  example: { options: { eps: defaultEps, momentum: defaultMomentum }, inShape: [2, 3, 3] },
})
