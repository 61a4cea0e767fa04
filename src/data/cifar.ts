/**
 * CIFAR-10 binary batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin).
 *
 * Each file is a run of 3073-byte records: 1 label byte (0..9), then 3072 pixel bytes as three
 * 32×32 planes, red then green then blue, each row-major (channel-major, C,H,W). We convert to the
 * library's channels-last layout: x has shape [N, 3072] with pixel (h, w, c) at column
 * (h·32 + w)·3 + c, the image shape is [32, 32, 3], and x = byte / 255 in [0, 1].
 * Pure: bytes in, Either out; file names are used only in error messages.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { decodedByteTensor } from '../core/ByteTensor.js'
import * as D from './Dataset.js'
import type { Dataset } from './Dataset.js'
import { toBytes } from './idx.js'

/** The ten CIFAR-10 class names, by label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const

const SIDE = 32
const PLANE = SIDE * SIDE
const PIXELS = 3 * PLANE
/** Bytes per record of a CIFAR-10 binary batch: one label byte and 32·32·3 pixels. */
export const CIFAR_RECORD_BYTES = 1 + PIXELS

/** A CIFAR-10 binary batch file: its name and bytes. */
export interface CifarFile {
  readonly bytes: Uint8Array
  /** Used in error messages. */
  readonly file: string
}

const decodeError = (message: string): Either<SymgradError, never> => E.left(new SymgradError('decode', message))

/** One dataset from one or more CIFAR-10 binary batch files, concatenated in the order given. */
export function fromCifar(files: readonly CifarFile[], name = 'cifar10'): Either<SymgradError, Dataset> {
  let n = 0
  for (const { bytes, file } of files) {
    if (bytes.length === 0) return decodeError(`${file}: empty file, expected 3073-byte CIFAR-10 records`)
    if (bytes.length % CIFAR_RECORD_BYTES !== 0)
      return decodeError(
        `${file}: size ${bytes.length} is not a multiple of the ${CIFAR_RECORD_BYTES}-byte CIFAR-10 record ` +
          `(${Math.floor(bytes.length / CIFAR_RECORD_BYTES)} whole records and ${bytes.length % CIFAR_RECORD_BYTES} extra bytes: truncated or not a CIFAR-10 batch)`,
      )
    n += bytes.length / CIFAR_RECORD_BYTES
  }
  const xb = new Uint8Array(n * PIXELS)
  const y = new Float64Array(n)
  let row = 0
  for (const { bytes, file } of files) {
    for (let r = 0; r < bytes.length / CIFAR_RECORD_BYTES; r++, row++) {
      const off = r * CIFAR_RECORD_BYTES
      const label = bytes[off]!
      if (label > 9) return decodeError(`${file}: record ${r} has label ${label}, expected 0..9`)
      y[row] = label
      const base = row * PIXELS
      for (let c = 0; c < 3; c++) {
        const plane = off + 1 + c * PLANE
        for (let p = 0; p < PLANE; p++) xb[base + p * 3 + c] = bytes[plane + p]!
      }
    }
  }
  return D.make({ name, x: decodedByteTensor([n, PIXELS], xb, 255), y: { shape: [n], data: y }, classes: 10, shape: [SIDE, SIDE, 3] })
}

/** The bytes of a CIFAR-10 binary batch holding `ds` (image shape [32, 32, 3], pixels in [0, 1]). */
export function encodeCifar(ds: Dataset): Either<SymgradError, Uint8Array> {
  const s = ds.shape
  if (s === undefined || s.length !== 3 || s[0] !== SIDE || s[1] !== SIDE || s[2] !== 3)
    return E.left(new SymgradError('value', `encodeCifar '${ds.name}': expected image shape [32,32,3], got ${s ? `[${s.join(',')}]` : 'none'}`))
  if (ds.classes > 10) return E.left(new SymgradError('value', `encodeCifar '${ds.name}': CIFAR-10 has 10 classes, dataset has ${ds.classes}`))
  const px = toBytes(ds)
  if (E.isLeft(px)) return px
  const n = D.size(ds)
  const out = new Uint8Array(n * CIFAR_RECORD_BYTES)
  for (let i = 0; i < n; i++) {
    const off = i * CIFAR_RECORD_BYTES
    out[off] = ds.y.data[i]!
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < PLANE; p++) out[off + 1 + c * PLANE + p] = px.right[i * PIXELS + p * 3 + c]!
  }
  return E.right(out)
}
