/**
 * Convolutional models for image rows [N, H·W·C] (datasets store pixels channels-last):
 *   reshape to [H, W, C] (→ channels first when C > 1), then per stage
 *   conv k×k×f (zero padding `pad`) → [spatial batch norm] → ReLU → max pool 2, then flatten → dense.
 *
 * `smallConvnet` is the net of bench:conv (8 and 16 filters of 5×5, no padding: 28 → 24 → 12 → 8
 * → 4, 256 features, about 0.33 M multiply-adds per 28×28 image); `lenet` the same shape with 16
 * and 32 filters (about 1.05 M), LeCun et al.'s conv-pool-conv-pool design without its hidden
 * dense layers.
 *
 * The model takes rows [N, H·W·C] (`{ input: [H·W·C] }`) and reshapes them as its first layer: a net
 * written `sequential({ input: [1, 28, 28] }, conv(8, 5), …)` computes the same function, but this
 * layer list is what saved convnet checkpoints hold (and layer i draws its init from foldIn(key, i)),
 * so they keep resuming with the same bits.
 */
import { ShapeError } from '../core/errors.js'
import type { InitScheme } from './init.js'
import { dense, flatten, relu, reshape, type LayerSpec } from './layers.js'
import { channelsFirst } from './kinds/channelsFirst.js'
import { conv } from './kinds/conv.js'
import { maxPool } from './kinds/pool.js'
import { spatialBatchNorm } from './kinds/spatialBatchNorm.js'
import { fromLayers, type Model } from './model.js'

/** Options of `convnet`: filters per stage, kernel size, padding, spatial batch norm. */
export interface ConvnetOptions {
  /** Filters per stage (default [8, 16]). */
  readonly filters?: readonly number[]
  /** Kernel size (default 5). */
  readonly kernel?: number
  /** Zero padding (default 0). */
  readonly pad?: number
  /** Spatial batch norm after each convolution (default false). */
  readonly batchNorm?: boolean
  /** Weight initialization (default 'he'). */
  readonly init?: InitScheme
}

/** The layers of a convnet for images [H, W, C] and `classes` outputs, taking rows [H·W·C]. */
export function convnetLayers(image: readonly [number, number, number], classes: number, o: ConvnetOptions = {}): LayerSpec[] {
  const [h0, w0, c0] = image
  const k = o.kernel ?? 5
  const pad = o.pad ?? 0
  const filters = o.filters ?? [8, 16]
  const init = o.init ?? 'he'
  const layers: LayerSpec[] = c0 === 1 ? [reshape([1, h0, w0])] : [reshape([h0, w0, c0]), channelsFirst]
  let [h, w] = [h0, w0]
  for (const f of filters) {
    layers.push(conv(f, k, { pad, init }))
    if (o.batchNorm === true) layers.push(spatialBatchNorm())
    layers.push(relu, maxPool(2))
    h = (h + 2 * pad - k + 1) / 2
    w = (w + 2 * pad - k + 1) / 2
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1)
      throw new ShapeError(`convnet: images [${image.join(',')}] do not fit ${filters.length} stages of conv ${k}×${k} (pad ${pad}) + max pool 2`)
  }
  layers.push(flatten, dense(filters[filters.length - 1]! * h * w, classes, { init: init === 'he' ? 'xavier' : init }))
  return layers
}

/** A convolutional network for `image` [H, W, C] inputs and `classes` outputs: conv → ReLU → max pool blocks, then dense. */
export function convnet(image: readonly [number, number, number], classes: number, o: ConvnetOptions = {}): Model {
  return fromLayers(convnetLayers(image, classes, o), { input: [image[0] * image[1] * image[2]] })
}

/** 5×5×8 → pool → 5×5×16 → pool → dense (bench:conv's net). */
export function smallConvnet(image: readonly [number, number, number], classes: number): Model {
  return convnet(image, classes, { filters: [8, 16] })
}

/** 5×5×16 → pool → 5×5×32 → pool → dense. */
export function lenet(image: readonly [number, number, number], classes: number): Model {
  return convnet(image, classes, { filters: [16, 32] })
}
