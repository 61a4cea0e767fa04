/**
 * `predictPngFile`: a PNG file through a loaded checkpoint's model, the Node half of
 * `predictImage` (train/predictImage.ts takes decoded pixels): the header checked before decoding,
 * the pixels made into a row as the checkpoint's input record says, the top classes.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError, orThrowing } from '../core/errors.js'
import type { ImageOptions } from '../data/pixels.js'
import { pixelInputOf, type Loaded } from '../records/checkpoint.js'
import { readPng } from '../io/files.js'
import { predictImage, type ImagePrediction } from '../train/predictImage.js'

/** The top classes of the PNG at `path`; `note` says when the input record was inferred from the run (an older checkpoint). */
export function predictPngFile(loaded: Loaded, path: string, o: ImageOptions & { readonly top?: number } = {}): Either<SymgradError, ImagePrediction & { readonly note?: string }> {
  if (loaded.note !== undefined) return E.left(new SymgradError('value', `${loaded.note}; predictPngFile cannot do that to images`))
  const input = pixelInputOf(loaded)
  if (input === undefined) return E.left(new SymgradError('value', 'the checkpoint does not say how its inputs were made from images'))
  const img = readPng(path, input.input)
  if (E.isLeft(img)) return img
  const p = predictImage(loaded.model, loaded.state.params, loaded.state.modelState, input.input, img.right, o)
  return E.isLeft(p) ? E.left(new SymgradError(p.left.kind, `${path}: ${p.left.message}`)) : E.right({ ...p.right, ...(input.note !== undefined ? { note: input.note } : {}) })
}

export const predictPngFileOrThrow = orThrowing(predictPngFile)
