/**
 * Predictions with a trained model, as the top classes with their probabilities (softmax of the
 * inference scores): on rows, and on one decoded image made into a row by the model's recorded
 * input (data/pixels.ts). Pure and browser-safe; symgrad/node's `predictPngFile` reads the file.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import type { Params } from '../core/Params.js'
import type { Tensor } from '../core/Tensor.js'
import { ShapeError, type SymgradError, orThrowing } from '../core/errors.js'
import { imageToRow, type DecodedImage, type ImageOptions, type PixelInput } from '../data/pixels.js'
import type { Model } from '../nn/model.js'
import { softmaxRows } from './programs.js'

/** A class and its predicted probability. */
export interface ClassProbability {
  readonly label: number
  readonly probability: number
}

/** The most probable classes of an image, and what was done to its pixels. */
export interface ImagePrediction {
  /** The `top` most probable classes, most probable first. */
  readonly top: readonly ClassProbability[]
  /** What was done to the pixels (data/pixels.ts). */
  readonly steps: string
  readonly lightBackground: boolean
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModel = Model<any, any>

/** The `top` most probable classes of each row of `x` [N, in] (ties: the lower label first). */
export function predictRows(model: AnyModel, params: Params, state: Params, x: Tensor, top = 3): Either<SymgradError, ClassProbability[][]> {
  const r = model.predict(params, state, x)
  if (E.isLeft(r)) return r
  const p = softmaxRows(r.right.scores)
  const [n, c] = p.shape as [number, number]
  const out: ClassProbability[][] = []
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: c }, (_, j) => ({ label: j, probability: p.data[i * c + j]! }))
    row.sort((a, b) => b.probability - a.probability || a.label - b.label)
    out.push(row.slice(0, Math.min(top, c)))
  }
  return E.right(out)
}

/** The top classes of one image, made into a row as `input` says (no resize; Left on another size). */
export function predictImage(model: AnyModel, params: Params, state: Params, input: PixelInput, img: DecodedImage, o: ImageOptions & { readonly top?: number } = {}): Either<SymgradError, ImagePrediction> {
  const [h, w, c] = input.image
  if (h * w * c !== model.in) return E.left(new ShapeError(`predictImage: the input record says ${w}×${h}×${c} images, but the model takes rows of ${model.in}`))
  const r = imageToRow(img, input, o)
  if (E.isLeft(r)) return r
  const p = predictRows(model, params, state, { shape: [1, model.in], data: r.right.row }, o.top ?? 3)
  return E.isLeft(p) ? p : E.right({ top: p.right[0]!, steps: r.right.steps, lightBackground: r.right.lightBackground })
}

/** `predictRows`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const predictRowsOrThrow = orThrowing(predictRows)
/** `predictImage`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const predictImageOrThrow = orThrowing(predictImage)
