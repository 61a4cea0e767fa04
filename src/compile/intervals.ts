/**
 * Intervals of real values for the hazard analysis (analyze.ts): every element of a node lies in
 * [lo, hi]; ±Infinity ends mean "unbounded". Arithmetic is outward-safe at the ends that matter
 * here (0·∞ at an end is taken as 0: a range touching 0 times an unbounded one is unbounded, not
 * NaN). Each number format has its limits: the largest finite value, the machine epsilon and
 * log(max), past which exp overflows.
 */
import type { Dtype } from './arena.js'

/** The closed range [lo, hi] holding every element of a node's value (lo ≤ hi; ±Infinity for an unbounded end). */
export interface Interval {
  readonly lo: number
  readonly hi: number
}

/** The limits of one number format that decide its hazards. */
export interface DtypeLimits {
  readonly dtype: Dtype
  /** Largest finite value. */
  readonly max: number
  /** Distance from 1 to the next number. */
  readonly eps: number
  /** log(max): exp(x) overflows for x above it. */
  readonly lnMax: number
  /** Rounds a float64 number to the format. */
  readonly round: (x: number) => number
}

export const limitsOf: Readonly<Record<Dtype, DtypeLimits>> = {
  float64: { dtype: 'float64', max: Number.MAX_VALUE, eps: Number.EPSILON, lnMax: Math.log(Number.MAX_VALUE), round: (x) => x },
  float32: { dtype: 'float32', max: 3.4028234663852886e38, eps: 2 ** -23, lnMax: Math.log(3.4028234663852886e38), round: Math.fround },
}

export const unbounded: Interval = Object.freeze({ lo: -Infinity, hi: Infinity })
export const unitInterval: Interval = Object.freeze({ lo: 0, hi: 1 })

export function interval(lo: number, hi: number): Interval {
  const l = Number.isNaN(lo) ? -Infinity : lo
  const h = Number.isNaN(hi) ? Infinity : hi
  return { lo: Math.min(l, h), hi: Math.max(l, h) }
}
export const point = (v: number): Interval => interval(v, v)

export const contains = (a: Interval, v: number): boolean => a.lo <= v && v <= a.hi
export const isFiniteInterval = (a: Interval): boolean => Number.isFinite(a.lo) && Number.isFinite(a.hi)
export const magnitude = (a: Interval): number => Math.max(Math.abs(a.lo), Math.abs(a.hi))
export const union = (a: Interval, b: Interval): Interval => ({ lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) })
export const overlaps = (a: Interval, b: Interval): boolean => a.lo <= b.hi && b.lo <= a.hi

/** 0·±∞ = 0: the product at an end where one factor is exactly 0. */
function times(x: number, y: number): number {
  return x === 0 || y === 0 ? 0 : x * y
}

export function add(a: Interval, b: Interval): Interval {
  return interval(a.lo + b.lo, a.hi + b.hi)
}
export function neg(a: Interval): Interval {
  return { lo: -a.hi, hi: -a.lo }
}
export function sub(a: Interval, b: Interval): Interval {
  return add(a, neg(b))
}
export function mul(a: Interval, b: Interval): Interval {
  const ps = [times(a.lo, b.lo), times(a.lo, b.hi), times(a.hi, b.lo), times(a.hi, b.hi)]
  return interval(Math.min(...ps), Math.max(...ps))
}
/** a/b; a divisor range holding 0 gives an unbounded quotient (unless a is exactly 0). */
export function div(a: Interval, b: Interval): Interval {
  if (contains(b, 0)) {
    if (a.lo === 0 && a.hi === 0 && (b.lo !== 0 || b.hi !== 0)) return point(0)
    // a divisor of one sign keeps the quotient's sign that of a (or its opposite)
    const q = { lo: a.lo < 0 ? -Infinity : 0, hi: a.hi > 0 ? Infinity : 0 }
    return b.lo >= 0 ? q : b.hi <= 0 ? neg(q) : unbounded
  }
  return mul(a, { lo: 1 / b.hi, hi: 1 / b.lo })
}
export function square(a: Interval): Interval {
  const l = a.lo * a.lo
  const h = a.hi * a.hi
  return contains(a, 0) ? { lo: 0, hi: Math.max(l, h) } : interval(Math.min(l, h), Math.max(l, h))
}
export function abs(a: Interval): Interval {
  return contains(a, 0) ? { lo: 0, hi: magnitude(a) } : interval(Math.min(Math.abs(a.lo), Math.abs(a.hi)), magnitude(a))
}
/** f increasing on the range: [f(lo), f(hi)]. */
export function monotone(a: Interval, f: (x: number) => number): Interval {
  return interval(f(a.lo), f(a.hi))
}
/** xᵖ for a constant p (values where xᵖ is NaN, x < 0 with p not an integer, are left out). */
export function pow(a: Interval, p: number): Interval {
  if (p === 0) return point(1)
  const integer = Number.isInteger(p)
  const r = integer ? a : { lo: Math.max(a.lo, 0), hi: Math.max(a.hi, 0) }
  if (p < 0 && contains(r, 0)) return integer && p % 2 === 0 ? { lo: 0, hi: Infinity } : integer ? unbounded : { lo: 0, hi: Infinity }
  const ends = [Math.pow(r.lo, p), Math.pow(r.hi, p)]
  if (contains(r, 0)) ends.push(0)
  return interval(Math.min(...ends), Math.max(...ends))
}
/** The sum of k terms, each in `a`, for k in [kLo, kHi]. */
export function scale(a: Interval, k: Interval): Interval {
  const ps = [times(a.lo, k.lo), times(a.lo, k.hi), times(a.hi, k.lo), times(a.hi, k.hi)]
  return interval(Math.min(...ps), Math.max(...ps))
}
/** Rounds the ends to the format: past its largest value they become ±∞. */
export function inFormat(a: Interval, l: DtypeLimits): Interval {
  return { lo: a.lo < -l.max ? -Infinity : l.round(a.lo), hi: a.hi > l.max ? Infinity : l.round(a.hi) }
}

/** A number in 4 digits for messages: `−1.5`, `1.798e+308` (never rounded up to ∞), `∞`. */
export function showNumber(x: number): string {
  if (!Number.isFinite(x)) return x === Infinity ? '∞' : x === -Infinity ? '−∞' : 'NaN'
  const r = Number(x.toPrecision(4))
  return (Number.isFinite(r) ? r.toString() : x.toPrecision(4)).replace('-', '−')
}

/** `[−1, 2.5]`, `[0, ∞)`, `(−∞, ∞)`. */
export function showInterval(a: Interval): string {
  const n = showNumber
  return `${a.lo === -Infinity ? '(' : '['}${n(a.lo)}, ${n(a.hi)}${a.hi === Infinity ? ')' : ']'}`
}
