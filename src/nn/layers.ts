/**
 * Layers as plain data. A layer is a JSON-serializable spec `{ kind, ...options, name? }` whose
 * kind names a LayerDef record (LayerDef.ts; the built-in ones are in kinds/, listed in
 * builtinLayers.ts). Widths are literal types: `dense(784, 100)` has type `Dense<784, 100>`;
 * width-preserving layers (activations, batch norm, layer norm, dropout, flatten, reshape) carry no
 * widths and take the width (entries per example) of the layer before them. `sequential`
 * (model.ts) checks at the type level that consecutive widths agree.
 *
 * Parameter naming: a layer named `L` (by default its prefix and its index among the layers of the
 * same prefix, e.g. `dense0`, `dense1`, `bn0`, `relu0`) owns
 *   dense, maxout:  `L.W` [in, out] (maxout: [in, pieces·out]) and `L.b` [out] (maxout: [pieces·out])
 *   batchNorm:      params `L.gamma`, `L.beta` [width]; state `L.runningMean`, `L.runningVar` [width]
 *   layerNorm:      params `L.gamma`, `L.beta` [width]
 *   dropout:        random input `L.u` [N, width] (uniform draws)
 *   conv:           `L.W` [F, C, KH, KW] and `L.b` [F]
 *   spatialBatchNorm: params `L.gamma`, `L.beta` [C]; state `L.runningMean`, `L.runningVar` [C]
 *   preprocessing (center, channelCenter, standardize, pca, pcaWhiten, zca): no params; fitted
 *                   state such as `std0.mean`, `std0.std` or `pca0.components` (preprocessing.ts)
 * Weights (regularized and max-norm projected by default) are exactly the params named `*.W`.
 */
import type { LayerRegistries, Resolved } from './LayerDef.js'
import { lookupLayer } from './LayerDef.js'
import { builtinLayerRegistries } from './builtinLayers.js'
import { leafOf } from './naming.js'
import { readParams } from './plan.js'

export { type Mode } from './LayerDef.js'
export { type Dense, type DenseOptions, dense, defaultInit } from './kinds/dense.js'
export { type Maxout, maxout } from './kinds/maxout.js'
export { type Activation, sigmoid, tanh, relu, identity, leakyRelu, elu } from './kinds/activation.js'
export { type BatchNorm, batchNorm } from './kinds/batchNorm.js'
export { type Dropout, type DropoutOptions, dropout } from './kinds/dropout.js'
export { type Flatten, flatten } from './kinds/flatten.js'
export { type Reshape, reshape } from './kinds/reshape.js'
export { type LayerNorm, layerNorm } from './kinds/layerNorm.js'
export { type Conv, type ConvLayerOptions, conv } from './kinds/conv.js'
export { type Pool, maxPool, avgPool } from './kinds/pool.js'
export { type SpatialBatchNorm, spatialBatchNorm } from './kinds/spatialBatchNorm.js'
export { type ChannelsFirst, channelsFirst } from './kinds/channelsFirst.js'
export { type Center, center } from './kinds/center.js'
export { type ChannelCenter, channelCenter } from './kinds/channelCenter.js'
export { type Standardize, standardize } from './kinds/standardize.js'
export { type Pca, pca } from './kinds/pca.js'
export { type PcaWhiten, pcaWhiten } from './kinds/pcaWhiten.js'
export { type Zca, zca } from './kinds/zca.js'
export { type Residual, residual } from './kinds/residual.js'

export type { LayerSpec, Resolved } from './LayerDef.js'

export interface LeafShapes {
  readonly params: Readonly<Record<string, readonly number[]>>
  readonly state: Readonly<Record<string, readonly number[]>>
}

/**
 * Shapes of a resolved layer's parameters and state, by full name (`dense0.W`); `inShape` is the
 * per-example input shape (default [l.in]), `registries` resolve its kind (default: the built-ins).
 */
export function leafShapes(l: Resolved, o: { readonly inShape?: readonly number[]; readonly registries?: LayerRegistries } = {}): LeafShapes {
  const registries = o.registries ?? builtinLayerRegistries
  const inShape = o.inShape ?? [l.in]
  const def = lookupLayer(registries.layers, l.kind)
  if (def === undefined) throw new RangeError(`leafShapes: unknown layer kind '${l.kind}'`)
  const full = (r: Readonly<Record<string, readonly number[]>>) => Object.fromEntries(Object.entries(r).map(([k, s]) => [leafOf(l.name, k), s]))
  const env = { registries }
  return { params: full(readParams(def, l, inShape, env, l.name).params), state: full(def.state(l, inShape, env)) }
}
