/**
 * The IDX format of the standard MNIST files (train-images-idx3-ubyte, train-labels-idx1-ubyte…).
 *
 *   images: int32 magic 2051 (0x00000803: unsigned bytes, 3 dims), int32 N, rows, cols (all
 *           big-endian), then N·rows·cols pixel bytes, row-major;
 *   labels: int32 magic 2049 (0x00000801: unsigned bytes, 1 dim), int32 N, then N label bytes.
 *
 * Pure: bytes in, Either out. Pixels become x = byte / 255 in [0, 1]; the image shape is
 * [rows, cols, 1]. `encodeIdx` writes a dataset back (x·255 rounded), so pixels of the form k/255
 * round-trip exactly. The file names passed in are used only in error messages.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { decodedByteTensor } from '../core/ByteTensor.js'
import * as D from './Dataset.js'
import type { Dataset } from './Dataset.js'

/** The magic number of an IDX image file (unsigned bytes, three dimensions). */
export const IMAGES_MAGIC = 2051
/** The magic number of an IDX label file (unsigned bytes, one dimension). */
export const LABELS_MAGIC = 2049

const decodeError = (message: string): Either<SymgradError, never> => E.left(new SymgradError('decode', message))

const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`

/**
 * The header of an IDX file of unsigned bytes with the expected magic number: its dimensions and
 * the total size (header + body) they promise, checked before the body is read or inflated — every
 * dimension at least 1, the total at most `maxBytes`. `bytes` may be just the first bytes of the file.
 */
export function idxHeader(
  bytes: Uint8Array,
  file: string,
  magic: number,
  maxBytes = Infinity,
): Either<SymgradError, { readonly dims: readonly number[]; readonly header: number; readonly total: number }> {
  const ndim = magic & 0xff
  const header = 4 + 4 * ndim
  const kind = magic === IMAGES_MAGIC ? 'images' : magic === LABELS_MAGIC ? 'labels' : 'IDX'
  if (bytes.length < 4)
    return decodeError(`${file}: truncated IDX ${kind} header: expected at least ${header} bytes, found ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const found = view.getUint32(0, false)
  if (found !== magic) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (the file is gzip-compressed: decompress it first)' : ''
    const other = found === IMAGES_MAGIC ? ' (an images file)' : found === LABELS_MAGIC ? ' (a labels file)' : ''
    return decodeError(`${file}: expected IDX ${kind} magic number ${magic} (${hex(magic)}), found ${found} (${hex(found)})${other}${gz}`)
  }
  if (bytes.length < header)
    return decodeError(`${file}: truncated IDX ${kind} header: expected at least ${header} bytes, found ${bytes.length}`)
  const dims: number[] = []
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false))
  const names = magic === IMAGES_MAGIC ? ['images', 'rows', 'columns'] : ['labels']
  const zero = dims.findIndex((x) => x === 0)
  if (zero >= 0) return decodeError(`${file}: IDX ${kind} with dimensions ${dims.join('×')}: expected at least 1 ${names[zero] ?? `entry in dimension ${zero + 1}`}, got 0`)
  const total = header + dims.reduce((a, b) => a * b, 1)
  if (total > maxBytes)
    return decodeError(`${file}: IDX ${kind} with dimensions ${dims.join('×')} needs ${total} bytes, over the file size limit of ${maxBytes} (raise it with SYMGRAD_MAX_FILE_BYTES=<n>)`)
  return E.right({ dims, header, total })
}

/** Header and body of an IDX file of unsigned bytes with the expected magic number. */
export function parseIdx(
  bytes: Uint8Array,
  file: string,
  magic: number,
): Either<SymgradError, { readonly dims: readonly number[]; readonly data: Uint8Array }> {
  const h = idxHeader(bytes, file, magic)
  if (E.isLeft(h)) return h
  const { dims, header, total } = h.right
  const kind = magic === IMAGES_MAGIC ? 'images' : magic === LABELS_MAGIC ? 'labels' : 'IDX'
  if (bytes.length !== total)
    return decodeError(
      `${file}: IDX ${kind} with dimensions ${dims.join('×')} needs ${total} bytes, found ${bytes.length}` +
        (bytes.length < total ? ' (truncated)' : ' (trailing bytes)'),
    )
  return E.right({ dims, data: bytes.subarray(header) })
}

/** Options of the IDX reader: file names for messages, the data set name, the class count. */
export interface IdxOptions {
  readonly imagesFile?: string
  readonly labelsFile?: string
  readonly name?: string
  /** Number of classes; labels must lie in 0..classes-1. Default 10. */
  readonly classes?: number
}

/** A dataset from the bytes of an IDX images file and an IDX labels file. */
export function fromIdx(images: Uint8Array, labels: Uint8Array, options: IdxOptions = {}): Either<SymgradError, Dataset> {
  const imagesFile = options.imagesFile ?? 'images'
  const labelsFile = options.labelsFile ?? 'labels'
  const classes = options.classes ?? 10
  const im = parseIdx(images, imagesFile, IMAGES_MAGIC)
  if (E.isLeft(im)) return im
  const lb = parseIdx(labels, labelsFile, LABELS_MAGIC)
  if (E.isLeft(lb)) return lb
  const [n, rows, cols] = im.right.dims as [number, number, number]
  const m = lb.right.dims[0]!
  if (n !== m) return decodeError(`${imagesFile} holds ${n} images but ${labelsFile} holds ${m} labels`)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const c = lb.right.data[i]!
    if (c >= classes) return decodeError(`${labelsFile}: label ${i} must be in 0..${classes - 1}, found ${c}`)
    y[i] = c
  }
  // the pixels' own copy (the caller's buffer stays theirs), kept as bytes beside their float64 values
  const x = decodedByteTensor([n, rows * cols], im.right.data.slice(), 255)
  return D.make({
    name: options.name ?? imagesFile,
    x,
    y: { shape: [n], data: y },
    classes,
    shape: [rows, cols, 1],
  })
}

/** Pixel bytes round(x·255) of a dataset whose features lie in [0, 1]. */
export function toBytes(ds: Dataset): Either<SymgradError, Uint8Array> {
  const out = new Uint8Array(ds.x.data.length)
  const d = D.features(ds)
  for (let i = 0; i < out.length; i++) {
    const v = ds.x.data[i]!
    if (!(v >= 0 && v <= 1))
      return E.left(
        new SymgradError('value', `${ds.name}: pixel at row ${Math.floor(i / d)}, column ${i % d} must be in [0, 1] to be stored as a byte, found ${v}`),
      )
    out[i] = Math.round(v * 255)
  }
  return E.right(out)
}

function labelBytes(ds: Dataset): Either<SymgradError, Uint8Array> {
  if (ds.classes > 256) return E.left(new SymgradError('value', `${ds.name}: ${ds.classes} classes do not fit in a label byte`))
  return E.right(Uint8Array.from(ds.y.data))
}

/** The IDX images and labels files of a dataset of single-channel images ([H, W] or [H, W, 1]). */
export function encodeIdx(ds: Dataset): Either<SymgradError, { readonly images: Uint8Array; readonly labels: Uint8Array }> {
  const s = ds.shape
  if (s === undefined || !(s.length === 2 || (s.length === 3 && s[2] === 1)))
    return E.left(new SymgradError('value', `encodeIdx '${ds.name}': expected image shape [H, W, 1], got ${s ? `[${s.join(',')}]` : 'none'}`))
  const px = toBytes(ds)
  if (E.isLeft(px)) return px
  const lb = labelBytes(ds)
  if (E.isLeft(lb)) return lb
  const n = D.size(ds)
  const images = new Uint8Array(16 + px.right.length)
  const iv = new DataView(images.buffer)
  iv.setUint32(0, IMAGES_MAGIC, false)
  iv.setUint32(4, n, false)
  iv.setUint32(8, s[0]!, false)
  iv.setUint32(12, s[1]!, false)
  images.set(px.right, 16)
  const labels = new Uint8Array(8 + n)
  const lv = new DataView(labels.buffer)
  lv.setUint32(0, LABELS_MAGIC, false)
  lv.setUint32(4, n, false)
  labels.set(lb.right, 8)
  return E.right({ images, labels })
}
