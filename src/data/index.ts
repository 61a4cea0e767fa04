/**
 * Data: datasets, splits, minibatches, preprocessing, loaders for IDX and CIFAR-10 bytes, metrics.
 * Everything here is pure and browser-safe; reading files from disk is in src/io (Node).
 */
export type { Dataset, Fields } from './Dataset.js'
export {
  make as makeDataset,
  size as datasetSize,
  features as datasetFeatures,
  take,
  withFeatures,
  classCounts,
  findNonFinite,
} from './Dataset.js'
export { xor, spiral, type XorOptions, type SpiralOptions } from './datasets.js'
export { split, sizesFromFractions, type SplitSizes, type Splits } from './split.js'
export { subsample } from './subsample.js'
export { batches, batchIndices, countBatches, epochOrder, type Batch, type Batches, type BatchOptions } from './batches.js'
export { argmax, accuracy } from './metrics.js'
export { fromIdx, parseIdx, encodeIdx, toBytes, IMAGES_MAGIC, LABELS_MAGIC, type IdxOptions } from './idx.js'
export { fromCifar, encodeCifar, CIFAR10_CLASSES, CIFAR_RECORD_BYTES, type CifarFile } from './cifar.js'
export { fromDigitArrays, splitMnist, MNIST_SPLIT, MNIST_SPLIT_KEY } from './mnist.js'
export * as Preprocess from './preprocess.js'
export { imageToRow, sizeMismatch, type PixelInput, type DecodedImage, type ImageOptions, type ImageRow } from './pixels.js'

// ── …OrThrow twins (the error rule: see orThrowing in core/errors.ts) ─────────────────────────
import { orThrowing } from '../core/errors.js'
import { make as make_ } from './Dataset.js'
import { split as split_ } from './split.js'
import { subsample as subsample_ } from './subsample.js'
/** `subsample`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const subsampleOrThrow = orThrowing(subsample_)
import { fromIdx as fromIdx_, parseIdx as parseIdx_, encodeIdx as encodeIdx_, toBytes as toBytes_ } from './idx.js'
import { fromCifar as fromCifar_, encodeCifar as encodeCifar_ } from './cifar.js'
import { splitMnist as splitMnist_, fromDigitArrays as fromDigitArrays_ } from './mnist.js'
/** `makeDataset`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const makeDatasetOrThrow = orThrowing(make_)
/** `split`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const splitOrThrow = orThrowing(split_)
/** `fromIdx`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fromIdxOrThrow = orThrowing(fromIdx_)
/** `encodeIdx`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const encodeIdxOrThrow = orThrowing(encodeIdx_)
/** `toBytes`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const toBytesOrThrow = orThrowing(toBytes_)
/** `fromCifar`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fromCifarOrThrow = orThrowing(fromCifar_)
/** `encodeCifar`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const encodeCifarOrThrow = orThrowing(encodeCifar_)
/** `splitMnist`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const splitMnistOrThrow = orThrowing(splitMnist_)
/** `parseIdx`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const parseIdxOrThrow = orThrowing(parseIdx_)
/** `fromDigitArrays`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fromDigitArraysOrThrow = orThrowing(fromDigitArrays_)
import { imageToRow as imageToRow_ } from './pixels.js'
/** `imageToRow`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const imageToRowOrThrow = orThrowing(imageToRow_)
