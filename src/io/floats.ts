/**
 * Exact float encoding for JSON (browser-safe: no Buffer, no Node APIs).
 *
 * Tensors: `{ "shape": [2, 3], "f64le": "<base64>" }` — the base64 (RFC 4648, with padding) of the
 * tensor's Float64Array bytes in little-endian order, whatever the machine's byte order. Every bit
 * survives, including NaN payloads, −0 and ±Infinity; 8 bytes become 10.7 characters.
 *
 * Single numbers (hyperparameters, step counts, losses in a history): a JSON number when finite and
 * not −0 (ECMAScript prints the shortest decimal that reads back to the same double, so
 * `JSON.parse(JSON.stringify(x)) === x` bit for bit); otherwise one of the strings
 * `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`, which JSON cannot spell as numbers.
 */
import type { Tensor } from '../core/Tensor.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const LOOKUP: Int16Array = (() => {
  const l = new Int16Array(128).fill(-1)
  for (let i = 0; i < ALPHABET.length; i++) l[ALPHABET.charCodeAt(i)] = i
  return l
})()

/** RFC 4648 base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  const parts: string[] = []
  let chunk = ''
  const n = bytes.length
  let i = 0
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    chunk += ALPHABET[(v >>> 18) & 63]! + ALPHABET[(v >>> 12) & 63]! + ALPHABET[(v >>> 6) & 63]! + ALPHABET[v & 63]!
    if (chunk.length >= 8192) {
      parts.push(chunk)
      chunk = ''
    }
  }
  if (n - i === 1) {
    const v = bytes[i]! << 16
    chunk += ALPHABET[(v >>> 18) & 63]! + ALPHABET[(v >>> 12) & 63]! + '=='
  } else if (n - i === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    chunk += ALPHABET[(v >>> 18) & 63]! + ALPHABET[(v >>> 12) & 63]! + ALPHABET[(v >>> 6) & 63]! + '='
  }
  parts.push(chunk)
  return parts.join('')
}

/** Strict base64 decoding: a string of the wrong length or with a character outside the alphabet gives a message. */
export function fromBase64(s: string): Uint8Array | string {
  if (s.length % 4 !== 0) return `base64 length must be a multiple of 4, got ${s.length}`
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0
  const out = new Uint8Array((s.length / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < s.length; i += 4) {
    let v = 0
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j)
      const isPad = c === 61 && i + 4 === s.length && j >= 4 - pad
      const d = isPad ? 0 : c < 128 ? LOOKUP[c]! : -1
      if (d < 0) return `invalid base64 character ${JSON.stringify(s[i + j])} at position ${i + j}`
      v = (v << 6) | d
    }
    out[o++] = (v >>> 16) & 255
    if (o < out.length) out[o++] = (v >>> 8) & 255
    if (o < out.length) out[o++] = v & 255
  }
  return out
}

/** The little-endian bytes of a Float64Array. */
export function float64ToBytes(data: Float64Array): Uint8Array {
  const bytes = new Uint8Array(data.length * 8)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < data.length; i++) view.setFloat64(i * 8, data[i]!, true)
  return bytes
}

/** A Float64Array from little-endian bytes (length a multiple of 8). */
export function bytesToFloat64(bytes: Uint8Array): Float64Array {
  const out = new Float64Array(bytes.length >>> 3)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true)
  return out
}

/** Float64 values as base64 little-endian bytes. */
export function encodeFloat64(data: Float64Array): string {
  return toBase64(float64ToBytes(data))
}

/** The doubles of a base64 string, or a message saying why it is not one. */
export function decodeFloat64(s: string): Float64Array | string {
  const bytes = fromBase64(s)
  if (typeof bytes === 'string') return bytes
  if (bytes.length % 8 !== 0) return `expected a whole number of 8-byte doubles, got ${bytes.length} bytes`
  return bytesToFloat64(bytes)
}

/** A tensor in JSON: its shape and base64 little-endian float64 data. */
export interface TensorJson {
  readonly shape: readonly number[]
  readonly f64le: string
}

/** A tensor as `{ shape, f64le }` JSON. */
export function encodeTensor(t: Tensor): TensorJson {
  return { shape: [...t.shape], f64le: encodeFloat64(t.data) }
}

/** A number as JSON: itself when finite and not −0, else "NaN" | "Infinity" | "-Infinity" | "-0". */
export type NumberJson = number | 'NaN' | 'Infinity' | '-Infinity' | '-0'

/** A number as JSON: itself, or "NaN"/"Infinity"/"-Infinity"/"-0". */
export function encodeNumber(x: number): NumberJson {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (Object.is(x, -0)) return '-0'
  return x
}

/** A JSON number, or "NaN"/"Infinity"/"-Infinity"/"-0", as a number. */
export function decodeNumber(j: NumberJson): number {
  return typeof j === 'number' ? j : j === '-0' ? -0 : Number(j)
}
