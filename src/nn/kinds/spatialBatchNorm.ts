/**
 * Spatial batch normalization (../spatialBatchNorm.ts) of x [N, C, H, W], per channel over N, H
 * and W: parameters `L.gamma`, `L.beta` [C]; state `L.runningMean`, `L.runningVar` [C].
 */
import * as T from '../../core/Tensor.js'
import { PositiveNumber, UnitInterval } from '../../io/codecs.js'
import { defaultEps, defaultMomentum, runningUpdate } from '../batchnorm.js'
import { defineLayer, keepLayer } from '../LayerDef.js'
import { spatialBatchNormTest, spatialBatchNormTrain } from '../spatialBatchNorm.js'
import { chw } from './conv.js'

export interface SpatialBatchNorm {
  readonly kind: 'spatialBatchNorm'
  readonly eps: number
  readonly momentum: number
  readonly name?: string
}

export function spatialBatchNorm(o: { readonly eps?: number; readonly momentum?: number; readonly name?: string } = {}): SpatialBatchNorm {
  return { kind: 'spatialBatchNorm', eps: o.eps ?? defaultEps, momentum: o.momentum ?? defaultMomentum, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const spatialBatchNormLayer = defineLayer({
  kind: 'spatialBatchNorm',
  options: { eps: PositiveNumber, momentum: UnitInterval },
  defaults: { eps: defaultEps, momentum: defaultMomentum },
  prefix: 'sbn',
  params: (_, s) => ({ gamma: [chw('spatialBatchNorm', s)[0]], beta: [s[0]!] }),
  state: (_, s) => ({ runningMean: [chw('spatialBatchNorm', s)[0]], runningVar: [s[0]!] }),
  outShape: (_, s) => (chw('spatialBatchNorm', s), s),
  init: (_, __, { params, state }) => ({
    params: { gamma: T.ones(params.gamma), beta: T.zeros(params.beta) },
    state: { runningMean: T.zeros(state.runningMean), runningVar: T.ones(state.runningVar) },
  }),
  apply: (o, x, { mode, params: p, state: s }) => {
    if (mode === 'test') return { out: spatialBatchNormTest(x, p.gamma, p.beta, s.runningMean, s.runningVar, o.eps) }
    const bn = spatialBatchNormTrain(x, p.gamma, p.beta, o.eps)
    return { out: bn.out, state: { runningMean: runningUpdate(s.runningMean, bn.mean, o.momentum), runningVar: runningUpdate(s.runningVar, bn.variance, o.momentum) } }
  },
  inference: keepLayer,
  describe: (o) => `spatial batch norm ε=${o.eps} m=${o.momentum}`,
  example: { options: { eps: defaultEps, momentum: defaultMomentum }, inShape: [2, 3, 3] },
})
