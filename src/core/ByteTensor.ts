/**
 * A tensor stored as bytes: entry i is `bytes[i] / divisor`, exactly (the float64 quotient), as an
 * image decoder makes pixels (byte / 255). Its float64 `data` is made when first read (or at once,
 * `decoded`) and never differs from the bytes it came from; a compiled function binding one takes
 * the bytes instead (an eighth of the memory traffic) and converts them itself, to the same bits:
 * in float64 b / d is that quotient, and in float32 the division of f32(b) by f32(d) rounds as
 * `Math.fround(b / d)` does whenever d is a float32 number (rounding a binary64 quotient to binary32
 * never rounds twice wrongly: 53 ≥ 2·24 + 2), which `byteTensor` requires of the divisor.
 *
 * Zero bytes are +0: a transform that writes zero bytes (a shift's filled-in pixels) writes what
 * writing 0 into the float64 data would. The bytes are the tensor's own (never written after it
 * is made); like every tensor's data, `data` must not be written either.
 */
import * as S from './Shape.js'
import { SymgradError } from './errors.js'
import type { Tensor } from './Tensor.js'

export class ByteTensor implements Tensor {
  #data: Float64Array | undefined
  /** Use `byteTensor` (checked); the constructor trusts its arguments. */
  constructor(readonly shape: S.Concrete, readonly bytes: Uint8Array, readonly divisor: number, data?: Float64Array) {
    this.#data = data
  }
  /** The float64 values bytes[i] / divisor, made once. */
  get data(): Float64Array {
    if (this.#data === undefined) {
      const b = this.bytes, d = this.divisor
      const out = new Float64Array(b.length)
      for (let i = 0; i < b.length; i++) out[i] = b[i]! / d
      this.#data = out
    }
    return this.#data
  }
}

/** Why `divisor` cannot divide bytes into the same float32 and float64 numbers, or undefined. */
export function divisorProblem(divisor: unknown): string | undefined {
  if (typeof divisor !== 'number' || !Number.isFinite(divisor) || divisor <= 0) return `the divisor must be a positive finite number, got ${String(divisor)}`
  if (Math.fround(divisor) !== divisor) return `the divisor must be a float32 number (so float32 code divides to the same bits), got ${divisor}`
  return undefined
}

/**
 * The tensor of `shape` whose entries are `bytes[i] / divisor`; `bytes` is taken as it is (the
 * caller gives up writing it). Throws a SymgradError for a bad shape, a length that does not fit
 * it, or a divisor `divisorProblem` refuses.
 */
export function byteTensor(shape: S.Concrete, bytes: Uint8Array, divisor: number): ByteTensor {
  const bad = S.shapeProblem(shape, false) ?? divisorProblem(divisor)
  if (bad !== undefined) throw new SymgradError('value', `byteTensor: ${bad}`)
  if (!(bytes instanceof Uint8Array)) throw new SymgradError('value', `byteTensor: bytes must be a Uint8Array`)
  const n = S.size(shape)
  if (bytes.length !== n) throw new SymgradError('shape', `byteTensor: ${bytes.length} bytes, shape ${S.show(shape)} needs ${n}`)
  return new ByteTensor([...shape], bytes, divisor)
}

/** `byteTensor` with its float64 data made now (a data set read whole, row after row, by every pass). */
export function decodedByteTensor(shape: S.Concrete, bytes: Uint8Array, divisor: number): ByteTensor {
  const t = byteTensor(shape, bytes, divisor)
  return new ByteTensor(t.shape, t.bytes, t.divisor, t.data)
}

/** Rows a..b−1 of a [N, …] byte tensor: views of its bytes and (when made) its data, no copy. */
export function byteRows(x: ByteTensor, a: number, b: number): ByteTensor {
  const per = x.shape.slice(1).reduce((p, q) => p * q, 1)
  return new ByteTensor([b - a, ...x.shape.slice(1)], x.bytes.subarray(a * per, b * per), x.divisor, x.data.subarray(a * per, b * per))
}
