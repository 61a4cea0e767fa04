/**
 * RGBA images as PNG files (Node: deflate through node:zlib): 8-bit RGBA, no interlacing, filter 0
 * on every row; the chunks IHDR, IDAT, IEND with their CRC-32 (ISO 3309, the polynomial 0xEDB88320).
 */
import { deflateSync } from 'node:zlib'

/** An image: `width`·`height` pixels, RGBA bytes row-major (`data.length` = 4·width·height). */
export interface RgbaImage {
  readonly width: number
  readonly height: number
  readonly data: Uint8Array
}

const crcTable = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, body.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(body, 8)
  v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)))
  return out
}

/** The PNG file of an RGBA image; throws a RangeError when the sizes and the bytes disagree. */
export function encodePng(img: RgbaImage): Uint8Array {
  const { width, height, data } = img
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== 4 * width * height)
    throw new RangeError(`encodePng: expected ${width}×${height} RGBA pixels (${4 * width * height} bytes), got ${data.length} bytes`)
  const rows = new Uint8Array((4 * width + 1) * height)
  for (let y = 0; y < height; y++) rows.set(data.subarray(4 * width * y, 4 * width * (y + 1)), y * (4 * width + 1) + 1)
  const head = new Uint8Array(13)
  const v = new DataView(head.buffer)
  v.setUint32(0, width)
  v.setUint32(4, height)
  head.set([8, 6, 0, 0, 0], 8) // 8 bits per channel, RGBA, deflate, filter method 0, no interlace
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', head), chunk('IDAT', new Uint8Array(deflateSync(rows))), chunk('IEND', new Uint8Array(0))]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.length))
  return out
}
