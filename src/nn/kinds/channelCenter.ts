/**
 * Per-channel mean subtraction as a layer (CS231n, VGG): y = x − μ_c with one mean per channel of
 * channels-last examples (the channel of entry j is j mod C); state `L.mean` [C], fitted by `train`
 * from the training inputs; no parameters. Unfitted, μ = 0.
 */
import { ShapeError } from '../../core/errors.js'
import * as T from '../../core/Tensor.js'
import { PositiveInt } from '../../core/codecs.js'
import * as ops from '../../ops/index.js'
import { batchDim, defineLayer, keepLayer, noParams } from '../LayerDef.js'
import { centered, fitRows, fittedNote } from './fitted.js'
import { show, size } from './shapes.js'

/** The spec record of a `channelCenter` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface ChannelCenter {
  readonly kind: 'channelCenter'
  readonly channels: number
  readonly name?: string
}

/** Subtracts one mean per channel (channels last), fitted by `train`. */
export function channelCenter(channels: number, o: { readonly name?: string } = {}): ChannelCenter {
  if (!(Number.isSafeInteger(channels) && channels >= 1)) throw new RangeError(`channelCenter: channels must be a positive integer, got ${channels}`)
  return { kind: 'channelCenter', channels, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const channelCenterLayer = defineLayer({
  kind: 'channelCenter',
  options: { channels: PositiveInt },
  defaults: {},
  prefix: 'chcenter',
  params: noParams,
  state: (o) => ({ mean: [o.channels] }),
  outShape: (o, s) => {
    if (size(s) % o.channels !== 0) throw new ShapeError(`channelCenter: ${o.channels} channels do not divide the ${size(s)} entries of ${show(s)}`)
    return s
  },
  init: (o) => ({ params: {}, state: { mean: T.zeros([o.channels]) } }),
  apply: (o, x, { state, inShape }) => {
    const n = batchDim(x)
    const pixels = ops.reshape(x, [n, size(inShape) / o.channels, o.channels])
    return { out: ops.reshape(centered(pixels, state.mean), [n, ...inShape]) }
  },
  inference: keepLayer,
  fit: (o, x) => fitRows({ kind: 'channelCenter', channels: o.channels }, x, (t) => ({ mean: t.mean })),
  describe: (o) => `channel center x − mean per channel (${o.channels} means, ${fittedNote})`,
  example: { options: { channels: 2 }, inShape: [6] },
})
