/**
 * Shapes: tuples of dimensions. A dimension is a number, or a named symbol such as the batch
 * dimension `'N'`, bound to a number when a graph is evaluated or a compiled function is called.
 */
import { ShapeError } from './errors.js'

/** One dimension: a size, or a symbol (`'N'`) bound when the graph is evaluated. */
export type Dim = number | string
/** A shape: one Dim per axis; `[]` is a scalar. */
export type Shape = readonly Dim[]
/** A shape with every symbol bound. */
export type Concrete = readonly number[]
/** Values of the symbolic dimensions, e.g. `{ N: 64 }`. */
export type DimEnv = Readonly<Record<string, number>>

/** The shape of a scalar, `[]`. */
export const scalar = [] as const

/** Symbolic dimensions are identifier-like: a letter or '_', then letters, digits or '_' (at most 64). */
export const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

const showDim = (d: unknown): string => (typeof d === 'number' ? (Object.is(d, -0) ? '-0' : String(d)) : typeof d === 'string' && SYMBOL.test(d) ? d : '?')

/**
 * The first problem of `s` as a shape, or undefined: a list of at most 64 dimensions, each a
 * non-negative safe integer or (when `symbols`) an identifier-like symbol. A message such as
 * `bad dimension 2.5 in shape [2.5]`.
 */
export function shapeProblem(s: unknown, symbols: boolean): string | undefined {
  if (!Array.isArray(s)) return `expected a shape (a list of dimensions), got ${s === null ? 'null' : typeof s}`
  if (s.length > 64) return `a shape of rank ${s.length}, at most 64`
  for (const d of s as unknown[]) {
    const ok = typeof d === 'number' ? Number.isSafeInteger(d) && d >= 0 : symbols && typeof d === 'string' && SYMBOL.test(d)
    if (!ok) {
      const what = typeof d === 'number' ? String(showDim(d)) : typeof d === 'string' ? 'a symbol that is not identifier-like' : typeof d
      const hint = typeof d === 'number' ? '' : symbols ? " (symbols are identifier-like, such as 'N')" : ' (dimensions are non-negative integers)'
      return `bad dimension ${what} in shape [${(s as unknown[]).map(showDim).join(',')}]${hint}`
    }
  }
  return undefined
}

/** Throws a ShapeError `place: bad dimension …` unless `s` is a shape (see shapeProblem). */
export function checkShape(s: unknown, place: string, symbols: boolean): void {
  const p = shapeProblem(s, symbols)
  if (p !== undefined) throw new ShapeError(`${place}: ${p}`)
}

/** The shape as text, `[N,784]`. */
export function show(s: Shape): string {
  return `[${s.map((d) => (typeof d === 'string' ? d : String(d))).join(',')}]`
}

/** Whether two shapes have the same dimensions (symbols by name). */
export function equal(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}

/** Whether every dimension is a number. */
export function isConcrete(s: Shape): s is Concrete {
  return s.every((d) => typeof d === 'number')
}

/** The symbolic dimensions of a shape, in order. */
export function symbols(s: Shape): string[] {
  return s.filter((d): d is string => typeof d === 'string')
}

/** Number of elements of a concrete shape. */
export function size(s: Concrete): number {
  let n = 1
  for (const d of s) n *= d
  return n
}

/** Row-major strides. */
export function strides(s: Concrete): number[] {
  const out = new Array<number>(s.length)
  let acc = 1
  for (let i = s.length - 1; i >= 0; i--) {
    out[i] = acc
    acc *= s[i]!
  }
  return out
}

/** Substitutes bound symbols; throws if a symbol is unbound. */
export function resolve(s: Shape, env: DimEnv): number[] {
  return s.map((d) => {
    if (typeof d === 'number') return d
    const v = Object.hasOwn(env, d) ? env[d] : undefined
    if (v === undefined) throw new ShapeError(`symbolic dimension '${d}' is not bound`)
    return v
  })
}

/**
 * Binds the symbols of `declared` against an actual concrete shape, extending `env`.
 * Returns the new environment or a message describing the first mismatch.
 */
export function bind(declared: Shape, actual: Concrete, env: DimEnv): DimEnv | string {
  if (declared.length !== actual.length) return `expected rank ${declared.length} ${show(declared)}, got ${show(actual)}`
  // a null-prototype record: a symbol named '__proto__' or 'constructor' is a plain key; copied
  // only when this shape binds a new symbol (an input of fixed shape, the usual case, copies nothing)
  let out = Object.getPrototypeOf(env) === null ? (env as Record<string, number>) : undefined
  for (let i = 0; i < declared.length; i++) {
    const d = declared[i]!
    const a = actual[i]!
    if (typeof d === 'number') {
      if (d !== a) return `expected ${show(declared)}, got ${show(actual)} (axis ${i})`
    } else if (out !== undefined && Object.hasOwn(out, d)) {
      if (out[d] !== a) return `expected ${show(declared)} with ${d}=${out[d]}, got ${show(actual)}`
    } else {
      if (out === env || out === undefined) out = Object.assign(Object.create(null) as Record<string, number>, env)
      if (!Object.hasOwn(out, d)) out[d] = a
      else if (out[d] !== a) return `expected ${show(declared)} with ${d}=${out[d]}, got ${show(actual)}`
    }
  }
  return out ?? (Object.assign(Object.create(null) as Record<string, number>, env) as DimEnv)
}

/** Numpy broadcasting of two shapes, or undefined when they do not broadcast. */
export function broadcast(a: Shape, b: Shape): Dim[] | undefined {
  const n = Math.max(a.length, b.length)
  const out: Dim[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!
    if (da === db) out[i] = da
    else if (da === 1) out[i] = db
    else if (db === 1) out[i] = da
    else return undefined
  }
  return out
}

/** Whether `from` broadcasts to exactly `to` (numpy rules: prepend 1s, stretch 1s). */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false
  const off = to.length - from.length
  return from.every((d, i) => d === 1 || d === to[i + off])
}

/** Normalizes possibly-negative axes against a rank; throws on out-of-range axes. */
export function normAxes(axes: readonly number[], rank: number, op: string): number[] {
  const out = axes.map((a) => (a < 0 ? a + rank : a))
  for (const [i, a] of out.entries())
    if (!Number.isInteger(a) || a < 0 || a >= rank)
      throw new ShapeError(`${op}: axis ${axes[i]} is out of range for rank ${rank}`)
  if (new Set(out).size !== out.length) throw new ShapeError(`${op}: repeated axis in [${axes.join(',')}]`)
  return out.sort((x, y) => x - y)
}

/** Shape after removing reduced axes. */
export function reduce(s: Shape, axes: readonly number[]): Dim[] {
  return s.filter((_, i) => !axes.includes(i))
}

/** Shape with the reduced axes kept as size 1. */
export function keepDims(s: Shape, axes: readonly number[]): Dim[] {
  return s.map((d, i) => (axes.includes(i) ? 1 : d))
}

// ── type-level helpers ───────────────────────────────────────────────────────────────────────

/** Broadcast of two literal shapes; falls back to `Shape` when either is not a literal tuple. */
export type Broadcast<A extends Shape, B extends Shape> = number extends A['length']
  ? Shape
  : number extends B['length']
    ? Shape
    : BTuple<A, B>
type BTuple<A extends Shape, B extends Shape> = A extends readonly [...infer AH extends Shape, infer AL]
  ? B extends readonly [...infer BH extends Shape, infer BL]
    ? [...BTuple<AH, BH>, BDim<AL, BL>]
    : A
  : B
type BDim<X, Y> = X extends 1 ? Y : Y extends 1 ? X : X

/** A literal shape with the given (non-negative, literal) axes removed; `Shape` otherwise. */
export type Reduced<S extends Shape, A extends readonly number[]> = number extends S['length']
  ? Shape
  : [Extract<`${A[number]}`, `-${string}`>] extends [never]
    ? number extends A[number]
      ? Shape
      : RemoveAxes<S, A, []>
    : Shape
type RemoveAxes<S extends Shape, A extends readonly number[], I extends unknown[]> = S extends readonly [
  infer H,
  ...infer R extends Shape,
]
  ? I['length'] extends A[number]
    ? RemoveAxes<R, A, [...I, 0]>
    : [H, ...RemoveAxes<R, A, [...I, 0]>]
  : []
