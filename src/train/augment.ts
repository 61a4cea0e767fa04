/**
 * Data augmentation for image rows: each image of a batch shifted by a whole number of pixels,
 * drawn from a key (pure: the same key gives the same shifts). Pixels shifted in are 0.
 *
 * An augmentation may also come in a gathered form (`gathered`): the rows of a batch taken from
 * the whole training matrix and transformed in one pass into one fresh tensor, equal bit for bit
 * to taking the rows first and augmenting them; the training fold uses it when present
 * (train/batchInput.ts), so a step's batch is written once instead of twice. Rows stored as bytes
 * (core/ByteTensor.ts: decoded pixels) are gathered as bytes, an eighth of the memory traffic, into
 * a batch stored as bytes: the values are the same (a shifted-in 0 byte is the value +0).
 */
import * as R from '../core/Random.js'
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import { ByteTensor, checkRows } from '../core/ByteTensor.js'

/** Where the rows' first reads go, so that the engine keeps them (see `shift`). */
let touchedSink = 0

/** A batch transform applied to the training features of each step, from that step's key. */
export interface Augment {
  (x: Tensor, key: Key): Tensor
  /**
   * The same transform of the rows `rows` of `x` [N, D] (in that order): bit for bit
   * `augment(take(x, rows), key)`, in one pass. A fresh tensor, or one over `into` when given
   * (rows·D numbers, every one written: a caller reusing one buffer from step to step spares the
   * allocation, about as long as the pass itself); `x` and `rows` are not written. When `x` is a
   * ByteTensor the result is one too (over `into` when given a Uint8Array; a Float64Array `into`
   * is for float64 rows only, and either kind given for the other is refused).
   */
  readonly gathered?: (x: Tensor, rows: ArrayLike<number>, key: Key, into?: Float64Array | Uint8Array) => Tensor
}

/**
 * Random translations of images stored as rows [N, H·W·C] (channels last), each by dy, dx drawn
 * uniformly from −maxShift..maxShift (per row i: uniform(key, [n, 2]) row i, scaled to the 2·maxShift + 1
 * shifts). A fresh tensor; `x` is not written. Its `gathered` form shifts rows taken from a larger
 * matrix, out of range row numbers refused with a RangeError. H, W and C must be positive integers
 * and maxShift a whole number of pixels (0 or more), else a RangeError: a fractional or negative
 * shift would move pixels by fractions of an index or always the same way.
 */
export function randomShift(image: readonly [h: number, w: number, c: number], maxShift = 1): Augment {
  const [h, w, c] = image
  if (image.length !== 3 || ![h, w, c].every((v) => Number.isSafeInteger(v) && v > 0))
    throw new RangeError(`randomShift: the image shape must be [height, width, channels] of positive integers, got [${image.map(String).join(', ')}]`)
  if (!Number.isSafeInteger(maxShift) || maxShift < 0)
    throw new RangeError(`randomShift: maxShift must be a whole number of pixels, 0 or more, got ${String(maxShift)}`)
  const d = h * w * c
  const check = (x: Tensor): number => {
    const [n, cols] = x.shape as [number, number]
    if (cols !== d) throw new RangeError(`randomShift: rows have ${cols} values, expected ${h}·${w}·${c} = ${d}`)
    return n
  }
  // row i of the output is source row `from(i)` of x, shifted by the i-th pair of draws: in the
  // flat row a shift by (dy, dx) moves every pixel by delta = (dy·w + dx)·c, so one copy moves the
  // image, and the pixels it carried across an edge (rows and columns shifted in) are set to 0
  const shift = <A extends Float64Array | Uint8Array>(src: A, n: number, from: (i: number) => number, key: Key, fresh: (n: number) => A, into?: A): A => {
    const u = R.uniform(key, [n, 2]).data
    // the rows are scattered over the training matrix (tens of megabytes), so each one's first read
    // misses the caches and the address translation: reading the first and last value of every row
    // first lets those misses overlap, where the copies below would meet them one row at a time
    // (in the training fold, 64 rows of 784 bytes: the pass went from 58 to 36 µs)
    let touched = 0
    for (let i = 0; i < n; i++) {
      const a = from(i) * d
      touched += src[a]! + src[a + d - 1]!
    }
    touchedSink = touched
    // a fresh array is zeros already; a reused one gets its zeros written below
    const out = into ?? fresh(n * d)
    const span = 2 * maxShift + 1
    const rowLen = w * c
    for (let i = 0; i < n; i++) {
      const dy = Math.min(span - 1, Math.floor(u[2 * i]! * span)) - maxShift
      const dx = Math.min(span - 1, Math.floor(u[2 * i + 1]! * span)) - maxShift
      const base = i * d
      if (dy <= -h || dy >= h || dx <= -w || dx >= w) {
        // the whole image shifted out: zeros
        if (into !== undefined) out.fill(0, base, base + d)
        continue
      }
      const delta = (dy * w + dx) * c
      const lo = Math.max(0, delta)
      const hi = Math.min(d, d + delta)
      const at = from(i) * d - delta
      out.set(src.subarray(at + lo, at + hi) as ArrayLike<number>, base + lo)
      // columns col0 … col1 − 1 of rows dy … h + dy − 1 came from inside the image
      const col0 = Math.max(0, dx) * c
      const col1 = Math.min(w, w + dx) * c
      for (let r = 0; r < h; r++) {
        const o = base + r * rowLen
        if (r < dy || r >= h + dy) {
          for (let k = 0; k < rowLen; k++) out[o + k] = 0
          continue
        }
        for (let k = 0; k < col0; k++) out[o + k] = 0
        for (let k = col1; k < rowLen; k++) out[o + k] = 0
      }
    }
    return out
  }
  const floats = (n: number) => new Float64Array(n)
  const bytes = (n: number) => new Uint8Array(n)
  const gathered = (x: Tensor, rows: ArrayLike<number>, key: Key, into?: Float64Array | Uint8Array): Tensor => {
    const n = check(x)
    const m = rows.length
    if (into !== undefined && into.length !== m * d) throw new RangeError(`randomShift: the output buffer holds ${into.length} numbers, ${m} rows of ${d} need ${m * d}`)
    for (let i = 0; i < m; i++) {
      const r = rows[i]!
      if (!Number.isInteger(r) || r < 0 || r >= n) throw new RangeError(`randomShift: row ${i} of the batch is ${r}, outside 0..${n - 1}`)
    }
    const from = (i: number) => rows[i]!
    if (x instanceof ByteTensor) {
      checkRows(x, rows, 'randomShift')
      if (into !== undefined && !(into instanceof Uint8Array)) throw new RangeError('randomShift: rows stored as bytes are gathered into bytes: the output buffer must be a Uint8Array')
      return new ByteTensor([m, d], shift(x.bytes, m, from, key, bytes, into), x.divisor)
    }
    if (into !== undefined && !(into instanceof Float64Array)) throw new RangeError('randomShift: float64 rows are gathered into float64: the output buffer must be a Float64Array')
    return { shape: [m, d], data: shift(x.data, m, from, key, floats, into) }
  }
  return Object.assign((x: Tensor, key: Key): Tensor => {
    const n = check(x)
    return { shape: [n, d], data: shift(x.data, n, (i) => i, key, floats) }
  }, { gathered })
}
