/**
 * Layer normalization (Ba, Kiros & Hinton 2016): each example normalized over all its features,
 * then scaled and shifted per feature. For activations x [N, ...s]:
 *   μₙ = mean over s of xₙ,  σₙ² = mean over s of (xₙ − μₙ)² (biased),  y = γ·(x − μ)/√(σ² + ε) + β
 * with γ (`L.gamma`, ones) and β (`L.beta`, zeros) of shape s. No batch statistics and no running
 * state: train and test mode compute the same function, one example at a time.
 */
import type { Expr } from '../../core/Expr.js'
import * as T from '../../core/Tensor.js'
import { PositiveNumber } from '../../core/codecs.js'
import * as ops from '../../ops/index.js'
import { batchDim, defineLayer, keepLayer, noState } from '../LayerDef.js'

export interface LayerNorm {
  readonly kind: 'layerNorm'
  readonly eps: number
  readonly name?: string
}

export const defaultLayerNormEps = 1e-5

/** Layer normalization over each example's features (ε = 1e-5 by default). */
export function layerNorm(o: { readonly eps?: number; readonly name?: string } = {}): LayerNorm {
  const eps = o.eps ?? defaultLayerNormEps
  if (!(eps > 0 && Number.isFinite(eps))) throw new RangeError(`layerNorm: eps must be a positive number, got ${eps}`)
  return { kind: 'layerNorm', eps, ...(o.name !== undefined ? { name: o.name } : {}) }
}

/** The per-example mean of x [N, ...s] over s, broadcast back to x's shape. */
function exampleMean(x: Expr): Expr {
  const axes = x.shape.map((_, i) => i).slice(1)
  const m = ops.reshape(ops.mean(x, axes), [batchDim(x), ...axes.map(() => 1)])
  return ops.broadcastTo(m, x.shape)
}

export const layerNormLayer = defineLayer({
  kind: 'layerNorm',
  options: { eps: PositiveNumber },
  defaults: { eps: defaultLayerNormEps },
  prefix: 'ln',
  params: (_, s) => ({ gamma: { shape: s }, beta: { shape: s } }),
  state: noState,
  outShape: (_, s) => s,
  init: (_, __, { params }) => ({ params: { gamma: T.ones(params.gamma), beta: T.zeros(params.beta) }, state: {} }),
  apply: (o, x, { params }) => {
    const centered = ops.sub(x, exampleMean(x))
    const normalized = ops.div(centered, ops.sqrt(ops.add(exampleMean(ops.square(centered)), o.eps)))
    return { out: ops.add(ops.mul(normalized, ops.broadcastTo(params.gamma, x.shape)), ops.broadcastTo(params.beta, x.shape)) }
  },
  inference: keepLayer,
  describe: (o) => `layer norm ε=${o.eps}`,
  example: { options: { eps: defaultLayerNormEps }, inShape: [2, 3] },
})
