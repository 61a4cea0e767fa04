/**
 * channelsFirst: image rows stored channels-last ([N, H, W, C], as datasets keep pixels) to the
 * [N, C, H, W] layout convolutions take; a transpose, no parameters.
 */
import * as ops from '../../ops/index.js'
import { defineLayer, keepLayer, noParams, noState, nothingToInit } from '../LayerDef.js'
import { chw } from './conv.js'
import { show } from './shapes.js'

/** The spec record of a `channelsFirst` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface ChannelsFirst {
  readonly kind: 'channelsFirst'
  readonly name?: string
}

/** The layer that transposes channels-last images [N, H, W, C] to the [N, C, H, W] layout convolutions take. */
export const channelsFirst: ChannelsFirst = { kind: 'channelsFirst' }

export const channelsFirstLayer = defineLayer({
  kind: 'channelsFirst',
  options: {},
  defaults: {},
  prefix: 'nchw',
  params: noParams,
  state: noState,
  outShape: (_, s) => {
    const [h, w, c] = chw('channelsFirst', s)
    return [c, h, w]
  },
  init: nothingToInit,
  apply: (_, x) => ({ out: ops.transpose(x, [0, 3, 1, 2]) }),
  inference: keepLayer,
  describe: (_, s) => `channels first ${show(s)}→${show([s[2]!, s[0]!, s[1]!])}`,
  example: { options: {}, inShape: [3, 3, 2] },
})
