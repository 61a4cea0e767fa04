/**
 * The header of a PNG file, read before anything is decoded (pure, browser-safe): the 8-byte
 * signature, then the IHDR chunk (length 13): width, height (uint32 big-endian), bit depth, colour
 * type, compression, filter, interlace. A file that is not a PNG, or whose header promises more
 * pixels than `maxPixels`, is refused here, so no decoder ever allocates for a forged header.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const

/** A PNG's IHDR fields: width, height, bit depth, colour type. */
export interface PngHeader {
  readonly width: number
  readonly height: number
  readonly bitDepth: number
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  readonly colorType: number
}

const colorTypes: Readonly<Record<number, string>> = { 0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey+alpha', 6: 'RGBA' }
const depths: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] }

/** The colour type in words (`RGBA`, `palette`). */
export const colorTypeName = (t: number): string => colorTypes[t] ?? `colour type ${t}`

const bad = (file: string, m: string): Either<SymgradError, never> => E.left(new SymgradError('decode', `${file}: ${m}`))

/** The header of the PNG `bytes` (its first 33 bytes are enough); Left names what is wrong. */
export function pngHeader(bytes: Uint8Array, file: string, maxPixels: number): Either<SymgradError, PngHeader> {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    const text = bytes.length > 0 && bytes.subarray(0, 64).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))
    return bad(file, `not a PNG file (no PNG signature${text ? '; it starts like a text file' : ''})`)
  }
  if (bytes.length < 33) return bad(file, `truncated PNG: ${bytes.length} bytes, the header alone needs 33`)
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const type = String.fromCharCode(...bytes.subarray(12, 16))
  if (v.getUint32(8) !== 13 || type !== 'IHDR') return bad(file, 'damaged PNG: the first chunk is not a 13-byte IHDR header')
  const width = v.getUint32(16)
  const height = v.getUint32(20)
  const bitDepth = bytes[24]!
  const colorType = bytes[25]!
  if (width === 0 || height === 0) return bad(file, `damaged PNG: the header says ${width}×${height} pixels`)
  if (width * height > maxPixels) return bad(file, `PNG of ${width}×${height} pixels, over the limit of ${maxPixels} pixels (refused before decoding)`)
  if (!(depths[colorType] ?? []).includes(bitDepth)) return bad(file, `damaged PNG: bit depth ${bitDepth} with ${colorTypeName(colorType)} is not a PNG format`)
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28]! > 1) return bad(file, 'damaged PNG: unknown compression, filter or interlace method in the header')
  return E.right({ width, height, bitDepth, colorType })
}
