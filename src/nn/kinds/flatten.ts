/** Flatten: activations [N, d1, …, dk] → [N, d1·…·dk] (row-major, as `reshape`), no parameters. */
import * as ops from '../../ops/index.js'
import { batchDim, defineLayer, keepLayer, noParams, noState, nothingToInit } from '../LayerDef.js'
import { show, size } from './shapes.js'

/** The spec record of a `flatten` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface Flatten {
  readonly kind: 'flatten'
  readonly name?: string
}

/** The layer that flattens [N, ...s] activations to [N, size(s)]. */
export const flatten: Flatten = { kind: 'flatten' }

export const flattenLayer = defineLayer({
  kind: 'flatten',
  options: {},
  defaults: {},
  prefix: 'flatten',
  params: noParams,
  state: noState,
  outShape: (_, s) => [size(s)],
  init: nothingToInit,
  apply: (_, x, { inShape }) => ({ out: ops.reshape(x, [batchDim(x), size(inShape)]) }),
  inference: keepLayer,
  describe: (_, s) => `flatten ${show(s)}`,
  example: { options: {}, inShape: [2, 3] },
})
