/**
 * Dataset: examples as rows of a float64 matrix with integer class labels.
 *
 *   x: [N, D] features (one example per row), y: [N] labels 0..classes-1 stored as float64,
 *   shape: the per-example image shape (H, W, C) when rows are flattened images, H·W·C = D,
 *   row-major with channels last (pixel (h, w, c) is column (h·W + w)·C + c).
 *
 * `make` is the one checked constructor: it refuses NaN/Inf features (naming the row and column),
 * non-integer or out-of-range labels, and shapes that do not fit. Everything here is pure.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { tensorProblem } from '../core/Tensor.js'
import { quoteName } from '../core/codecs.js'
import { SymgradError } from '../core/errors.js'
import { ByteTensor, checkRows } from '../core/ByteTensor.js'

/** A labelled data set: rows x [N, D], labels y [N] (class indices), the class count, and an image shape when rows are images. */
export interface Dataset {
  readonly name: string
  readonly x: Tensor
  readonly y: Tensor
  readonly classes: number
  readonly shape?: readonly number[]
}

/** The fields `makeDataset` checks and turns into a Dataset. */
export interface Fields {
  readonly name: string
  readonly x: Tensor
  readonly y: Tensor
  readonly classes: number
  readonly shape?: readonly number[] | undefined
}

const fail = (message: string): Either<SymgradError, never> => E.left(new SymgradError('value', message))

/** The first non-finite entry of a [N, D] tensor as "row r, column c (value)", or undefined. */
export function findNonFinite(x: Tensor): { row: number; col: number; value: number } | undefined {
  const d = x.shape[1] ?? 1
  const a = x.data
  // v·0 is 0 for a finite v and NaN otherwise: four running sums of them per block of 1024 say
  // whether the block holds one (about twice as fast as testing each entry: data sets of 47 M entries)
  for (let s = 0; s < a.length; s += 1024) {
    const e = Math.min(a.length, s + 1024)
    let z0 = 0, z1 = 0, z2 = 0, z3 = 0, i = s
    for (; i + 3 < e; i += 4) (z0 += a[i]! * 0), (z1 += a[i + 1]! * 0), (z2 += a[i + 2]! * 0), (z3 += a[i + 3]! * 0)
    for (; i < e; i++) z0 += a[i]! * 0
    if (z0 + z1 + z2 + z3 === 0) continue
    for (let j = s; j < e; j++) if (!Number.isFinite(a[j]!)) return { row: Math.floor(j / d), col: j % d, value: a[j]! }
  }
  return undefined
}

/**
 * Checks the fields and returns them as a Dataset; never copies the tensors. Features stored as
 * bytes (a decoder's pixels, core/ByteTensor.ts) are finite by construction: the scan for a
 * non-finite entry is skipped for them.
 */
export function make(f: Fields): Either<SymgradError, Dataset> {
  const where = `dataset ${quoteName(f.name)}`
  for (const [k, t] of [['x', f.x], ['y', f.y]] as const) {
    const bad = tensorProblem(t)
    if (bad !== undefined) return fail(`${where}: ${k} is not a tensor: ${bad}`)
  }
  if (f.x.shape.length !== 2) return fail(`${where}: x must have shape [N, D], got ${S.show(f.x.shape)}`)
  const [n, d] = f.x.shape as [number, number]
  if (f.y.shape.length !== 1 || f.y.shape[0] !== n)
    return fail(`${where}: y must have shape [${n}] to match x ${S.show(f.x.shape)}, got ${S.show(f.y.shape)}`)
  if (!Number.isInteger(f.classes) || f.classes < 1)
    return fail(`${where}: classes must be a positive integer, got ${f.classes}`)
  if (f.shape !== undefined && S.size(f.shape) !== d)
    return fail(`${where}: image shape ${S.show(f.shape)} has ${S.size(f.shape)} values but rows have ${d}`)
  const bad = f.x instanceof ByteTensor ? undefined : findNonFinite(f.x)
  if (bad) return fail(`${where}: x has a non-finite value ${bad.value} at row ${bad.row}, column ${bad.col}`)
  for (let i = 0; i < n; i++) {
    const c = f.y.data[i]!
    if (!Number.isInteger(c) || c < 0 || c >= f.classes)
      return fail(`${where}: label at row ${i} must be an integer in 0..${f.classes - 1}, got ${c}`)
  }
  const base = { name: f.name, x: f.x, y: f.y, classes: f.classes }
  return E.right(f.shape === undefined ? base : { ...base, shape: [...f.shape] })
}

/** Number of examples. */
export function size(ds: Dataset): number {
  return ds.x.shape[0]!
}

/** Number of features per example. */
export function features(ds: Dataset): number {
  return ds.x.shape[1]!
}

/**
 * The examples at `indices`, in that order (fresh tensors). An index that is not an integer in
 * 0..N−1 is refused with a RangeError naming its position (it would give a NaN label and a row of
 * zeros). Features stored as bytes are taken as bytes, their float64 values made only when read (a
 * compiled function binds the bytes).
 */
export function take(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const d = features(ds)
  const m = indices.length
  const n = size(ds)
  const y = new Float64Array(m)
  for (let r = 0; r < m; r++) {
    const i = indices[r]!
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`take: index ${r} is ${String(i)}, outside the examples 0..${n - 1}`)
    y[r] = ds.y.data[i]!
  }
  return { ...ds, name, x: takeRows(ds.x, d, indices), y: { shape: [m], data: y } }
}

function takeRows(x: Tensor, d: number, indices: ArrayLike<number>): Tensor {
  const m = indices.length
  if (x instanceof ByteTensor) {
    checkRows(x, indices, 'take')
    const bytes = new Uint8Array(m * d)
    for (let r = 0; r < m; r++) bytes.set(x.bytes.subarray(indices[r]! * d, (indices[r]! + 1) * d), r * d)
    return new ByteTensor([m, d], bytes, x.divisor)
  }
  const data = new Float64Array(m * d)
  for (let r = 0; r < m; r++) data.set(x.data.subarray(indices[r]! * d, (indices[r]! + 1) * d), r * d)
  return { shape: [m, d], data }
}

/** Examples a..b−1 (0 ≤ a ≤ b ≤ N) as views of `ds`'s tensors (no copy; features stored as bytes staying so). */
export function rowRange(ds: Dataset, a: number, b: number, name = ds.name): Dataset {
  const d = features(ds)
  const x = ds.x instanceof ByteTensor ? ds.x.rows(a, b) : { shape: [b - a, d], data: ds.x.data.subarray(a * d, b * d) }
  return { ...ds, name, x, y: { shape: [b - a], data: ds.y.data.subarray(a, b) } }
}

/** Replaces the features (e.g. after preprocessing); the image shape is dropped if D changed. */
export function withFeatures(ds: Dataset, x: Tensor): Dataset {
  const { shape, ...rest } = ds
  const keep = shape !== undefined && x.shape[1] === features(ds)
  return keep ? { ...rest, shape, x } : { ...rest, x }
}

/** How many examples of each class, as an array of length `classes`. */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classes).fill(0)
  for (const c of ds.y.data) counts[c] = (counts[c] ?? 0) + 1
  return counts
}
