/**
 * Pooling over NCHW tensors, windows [KH, KW] moved by strides [SH, SW] (no padding), output
 * [N, C, OH, OW] with OH = (H − KH)/SH + 1 a whole number (spatial.ts).
 *
 * Max pooling picks, per window, the first largest input in row-major order. Its derivative
 * routes the cotangent to that input, which is two more linear maps of a cotangent, both
 * piecewise constant in x (their derivative in x is zero away from ties, where it is undefined):
 *   maxPool2dBackprop(x, g): dx, g scattered (added) to each window's argmax;
 *   maxPool2dGather(x, c):   c read at each window's argmax (so maxPool2d(x) = gather(x, x)).
 * Each one's vjp in g (or c) is the other, so second derivatives stay pooling ops.
 *
 * Average pooling is linear: avgPool2dBackprop spreads g/(KH·KW) over each window and the two
 * are each other's vjp.
 */
import type { Attrs, Expr, LawSpec } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import type { Shape } from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { ShapeError } from '../core/errors.js'
import { call, defineOp } from './Op.js'
import { Attr, checkOptions } from './attrs.js'

const poolFields = { window: Attr.optional(Attr.intPair), stride: Attr.optional(Attr.intPair) }
const poolAttrCodec = Attr.record(poolFields)
import { geom, type Geom, nchw, outSize, type Pair, pairAttr, showSpatial, toPair } from './spatial.js'

const NO_PAD: Pair = [0, 0]
/** A pooling op's window and stride from its attributes (default window 2, stride = window). */
export const windowOf = (a: Attrs) => {
  const window = pairAttr(a, 'window', 2)
  return { window, stride: pairAttr(a, 'stride', window[0]) }
}
const notationOf = (name: string) => call(name, `\\operatorname{${name}}`, (a) => showSpatial(a, ['window', 'stride']))

/** The pooled shape of x [N, C, H, W]; a misfit names the op, the input shape and the formula. */
function pooledShape(op: string, x: Shape, a: Attrs): Shape {
  const [n, c, h, w] = nchw(op, 'input', x)
  const { window, stride } = windowOf(a)
  const [oh, ow] = outSize(op, x, [h, w], window, stride, NO_PAD)
  return [n, c, oh, ow]
}

/** Input [N, C, size] whose pooled shape must be the gradient's (the backprop ops). */
function unpooledShape(op: string, g: Shape, a: Attrs, x?: Shape): Shape {
  const [n, c] = nchw(op, 'gradient', g)
  const size = pairAttr(a, 'size', 0)
  const full = x ?? [n, c, size[0], size[1]]
  const pooled = pooledShape(op, full, a)
  if (!S.equal(pooled, g)) throw new ShapeError(`${op}: input ${S.show(full)} pools to ${S.show(pooled)}, the gradient has ${S.show(g)}`)
  return full
}

function geomOf(x: readonly number[], a: Attrs): Geom {
  const { window, stride } = windowOf(a)
  return geom(x[0]!, x[1]!, [x[2]!, x[3]!], window, stride, NO_PAD)
}

/** Offset in x of the first largest value of every window, in output order. */
export function argmaxes(x: Tensor, a: Attrs): Int32Array {
  const g = geomOf(x.shape, a)
  const out = new Int32Array(g.n * g.c * g.oh * g.ow)
  const X = x.data
  let o = 0
  for (let nc = 0; nc < g.n * g.c; nc++)
    for (let i = 0; i < g.oh; i++)
      for (let j = 0; j < g.ow; j++) {
        let best = -1
        for (let p = 0; p < g.kh; p++)
          for (let q = 0; q < g.kw; q++) {
            const k = (nc * g.h + i * g.sh + p) * g.w + j * g.sw + q
            if (best < 0 || X[k]! > X[best]!) best = k
          }
        out[o++] = best
      }
  return out
}

/** Away from ties: in every window the two largest values differ by more than 0.02. */
function windowsApart([x]: readonly Tensor[], a: Attrs): boolean {
  const g = geomOf(x!.shape, a)
  const X = x!.data
  for (let nc = 0; nc < g.n * g.c; nc++)
    for (let i = 0; i < g.oh; i++)
      for (let j = 0; j < g.ow; j++) {
        let m1 = -Infinity
        let m2 = -Infinity
        for (let p = 0; p < g.kh; p++)
          for (let q = 0; q < g.kw; q++) {
            const v = X[(nc * g.h + i * g.sh + p) * g.w + j * g.sw + q]!
            if (v > m1) [m1, m2] = [v, m1]
            else if (v > m2) m2 = v
          }
        if (m1 - m2 <= 0.02) return false
      }
  return true
}

type PoolCase = { x: number[]; window: [number, number]; stride: [number, number] }
const cases: PoolCase[] = [
  { x: [2, 2, 4, 4], window: [2, 2], stride: [2, 2] },
  { x: [1, 2, 5, 4], window: [3, 2], stride: [1, 2] },
]
const pooled = (c: PoolCase) => [c.x[0]!, c.x[1]!, (c.x[2]! - c.window[0]) / c.stride[0] + 1, (c.x[3]! - c.window[1]) / c.stride[1] + 1]
const law = (shapes: (c: PoolCase) => number[][], extra: (c: PoolCase) => Attrs, maxLike: boolean): LawSpec => ({
  cases: cases.map((c) => ({ shapes: shapes(c), attrs: { window: c.window, stride: c.stride, ...extra(c) } })),
  ...(maxLike ? { accept: windowsApart } : {}),
})

// ── maxPool2d ──  y = x at each window's argmax; vjp: maxPool2dBackprop(x, cot). Ties: first max.
/** The op record of `maxPool2d` (shape rule, evaluation, derivative, printed form, law cases): y = x at each window's argmax; vjp: maxPool2dBackprop(x, cot). Ties: first max.. */
export const maxPool2dOp = defineOp({
  name: 'maxPool2d',
  arity: 1,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: poolAttrCodec,
  shape: ([x], a) => pooledShape('maxPool2d', x!, a),
  eval: ([x], { outShape, attrs }) => {
    const am = argmaxes(x!, attrs)
    return { shape: outShape, data: Float64Array.from(am, (k) => x!.data[k]!) }
  },
  vjp: ({ args: [x], attrs, cot }) => [maxPool2dBackprop(x!, cot, attrs)],
  notation: notationOf('maxPool2d'),
  law: law((c) => [c.x], () => ({}), true),
  note: 'at a tie the first largest input (row-major) takes the whole gradient',
})

// ── maxPool2dBackprop ──  dx: g added at each window's argmax; vjp: [0 (piecewise constant), maxPool2dGather(x, cot)]
/** The op record of `maxPool2dBackprop` (shape rule, evaluation, derivative, printed form, law cases): dx: g added at each window's argmax; vjp: [0 (piecewise constant), maxPool2dGather(x, cot)]. */
export const maxPool2dBackpropOp = defineOp({
  name: 'maxPool2dBackprop',
  arity: 2,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: poolAttrCodec,
  shape: ([x, g], a) => unpooledShape('maxPool2dBackprop', g!, a, x!),
  eval: ([x, g], { outShape, attrs }) => {
    const am = argmaxes(x!, attrs)
    const out = new Float64Array(S.size(outShape))
    for (let o = 0; o < am.length; o++) out[am[o]!]! += g!.data[o]!
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [x], attrs, cot }) => [null, maxPool2dGather(x!, cot, attrs)],
  notation: notationOf('maxPool2dBackprop'),
  law: law((c) => [c.x, pooled(c)], () => ({}), true),
  note: 'piecewise constant in x: its derivative in x is zero away from ties',
})

// ── maxPool2dGather ──  c read at each window's argmax of x; vjp: [0, maxPool2dBackprop(x, cot)]
/** The op record of `maxPool2dGather` (shape rule, evaluation, derivative, printed form, law cases): c read at each window's argmax of x; vjp: [0, maxPool2dBackprop(x, cot)]. */
export const maxPool2dGatherOp = defineOp({
  name: 'maxPool2dGather',
  arity: 2,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: poolAttrCodec,
  shape: ([x, c], a) => {
    if (!S.equal(x!, c!)) throw new ShapeError(`maxPool2dGather: argument 2 expected shape ${S.show(x!)} (same as argument 1), got ${S.show(c!)}`)
    return pooledShape('maxPool2dGather', x!, a)
  },
  eval: ([x, c], { outShape, attrs }) => {
    const am = argmaxes(x!, attrs)
    return { shape: outShape, data: Float64Array.from(am, (k) => c!.data[k]!) }
  },
  vjp: ({ args: [x], attrs, cot }) => [null, maxPool2dBackprop(x!, cot, attrs)],
  notation: notationOf('maxPool2dGather'),
  law: law((c) => [c.x, c.x], () => ({}), true),
  note: 'piecewise constant in x: its derivative in x is zero away from ties',
})

// ── avgPool2d ──  y = mean of each window; linear, vjp: avgPool2dBackprop(cot)
/** The op record of `avgPool2d` (shape rule, evaluation, derivative, printed form, law cases): y = mean of each window; linear, vjp: avgPool2dBackprop(cot). */
export const avgPool2dOp = defineOp({
  name: 'avgPool2d',
  arity: 1,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: poolAttrCodec,
  shape: ([x], a) => pooledShape('avgPool2d', x!, a),
  eval: ([x], { outShape, attrs }) => {
    const out = new Float64Array(S.size(outShape))
    const g = geomOf(x!.shape, attrs)
    forEachWindowTap(g, (xo, yo) => (out[yo]! += x!.data[xo]!))
    const k = 1 / (g.kh * g.kw)
    for (let o = 0; o < out.length; o++) out[o]! *= k
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [x], attrs, cot }) => [avgPool2dBackprop(cot, [x!.shape[2] as number, x!.shape[3] as number], attrs)],
  notation: notationOf('avgPool2d'),
  law: law((c) => [c.x], () => ({}), false),
})

// ── avgPool2dBackprop ──  g/(KH·KW) spread over each window; linear, vjp: avgPool2d(cot)
/** The op record of `avgPool2dBackprop` (shape rule, evaluation, derivative, printed form, law cases): g/(KH·KW) spread over each window; linear, vjp: avgPool2d(cot). */
export const avgPool2dBackpropOp = defineOp({
  name: 'avgPool2dBackprop',
  arity: 1,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: Attr.record({ ...poolFields, size: Attr.intPair }),
  shape: ([g], a) => unpooledShape('avgPool2dBackprop', g!, a),
  eval: ([g], { outShape, attrs }) => {
    const out = new Float64Array(S.size(outShape))
    const geo = geomOf(outShape, attrs)
    const k = 1 / (geo.kh * geo.kw)
    forEachWindowTap(geo, (xo, yo) => (out[xo]! += k * g!.data[yo]!))
    return { shape: outShape, data: out }
  },
  vjp: ({ attrs, cot }) => [avgPool2d(cot, windowOf(attrs))],
  notation: notationOf('avgPool2dBackprop'),
  law: law((c) => [pooled(c)], (c) => ({ size: [c.x[2]!, c.x[3]!] }), false),
})

/** Calls visit(x offset, y offset) for every input of every window. */
function forEachWindowTap(g: Geom, visit: (xo: number, yo: number) => void): void {
  let yo = 0
  for (let nc = 0; nc < g.n * g.c; nc++)
    for (let i = 0; i < g.oh; i++)
      for (let j = 0; j < g.ow; j++, yo++)
        for (let p = 0; p < g.kh; p++)
          for (let q = 0; q < g.kw; q++) visit((nc * g.h + i * g.sh + p) * g.w + j * g.sw + q, yo)
}

/** Options of pooling: window size and stride. */
export interface PoolOptions {
  /** Window [height, width] or one number (default 2). */
  readonly window?: number | Pair
  /** Step, one number or a pair (default: the window). */
  readonly stride?: number | Pair
}

const poolAttrs = (op: string, o: PoolOptions | Attrs): Attrs => {
  checkOptions(op, poolAttrCodec, o)
  const window = toPair((o['window'] as number | Pair | undefined) ?? 2)
  return { window, stride: toPair((o['stride'] as number | Pair | undefined) ?? window) }
}

/** Max over each window of x [N, C, H, W]. */
export function maxPool2d(x: Expr, o: PoolOptions = {}): Expr {
  return apply(maxPool2dOp, [x], poolAttrs('maxPool2d', o))
}
/** The gradient of maxPool2d(x) for the cotangent g. */
export function maxPool2dBackprop(x: Expr, g: Expr, o: PoolOptions | Attrs = {}): Expr {
  return apply(maxPool2dBackpropOp, [x, g], poolAttrs('maxPool2dBackprop', o))
}
/** c read at the argmax of each window of x. */
export function maxPool2dGather(x: Expr, c: Expr, o: PoolOptions | Attrs = {}): Expr {
  return apply(maxPool2dGatherOp, [x, c], poolAttrs('maxPool2dGather', o))
}
/** Mean over each window of x [N, C, H, W]. */
export function avgPool2d(x: Expr, o: PoolOptions | Attrs = {}): Expr {
  return apply(avgPool2dOp, [x], poolAttrs('avgPool2d', o))
}
/** The gradient of avgPool2d for an input of spatial size `size`. */
export function avgPool2dBackprop(g: Expr, size: Pair, o: PoolOptions | Attrs = {}): Expr {
  return apply(avgPool2dBackpropOp, [g], { ...poolAttrs('avgPool2dBackprop', o), size: [size[0], size[1]] })
}
