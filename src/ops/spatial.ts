/**
 * Geometry shared by the spatial ops (conv2d, pooling and their gradients): NCHW tensors, window
 * attributes as [height, width] pairs, and the output-size rule
 *
 *   out = (in + 2·pad − window) / stride + 1,
 *
 * which must be a whole number ≥ 1: a kernel larger than the padded input or a stride that does
 * not fit fails when the node is built, with the input shape and the formula with its numbers.
 */
import type { Attrs } from '../core/Expr.js'
import type { Dim, Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'

export type Pair = readonly [number, number]

/** A pair attribute ([h, w]); a number n means [n, n]. */
export function pairAttr(a: Attrs, key: string, fallback: number): Pair {
  const v = a[key]
  if (v === undefined || v === null) return [fallback, fallback]
  if (typeof v === 'number') return [v, v]
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number]
  throw new ShapeError(`attribute '${key}' must be a number or a [height, width] pair, got ${JSON.stringify(v)}`)
}

/** Normalises a builder's number-or-pair argument. */
export function toPair(v: number | Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]]
}

const showPair = (p: Pair) => (p[0] === p[1] ? String(p[0]) : `[${p[0]},${p[1]}]`)
export const showSpatial = (a: Attrs, keys: readonly string[]): string =>
  keys.filter((k) => a[k] !== undefined).map((k) => `${k}=${showPair(pairAttr(a, k, 0))}`).join(', ')

function checkInts(op: string, what: string, p: Pair, min: number): void {
  if (!p.every((v) => Number.isInteger(v) && v >= min))
    throw new ShapeError(`${op}: ${what} must be integers ≥ ${min}, got [${p.join(',')}]`)
}

/** An NCHW argument: rank 4 with concrete C, H, W (N may be symbolic). */
export function nchw(op: string, which: string, s: Shape): readonly [Dim, number, number, number] {
  if (s.length !== 4 || !s.slice(1).every((d) => typeof d === 'number'))
    throw new ShapeError(`${op}: ${which} expected shape [N,C,H,W] with numeric C, H, W, got ${S.show(s)}`)
  return s as unknown as readonly [Dim, number, number, number]
}

/**
 * Output height and width of a window sliding over [h, w] with stride and padding; throws a
 * ShapeError naming the op, the input shape and the formula when it does not fit.
 */
export function outSize(op: string, input: Shape, hw: Pair, window: Pair, stride: Pair, pad: Pair): [number, number] {
  checkInts(op, 'window sizes', window, 1)
  checkInts(op, 'strides', stride, 1)
  checkInts(op, 'paddings', pad, 0)
  return [0, 1].map((ax) => {
    const name = ax === 0 ? 'H' : 'W'
    const num = hw[ax]! + 2 * pad[ax]! - window[ax]!
    const o = num / stride[ax]! + 1
    if (num < 0 || !Number.isInteger(o)) {
      const why = num < 0 ? `the window ${window[ax]} is larger than the padded input ${hw[ax]! + 2 * pad[ax]!}` : `${o} is not an integer`
      throw new ShapeError(
        `${op}: input ${S.show(input)}: (${name} + 2·pad − K)/stride + 1 = (${hw[ax]} + 2·${pad[ax]} − ${window[ax]})/${stride[ax]} + 1: ${why}`,
      )
    }
    return o
  }) as [number, number]
}

/** Geometry of one spatial op instance, all numbers (N resolved). */
export interface Geom {
  readonly n: number
  readonly c: number
  readonly h: number
  readonly w: number
  readonly kh: number
  readonly kw: number
  readonly sh: number
  readonly sw: number
  readonly ph: number
  readonly pw: number
  readonly oh: number
  readonly ow: number
}

export function geom(n: number, c: number, hw: Pair, k: Pair, s: Pair, p: Pair): Geom {
  const oh = (hw[0] + 2 * p[0] - k[0]) / s[0] + 1
  const ow = (hw[1] + 2 * p[1] - k[1]) / s[1] + 1
  return { n, c, h: hw[0], w: hw[1], kh: k[0], kw: k[1], sh: s[0], sw: s[1], ph: p[0], pw: p[1], oh, ow }
}
