/**
 * Images as model inputs (pure, browser-safe). A model trained on images records how its input rows
 * were made, its `PixelInput`: the image shape [H, W, C] and the scale, entry (h·W + w)·C + c =
 * pixel byte / scale (every image loader of symgrad divides by 255: idx.ts, cifar.ts, fashion.ts).
 * `imageToRow` turns decoded 8-bit pixels into such a row the same way and says what it did; it
 * never resizes: an image of another size is refused.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'

/** How a model's input rows were made from images: image shape [H, W, C] and the byte scale. */
export interface PixelInput {
  /** [H, W, C], channels last. */
  readonly image: readonly [number, number, number]
  /** Entries are pixel byte / scale. */
  readonly scale: number
}

/** Decoded 8-bit pixels, interleaved row by row: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA channels. */
export interface DecodedImage {
  readonly width: number
  readonly height: number
  readonly channels: 1 | 2 | 3 | 4
  readonly data: Uint8Array
  /** What the pixels were in the file (e.g. `RGBA`, `palette`), for the description. */
  readonly source?: string
}

/** How an image becomes a row: whether to invert (dark ink on light paper). */
export interface ImageOptions {
  /** 255 − value before alpha is composited (dark ink on a light background → light on dark, as in MNIST). */
  readonly invert?: boolean
}

/** An image as a model input row, and one line saying what was done to its pixels. */
export interface ImageRow {
  readonly row: Float64Array
  /** What was done: `28×28 RGBA → grey (luma), alpha over black, no resize, x = byte/255`. */
  readonly steps: string
  /** The mean of the border pixels is above half the range (a light background). */
  readonly lightBackground: boolean
}

const names = { 1: 'grey', 2: 'grey+alpha', 3: 'RGB', 4: 'RGBA' } as const

/** Why an image of `width`×`height` does not fit `input`, or undefined when it does (predict never resizes). */
export function sizeMismatch(width: number, height: number, input: PixelInput): string | undefined {
  const [h, w] = input.image
  return width === w && height === h ? undefined : `image of ${width}×${height} pixels; the model takes ${w}×${h} images and predict does not resize (scale it to ${w}×${h} first)`
}

/** A row of the model's input from decoded pixels, as the model's `input` says; Left on another size. */
export function imageToRow(img: DecodedImage, input: PixelInput, o: ImageOptions = {}): Either<SymgradError, ImageRow> {
  const [h, w, c] = input.image
  const size = sizeMismatch(img.width, img.height, input)
  if (size !== undefined) return E.left(new SymgradError('value', size))
  if (c !== 1 && c !== 3) return E.left(new SymgradError('value', `the model takes images of ${c} channels; predict reads 1 (grey) or 3 (RGB)`))
  const k = img.channels
  if (img.data.length !== w * h * k) return E.left(new SymgradError('value', `image data of ${img.data.length} bytes, expected ${w}·${h}·${k}`))
  const color = k >= 3
  const alpha = k === 2 || k === 4
  const row = new Float64Array(w * h * c)
  let border = 0
  let borderCount = 0
  for (let p = 0; p < w * h; p++) {
    const s = p * k
    const a = alpha ? img.data[s + k - 1]! / 255 : 1
    const rgb = color ? [img.data[s]!, img.data[s + 1]!, img.data[s + 2]!] : [img.data[s]!, img.data[s]!, img.data[s]!]
    const v = rgb.map((x) => (o.invert === true ? 255 - x : x) * a) // composited over black
    const out = c === 1 ? [0.299 * v[0]! + 0.587 * v[1]! + 0.114 * v[2]!] : v
    for (let j = 0; j < c; j++) row[p * c + j] = out[j]! / input.scale
    const y = Math.floor(p / w)
    const x = p % w
    if (y === 0 || x === 0 || y === h - 1 || x === w - 1) (border += out.reduce((s2, q) => s2 + q, 0) / c, borderCount++)
  }
  const from = img.source ?? names[k]
  const conversion = c === 1 ? (color ? ' → grey (luma 0.299R+0.587G+0.114B)' : '') : color ? '' : ' → RGB (grey repeated)'
  const steps = `${w}×${h} ${from}${conversion}${o.invert === true ? ', inverted' : ''}${alpha ? ', alpha over black' : ''}, no resize, x = byte/${input.scale}`
  return E.right({ row, steps, lightBackground: border / borderCount > 127.5 })
}
