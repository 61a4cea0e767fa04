/**
 * Node file helpers for the data loaders: read and write bytes (gzip-aware), and load the IDX and
 * CIFAR-10 files from disk. The parsers themselves are pure and live in `src/data`; this module
 * only turns paths into bytes and file-system failures into `Left` values.
 */
import { mkdirSync } from 'node:fs'
import { kMaxLength } from 'node:buffer'
import { dirname } from 'node:path'
import { constants as zlibConstants, gunzipSync } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError, errorMessage } from '../core/errors.js'
import type { Dataset } from '../data/Dataset.js'
import { fromIdx, idxHeader, IMAGES_MAGIC, LABELS_MAGIC } from '../data/idx.js'
import type { IdxOptions } from '../data/idx.js'
import { fromCifar } from '../data/cifar.js'
import { parseIdx } from '../data/idx.js'
import { sizeMismatch, type DecodedImage, type PixelInput } from '../data/pixels.js'
import { PNG } from 'pngjs'
import { colorTypeName, pngHeader } from './png.js'
import { readFileChecked, reason, writeFileAtomic } from './atomic.js'
import { fromCsvBytes } from './csv.js'
import { limitsFromEnv, limitVars, withinMemory, type Limits } from './limits.js'

/** The limits in force: the defaults with those raised through SYMGRAD_MAX_* environment variables. */
export function currentLimits(): Either<SymgradError, Limits> {
  return limitsFromEnv(process.env)
}

/**
 * Says how many bytes a file may hold once inflated, from its first `headerBytes` bytes (e.g. an
 * IDX header's dimensions), or refuses it from them (a wrong magic number).
 */
export interface ExpectedSize {
  /** How many leading (inflated) bytes `size` reads. */
  readonly headerBytes: number
  /** The file's whole inflated size in bytes from its header `head`, or Left when the header is wrong or promises more than `maxBytes`. */
  readonly size: (head: Uint8Array, maxBytes: number) => Either<SymgradError, number>
}

/**
 * The bytes of a regular file of at most the file size limit; gzip files (magic 1f 8b, e.g.
 * `train-images-idx3-ubyte.gz`) are inflated without ever holding more than the limit — or, with
 * `expected`, more than the size the file's own header promises: the first bytes are inflated
 * alone and checked (magic number, dimensions) before the rest, so a gzip bomb is refused after
 * inflating a few kilobytes, never gigabytes.
 */
export function readBytes(path: string, expected?: ExpectedSize, given?: Limits): Either<SymgradError, Uint8Array> {
  const limits = given !== undefined ? E.right(given) : currentLimits()
  if (E.isLeft(limits)) return limits
  const max = limits.right.fileBytes
  const read = readFileChecked(path, 'fileBytes', limits.right)
  if (E.isLeft(read)) return read
  const raw = read.right
  const gzip = raw[0] === 0x1f && raw[1] === 0x8b
  let cap = max
  if (expected !== undefined) {
    let head = raw
    if (gzip)
      try {
        // growing prefixes of the compressed stream, flushed, until one inflates to the whole header:
        // a prefix inflates to at most ~1,000× its size, so a bomb's header costs kilobytes, not megabytes
        for (let k = 64; ; k *= 2) {
          head = new Uint8Array(gunzipSync(raw.subarray(0, Math.min(raw.length, k)), { finishFlush: zlibConstants.Z_SYNC_FLUSH }))
          if (head.length >= expected.headerBytes || k >= raw.length || k >= 4096) break
        }
      } catch (e) {
        return E.left(new SymgradError('io', `${path}: looks gzip-compressed but does not inflate: ${errorMessage(e)}`))
      }
    const n = expected.size(head.subarray(0, expected.headerBytes), max)
    if (E.isLeft(n)) return n
    cap = n.right
  }
  if (!gzip) return E.right(raw)
  try {
    // one byte over the cap tells "more than promised" (a trailing-bytes message) from a bomb
    return E.right(gunzipSync(raw, { maxOutputLength: Math.min(cap + 1, kMaxLength) })) // a Buffer is a Uint8Array: no second copy
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      return E.left(new SymgradError('io', expected !== undefined
        ? `${path}: inflates to more than the ${cap} bytes its header promises (a damaged file or a gzip bomb)`
        : `${path}: inflates to more than the file size limit of ${max} bytes (raise it with ${limitVars.fileBytes}=<n>)`))
    return E.left(new SymgradError('io', `${path}: looks gzip-compressed but does not inflate: ${errorMessage(e)}`))
  }
}

/**
 * The expected size of an IDX file from its header (see idxHeader), and what its body becomes in
 * memory (one float64 per byte) checked against the memory limit, all before the body is inflated.
 */
const idxSize = (file: string, magic: number, limits: Limits): ExpectedSize => ({
  headerBytes: 4 + 4 * (magic & 0xff),
  size: (head, maxBytes) =>
    E.chain((h: { dims: readonly number[]; header: number; total: number }) =>
      E.map(() => h.total)(withinMemory(limits, (h.total - h.header) * 8, file, `IDX data with dimensions ${h.dims.join('×')} (as float64)`)),
    )(idxHeader(head, file, magic, maxBytes)),
})

/** Writes bytes atomically (writeFileAtomic: a file another run holds is refused), creating the parent folder. */
export function writeBytes(path: string, bytes: Uint8Array): Either<SymgradError, void> {
  try {
    mkdirSync(dirname(path), { recursive: true })
    return writeFileAtomic(path, bytes)
  } catch (e) {
    return E.left(new SymgradError('io', `cannot write ${path}: ${reason(e)}`))
  }
}

/** MNIST from a pair of IDX files (plain or .gz). */
export function loadIdx(imagesPath: string, labelsPath: string, options: Omit<IdxOptions, 'imagesFile' | 'labelsFile'> = {}, given?: Limits): Either<SymgradError, Dataset> {
  const limits = given !== undefined ? E.right(given) : currentLimits()
  if (E.isLeft(limits)) return limits
  const images = readBytes(imagesPath, idxSize(imagesPath, IMAGES_MAGIC, limits.right), limits.right)
  if (E.isLeft(images)) return images
  const labels = readBytes(labelsPath, idxSize(labelsPath, LABELS_MAGIC, limits.right), limits.right)
  if (E.isLeft(labels)) return labels
  return fromIdx(images.right, labels.right, { ...options, imagesFile: imagesPath, labelsFile: labelsPath })
}

/** CIFAR-10 from one or more binary batch files, concatenated in order. */
export function loadCifar(paths: readonly string[], name = 'cifar10', given?: Limits): Either<SymgradError, Dataset> {
  const limits = given !== undefined ? E.right(given) : currentLimits()
  if (E.isLeft(limits)) return limits
  const files: { bytes: Uint8Array; file: string }[] = []
  let total = 0
  for (const file of paths) {
    const bytes = readBytes(file, undefined, limits.right)
    if (E.isLeft(bytes)) return bytes
    files.push({ bytes: bytes.right, file })
    total += bytes.right.length
    // every byte becomes a float64 (pixels, and a label per record): checked before the next file and the arrays
    const mem = withinMemory(limits.right, total * 8, name, `${files.length} CIFAR-10 file(s) of ${total} bytes (as float64)`)
    if (E.isLeft(mem)) return mem
  }
  return fromCifar(files, name)
}

/** A dataset from a CSV file of `label,x1,…,xD` lines (see csv.ts), parsed from its bytes (no one giant string). */
export function loadCsv(path: string, given?: Limits): Either<SymgradError, Dataset> {
  const limits = given !== undefined ? E.right(given) : currentLimits()
  if (E.isLeft(limits)) return limits
  const bytes = readBytes(path, undefined, limits.right)
  return E.isLeft(bytes) ? bytes : fromCsvBytes(bytes.right, path, limits.right)
}

/**
 * A PNG file as 8-bit RGBA pixels (pngjs). The header is checked before anything is decoded: a file
 * that is not a PNG, more pixels than the file size limit allows (4 bytes each) or than the memory
 * limit (decoded and as float64, 40 bytes each), a 16-bit PNG, or —
 * with `input` — another size than the model's images (predict never resizes) is refused in one line.
 */
export function readPng(path: string, input?: PixelInput, given?: Limits): Either<SymgradError, DecodedImage> {
  const limits = given !== undefined ? E.right(given) : currentLimits()
  if (E.isLeft(limits)) return limits
  const bytes = readFileChecked(path)
  if (E.isLeft(bytes)) return bytes
  const h = pngHeader(bytes.right, path, Math.floor(limits.right.fileBytes / 4))
  if (E.isLeft(h)) return h
  const { width, height, bitDepth, colorType } = h.right
  // decoded as RGBA (4 bytes a pixel), kept as bytes (up to 4), then float64 for the model (up to 4 × 8)
  const mem = withinMemory(limits.right, width * height * (4 + 4 + 32), path, `a ${width}×${height} PNG (decoded, then as float64)`)
  if (E.isLeft(mem)) return mem
  const size = input === undefined ? undefined : sizeMismatch(width, height, input)
  if (size !== undefined) return E.left(new SymgradError('value', `${path}: ${size}`))
  if (bitDepth === 16) return E.left(new SymgradError('value', `${path}: a 16-bit PNG (${colorTypeName(colorType)}); predict reads 8-bit PNGs (save it with 8 bits per channel)`))
  try {
    const png = PNG.sync.read(Buffer.from(bytes.right.buffer, bytes.right.byteOffset, bytes.right.byteLength))
    // pngjs gives RGBA; keep the channels the file has (grey 0, RGB 2, grey+alpha 4; palettes may hold alpha)
    const keep = colorType === 0 ? [0] : colorType === 2 ? [0, 1, 2] : colorType === 4 ? [0, 3] : [0, 1, 2, 3]
    const n = png.width * png.height
    const data = new Uint8Array(n * keep.length)
    for (let p = 0; p < n; p++) for (let j = 0; j < keep.length; j++) data[p * keep.length + j] = png.data[p * 4 + keep[j]!]!
    return E.right({ width: png.width, height: png.height, channels: keep.length as 1 | 2 | 3 | 4, data, source: colorTypeName(colorType) })
  } catch (e) {
    return E.left(new SymgradError('decode', `${path}: truncated or damaged PNG (the decoder says: ${errorMessage(e)})`))
  }
}

/** The images of an IDX images file (plain or .gz) as 8-bit grey pixels, one DecodedImage each. */
export function loadIdxImages(path: string, given?: Limits): Either<SymgradError, readonly DecodedImage[]> {
  const limits = given !== undefined ? E.right(given) : currentLimits()
  if (E.isLeft(limits)) return limits
  const bytes = readBytes(path, idxSize(path, IMAGES_MAGIC, limits.right), limits.right)
  if (E.isLeft(bytes)) return bytes
  const im = parseIdx(bytes.right, path, IMAGES_MAGIC)
  if (E.isLeft(im)) return im
  const [n, rows, cols] = im.right.dims as [number, number, number]
  const per = rows * cols
  return E.right(Array.from({ length: n }, (_, i) => ({ width: cols, height: rows, channels: 1 as const, data: im.right.data.subarray(i * per, (i + 1) * per), source: 'IDX grey' })))
}
