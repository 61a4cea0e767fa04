/**
 * Convolution layer: x [N, C, H, W] → conv2d(x, W) + b, W [F, C, KH, KW], b [F] (parameters
 * `L.W`, `L.b`), stride and zero padding per spatial axis. Weights are drawn by the init scheme
 * with fan-in C·KH·KW and fan-out F.
 */
import * as t from 'io-ts'
import { ShapeError } from '../../core/errors.js'
import * as T from '../../core/Tensor.js'
import { NonNegativeInt, PositiveInt } from '../../core/codecs.js'
import * as ops from '../../ops/index.js'
import { outSize, type Pair, toPair } from '../../ops/spatial.js'
import { type InitScheme, InitSchemeC, initWeight, showScheme } from '../init.js'
import { defineLayer, keepLayer, noState } from '../LayerDef.js'
import { show } from './shapes.js'

/** The spec record of a `conv` layer: its kind and options, as a model's spec and a checkpoint hold them. */
export interface Conv {
  readonly kind: 'conv'
  readonly filters: number
  readonly kernel: number | Pair
  readonly stride: number | Pair
  readonly pad: number | Pair
  readonly init: InitScheme
  readonly name?: string
}

export interface ConvLayerOptions {
  readonly stride?: number | Pair
  readonly pad?: number | Pair
  /** Weight initialization (default 'he': ReLU follows convolutions). */
  readonly init?: InitScheme
  readonly name?: string
}

/** A convolution with `filters` output channels and a `kernel` (number or [KH, KW]) window. */
export function conv(filters: number, kernel: number | Pair, o: ConvLayerOptions = {}): Conv {
  return { kind: 'conv', filters, kernel, stride: o.stride ?? 1, pad: o.pad ?? 0, init: o.init ?? 'he', ...(o.name !== undefined ? { name: o.name } : {}) }
}

/** A number or a [height, width] pair of them, in specs. */
export const PairOf = (c: t.Type<number, number, unknown>) => t.union([c, t.tuple([c, c])])

/** The per-example [C, H, W] of an NCHW input; a ShapeError for any other rank. */
export function chw(kind: string, s: readonly number[]): readonly [number, number, number] {
  if (s.length !== 3) throw new ShapeError(`${kind} expects [N, C, H, W], got ${show(s)} (add a reshape layer before it)`)
  return s as unknown as readonly [number, number, number]
}

function convOut(o: { filters: number; kernel: number | Pair; stride: number | Pair; pad: number | Pair }, s: readonly number[]): number[] {
  const [c, h, w] = chw('conv', s)
  const [oh, ow] = outSize('conv', ['N', c, h, w], [h, w], toPair(o.kernel), toPair(o.stride), toPair(o.pad))
  return [o.filters, oh, ow]
}

const showPair = (p: number | Pair) => (typeof p === 'number' ? String(p) : `${p[0]}×${p[1]}`)
const showKernel = (p: number | Pair) => (typeof p === 'number' ? `${p}×${p}` : `${p[0]}×${p[1]}`)

export const convLayer = defineLayer({
  kind: 'conv',
  options: { filters: PositiveInt, kernel: PairOf(PositiveInt), stride: PairOf(PositiveInt), pad: PairOf(NonNegativeInt), init: InitSchemeC },
  defaults: { stride: 1, pad: 0, init: 'he' },
  prefix: 'conv',
  params: (o, s) => {
    const [kh, kw] = toPair(o.kernel)
    return { W: { shape: [o.filters, chw('conv', s)[0], kh, kw], weight: true }, b: { shape: [o.filters] } }
  },
  state: noState,
  outShape: convOut,
  init: (o, key, { params, registries }) => {
    const [f, c, kh, kw] = params.W as [number, number, number, number]
    return { params: { W: T.reshape(initWeight(key, o.init, c * kh * kw, f, { registries }), [f, c, kh, kw]), b: T.zeros([f]) }, state: {} }
  },
  apply: (o, x, { params }) => {
    const z = ops.conv2d(x, params.W, { stride: toPair(o.stride), pad: toPair(o.pad) })
    return { out: ops.add(z, ops.broadcastTo(ops.reshape(params.b, [o.filters, 1, 1]), z.shape)) }
  },
  inference: keepLayer,
  describe: (o, s) => `conv ${showKernel(o.kernel)}, ${chw('conv', s)[0]}→${o.filters}, stride ${showPair(o.stride)}, pad ${showPair(o.pad)}, init ${showScheme(o.init)}`,
  example: { options: { filters: 2, kernel: 3, stride: 1, pad: 1, init: 'he' }, inShape: [2, 4, 4] },
})
