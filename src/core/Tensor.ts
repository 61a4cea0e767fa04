/**
 * Tensor: a float64 row-major array with a concrete shape. A plain value; every public function
 * treats tensors as immutable and returns fresh ones.
 */
import * as S from './Shape.js'
import { ShapeError } from './errors.js'
import { ByteTensor } from './ByteTensor.js'

/** A dense float64 array with its concrete shape (row-major); plain data, never mutated by the API. */
export interface Tensor {
  readonly shape: S.Concrete
  readonly data: Float64Array
}

/** A number or nested arrays of numbers, as `Tensor.of` reads and `toNested` writes. */
export type Nested = number | readonly Nested[]

/**
 * Why `u` is not a tensor, or undefined: an object whose `shape` is a concrete shape and whose `data`
 * is a Float64Array (or, with `float32`, also a Float32Array: a float32 function's kept values)
 * holding exactly the shape's number of values. The one check behind bindings, tensor constants and
 * what an op's eval returns.
 */
export function tensorProblem(u: unknown, float32 = false): string | undefined {
  if (u === null || typeof u !== 'object' || Array.isArray(u)) return `expected a tensor { shape, data }, got ${u === null ? 'null' : Array.isArray(u) ? 'a list' : typeof u}`
  // checked when made (its constructor); reading its data here would make the float64 copy it spares
  if (u instanceof ByteTensor) return undefined
  const { shape, data } = u as { shape?: unknown; data?: unknown }
  const bad = S.shapeProblem(shape, false)
  if (bad !== undefined) return `its shape: ${bad}`
  if (!(data instanceof Float64Array || (float32 && data instanceof Float32Array)))
    return `its data must be a Float64Array${float32 ? ' or Float32Array' : ''}, got ${data === null ? 'null' : Array.isArray(data) ? 'a list' : typeof data === 'object' ? (data as object).constructor?.name ?? 'an object' : typeof data}`
  const n = S.size(shape as S.Concrete)
  if (data.length !== n) return `its data holds ${data.length} numbers, its shape ${S.show(shape as S.Concrete)} needs ${n}`
  return undefined
}

/** A tensor of `shape` over `data` (copied when given as an array); throws when the sizes disagree. */
export function make(shape: S.Concrete, data: Float64Array | readonly number[]): Tensor {
  S.checkShape(shape, 'Tensor.make', false)
  const n = S.size(shape)
  if (data.length !== n)
    throw new ShapeError(`Tensor.make: shape ${S.show(shape)} needs ${n} values, got ${data.length}`)
  return { shape: [...shape], data: data instanceof Float64Array ? data : Float64Array.from(data) }
}

/** The shape-[] tensor holding `x`. */
export function scalar(x: number): Tensor {
  return { shape: [], data: Float64Array.of(x) }
}

function filled(shape: S.Concrete, value: number, place: string): Tensor {
  S.checkShape(shape, place, false)
  return { shape: [...shape], data: new Float64Array(S.size(shape)).fill(value) }
}

/** A tensor of `shape` with every element `value`. */
export function fill(shape: S.Concrete, value: number): Tensor {
  return filled(shape, value, 'Tensor.fill')
}

/** A tensor of `shape` filled with 0. */
export function zeros(shape: S.Concrete): Tensor {
  return filled(shape, 0, 'Tensor.zeros')
}

/** A tensor of `shape` filled with 1. */
export function ones(shape: S.Concrete): Tensor {
  return filled(shape, 1, 'Tensor.ones')
}

/** Builds a tensor from nested arrays, e.g. `of([[1, 2], [3, 4]])`. */
export function of(x: Nested): Tensor {
  const shape: number[] = []
  let cur: Nested = x
  while (Array.isArray(cur)) {
    shape.push(cur.length)
    cur = (cur as readonly Nested[])[0] ?? 0
  }
  const data: number[] = []
  const walk = (v: Nested, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw new ShapeError(`Tensor.of: ragged array at depth ${depth}`)
      data.push(v)
      return
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw new ShapeError(`Tensor.of: ragged array at depth ${depth}: expected length ${shape[depth]}`)
    for (const e of v as readonly Nested[]) walk(e, depth + 1)
  }
  walk(x, 0)
  return make(shape, data)
}

/** The number of elements (the product of the shape). */
export function size(t: Tensor): number {
  return t.data.length
}

/** The value of a one-element tensor. */
export function item(t: Tensor): number {
  if (t.data.length !== 1) throw new ShapeError(`Tensor.item: expected one element, got shape ${S.show(t.shape)}`)
  return t.data[0]!
}

/** The element at the index `idx` (one number per axis). */
export function get(t: Tensor, ...idx: number[]): number {
  const st = S.strides(t.shape)
  let off = 0
  for (let i = 0; i < idx.length; i++) off += idx[i]! * st[i]!
  return t.data[off]!
}

/** The elements as nested arrays, one level per axis. */
export function toNested(t: Tensor): Nested {
  const rec = (depth: number, off: number, st: number[]): Nested => {
    if (depth === t.shape.length) return t.data[off]!
    const out: Nested[] = []
    for (let i = 0; i < t.shape[depth]!; i++) out.push(rec(depth + 1, off + i * st[depth]!, st))
    return out
  }
  return rec(0, 0, S.strides(t.shape))
}

/** A new tensor of `f` applied to each element. */
export function map(t: Tensor, f: (x: number) => number): Tensor {
  const out = new Float64Array(t.data.length)
  for (let i = 0; i < out.length; i++) out[i] = f(t.data[i]!)
  return { shape: t.shape, data: out }
}

/** A new tensor of `f` applied elementwise to two tensors of the same shape. */
export function zipWith(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  if (!S.equal(a.shape, b.shape))
    throw new ShapeError(`Tensor.zipWith: shapes ${S.show(a.shape)} and ${S.show(b.shape)} differ`)
  const out = new Float64Array(a.data.length)
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!, b.data[i]!)
  return { shape: a.shape, data: out }
}

/** The same elements under another shape of the same size. */
export function reshape(t: Tensor, shape: S.Concrete): Tensor {
  if (S.size(shape) !== t.data.length)
    throw new ShapeError(`Tensor.reshape: cannot reshape ${S.show(t.shape)} to ${S.show(shape)}`)
  return { shape: [...shape], data: t.data }
}

/** The sum of all elements. */
export function sum(t: Tensor): number {
  let s = 0
  for (let i = 0; i < t.data.length; i++) s += t.data[i]!
  return s
}

/** Σ aᵢ·bᵢ over two tensors of the same size. */
export function dot(a: Tensor, b: Tensor): number {
  let s = 0
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * b.data[i]!
  return s
}

/** The Euclidean norm √Σ xᵢ². */
export function norm(t: Tensor): number {
  return Math.sqrt(dot(t, t))
}

/** Elementwise a + b (same shapes). */
export function add(a: Tensor, b: Tensor): Tensor {
  return zipWith(a, b, (x, y) => x + y)
}

/** Elementwise a − b (same shapes). */
export function sub(a: Tensor, b: Tensor): Tensor {
  return zipWith(a, b, (x, y) => x - y)
}

/** Every element times `k`. */
export function scale(t: Tensor, k: number): Tensor {
  return map(t, (x) => x * k)
}

/** Whether no element is NaN or ±∞. */
export function isFinite(t: Tensor): boolean {
  for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i]!)) return false
  return true
}

/** Largest elementwise |a−b| / max(|a|, |b|, floor); 0 for identical tensors. */
export function maxRelError(a: Tensor, b: Tensor, floor = 1e-300): number {
  let m = 0
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!
    const y = b.data[i]!
    if (x === y) continue
    const r = Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), floor)
    if (!(r <= m)) m = r
  }
  return m
}

/** Same shape and the same elements by Object.is (NaN equals NaN, −0 differs from 0). */
export function equal(a: Tensor, b: Tensor): boolean {
  return S.equal(a.shape, b.shape) && a.data.every((x, i) => Object.is(x, b.data[i]))
}

/** Short human-readable form: scalars as numbers, small tensors in full, large ones summarized. */
export function show(t: Tensor, digits = 4): string {
  const f = (x: number): string => {
    const r = Number(x.toPrecision(digits))
    return Object.is(r, -0) ? '0' : String(r)
  }
  if (t.shape.length === 0) return f(t.data[0]!)
  if (t.data.length <= 12) return JSON.stringify(toNested(map(t, (x) => Number(f(x)))))
  const mean = sum(t) / t.data.length
  return `${S.show(t.shape)} mean=${f(mean)} [${Array.from(t.data.slice(0, 4), f).join(', ')}, …]`
}
