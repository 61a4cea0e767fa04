/** Pooling layers over x [N, C, H, W]: the max or the mean of each window (no parameters). */
import { PositiveInt } from '../../core/codecs.js'
import * as ops from '../../ops/index.js'
import { outSize, type Pair, toPair } from '../../ops/spatial.js'
import { defineLayer, keepLayer, noParams, noState, nothingToInit } from '../LayerDef.js'
import { chw, PairOf } from './conv.js'

export interface Pool {
  readonly kind: 'maxPool' | 'avgPool'
  readonly window: number | Pair
  readonly stride?: number | Pair
  readonly name?: string
}

/** Max over windows of `window` (default 2), moved by `stride` (default: the window). */
export function maxPool(window: number | Pair = 2, o: { readonly stride?: number | Pair; readonly name?: string } = {}): Pool {
  return { kind: 'maxPool', window, ...o }
}
/** Mean over windows of `window` (default 2), moved by `stride` (default: the window). */
export function avgPool(window: number | Pair = 2, o: { readonly stride?: number | Pair; readonly name?: string } = {}): Pool {
  return { kind: 'avgPool', window, ...o }
}

const showPair = (p: number | Pair) => (typeof p === 'number' ? String(p) : `${p[0]}×${p[1]}`)

function poolLayer<const K extends 'maxPool' | 'avgPool'>(kind: K, op: typeof ops.maxPool2d) {
  return defineLayer({
    kind,
    options: { window: PairOf(PositiveInt), stride: PairOf(PositiveInt) },
    defaults: { stride: undefined },
    prefix: kind === 'maxPool' ? 'pool' : 'avgpool',
    params: noParams,
    state: noState,
    outShape: (o, s) => {
      const [c, h, w] = chw(kind, s)
      const win = toPair(o.window)
      return [c, ...outSize(kind, ['N', c, h, w], [h, w], win, toPair(o.stride ?? win), [0, 0])]
    },
    init: nothingToInit,
    apply: (o, x) => ({ out: op(x, { window: toPair(o.window), stride: toPair(o.stride ?? o.window) }) }),
    inference: keepLayer,
    describe: (o) => `${kind} ${showPair(o.window)}, stride ${showPair(o.stride ?? o.window)}`,
    example: { options: { window: 2, stride: undefined }, inShape: [2, 4, 4] },
  })
}

export const maxPoolLayer = poolLayer('maxPool', ops.maxPool2d)
export const avgPoolLayer = poolLayer('avgPool', ops.avgPool2d)
