/**
 * A tensor stored as bytes: entry i is `bytes[i] / divisor`, exactly (the float64 quotient), as an
 * image decoder makes pixels (byte / 255). Its float64 `data` is made when first read (or at once,
 * `decoded`) and never differs from the bytes it came from; a compiled function binding one takes
 * the bytes instead (an eighth of the memory traffic) and converts them itself, to the same bits:
 * in float64 b / d is that quotient, and in float32 the division of f32(b) by f32(d) rounds as
 * `Math.fround(b / d)` does whenever d is a float32 number (rounding a binary64 quotient to binary32
 * never rounds twice wrongly: 53 ≥ 2·24 + 2), which the constructor requires of the divisor.
 *
 * Zero bytes are +0: a transform that writes zero bytes (a shift's filled-in pixels) writes what
 * writing 0 into the float64 data would. The bytes are the tensor's own (never written after it
 * is made); like every tensor's data, `data` must not be written either.
 */
import * as S from './Shape.js'
import { SymgradError } from './errors.js'

/**
 * A [N, …] tensor whose entries are bytes[i] / divisor: a `Tensor` (shape, data) whose float64 data
 * is made when first read, and whose bytes compiled functions bind instead (core/Tensor.ts's
 * `tensorProblem` takes it as checked here: it imports this file, not the other way round).
 */
export class ByteTensor {
  readonly shape: S.Concrete
  /**
   * The float64 values bytes[i] / divisor, made when first read. An own enumerable property (a
   * getter), so a spread or a structured clone of the tensor carries the values (as a plain tensor).
   */
  declare readonly data: Float64Array
  #data: Float64Array | undefined
  /**
   * The tensor of `shape` whose entries are `bytes[i] / divisor`; `bytes` is taken as it is (the
   * caller gives up writing it). Throws a SymgradError for a bad shape, a length that does not fit
   * it, or a divisor `divisorProblem` refuses.
   */
  constructor(shape: S.Concrete, readonly bytes: Uint8Array, readonly divisor: number) {
    const bad = S.shapeProblem(shape, false) ?? divisorProblem(divisor)
    if (bad !== undefined) throw new SymgradError('value', `byte tensor: ${bad}`)
    if (!(bytes instanceof Uint8Array)) throw new SymgradError('value', 'byte tensor: bytes must be a Uint8Array')
    const n = S.size(shape)
    if (bytes.length !== n) throw new SymgradError('shape', `byte tensor: ${bytes.length} bytes, shape ${S.show(shape)} needs ${n}`)
    this.shape = [...shape]
    Object.defineProperty(this, 'data', { enumerable: true, get: () => (this.#data ??= quotients(bytes, divisor)) })
  }
  /** Whether entry i's float64 value, when made, is still its byte's quotient (the data written after all: a broken promise this can catch). */
  agreesAt(i: number): boolean {
    return this.#data === undefined || this.#data[i] === this.bytes[i]! / this.divisor
  }
  /** Rows a..b−1 (0 ≤ a ≤ b ≤ N) of this [N, …] tensor: views of its bytes and of its data when made, no copy. */
  rows(a: number, b: number): ByteTensor {
    const per = S.size(this.shape.slice(1))
    const r = new ByteTensor([b - a, ...this.shape.slice(1)], this.bytes.subarray(a * per, b * per), this.divisor)
    r.#data = this.#data?.subarray(a * per, b * per)
    return r
  }
  /** This tensor with its float64 values made now (a data set read whole by every pass). */
  decoded(): this {
    void this.data
    return this
  }
}

function quotients(b: Uint8Array, d: number): Float64Array {
  const out = new Float64Array(b.length)
  for (let i = 0; i < b.length; i++) out[i] = b[i]! / d
  return out
}

/** Why `divisor` cannot divide bytes into the same float32 and float64 numbers, or undefined. */
export function divisorProblem(divisor: unknown): string | undefined {
  if (typeof divisor !== 'number' || !Number.isFinite(divisor) || divisor <= 0) return `the divisor must be a positive finite number, got ${String(divisor)}`
  if (Math.fround(divisor) !== divisor) return `the divisor must be a float32 number (so float32 code divides to the same bits), got ${divisor}`
  return undefined
}

/**
 * Throws a SymgradError (naming `place`) when the float64 data of x [N, D] was written after it
 * was made: the bytes, which stand in for the values when rows are gathered, would then say
 * something else. One entry is looked at, in the first of `rows` (a column that moves with the
 * row): a pass over the whole data is caught by the first batch, a single entry only by chance.
 * (An entry of every row cost a cache miss each: 19 µs for a batch of 64 MNIST rows.)
 */
export function checkRows(x: ByteTensor, rows: ArrayLike<number>, place: string): void {
  const d = S.size(x.shape.slice(1))
  if (d === 0 || rows.length === 0) return
  const r = rows[0]!
  // a row outside the tensor is its caller's to refuse (or not to ask for), not a sign of writing
  if (!Number.isInteger(r) || r < 0 || r >= x.shape[0]!) return
  const at = r * d + ((r * 7919) % d)
  if (!x.agreesAt(at))
    throw new SymgradError('value', `${place}: row ${r} of the features was written after it was decoded from bytes (column ${at % d} holds ${x.data[at]}, its byte gives ${x.bytes[at]! / x.divisor}); tensors are values: make a new one instead of writing into one`)
}

/** A ByteTensor with its float64 data made now (a data set read whole, row after row, by every pass). */
export function decodedByteTensor(shape: S.Concrete, bytes: Uint8Array, divisor: number): ByteTensor {
  return new ByteTensor(shape, bytes, divisor).decoded()
}
