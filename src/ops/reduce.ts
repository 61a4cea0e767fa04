/**
 * Reductions over axes (the axes are removed from the shape): sum, mean, max, a numerically
 * stable log-sum-exp, and count (the number of elements reduced, read from the shape at run time
 * so that symbolic batch sizes work).
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Concrete, Reduced, Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { ShapeError } from '../core/errors.js'
import { axesAttr, call, defineOp, showAxes } from './Op.js'
import { Attr } from './attrs.js'

const axesAttrs = Attr.record({ axes: Attr.axes })
import { broadcastTo, forEachOffset, keepShape, reducedStrides, strided } from './movement.js'
import { div, mul, sub } from './elementwise.js'
import { eq } from './compare.js'
import { exp } from './unary.js'

/** Axes as the builders give them: normalised (non-negative, sorted, once each); others are refused. */
function checkedAxes(name: string, a: Readonly<Record<string, unknown>>, rank: number): number[] {
  const axes = (a['axes'] as number[]) ?? []
  const norm = S.normAxes(axes, rank, name)
  if (norm.some((v, i) => v !== axes[i])) throw new ShapeError(`${name}: axes [${axes.join(',')}] must be sorted and non-negative (as the builder gives them: [${norm.join(',')}])`)
  return norm
}

/** The shape rule of a reduction over its `axes` attribute (the axes are removed). */
export function reduceShape(name: string) {
  return ([x]: readonly Shape[], a: Readonly<Record<string, unknown>>): Shape => S.reduce(x!, checkedAxes(name, a, x!.length))
}

/** Generic reduction into `init`, combining with `f` (used by max and log-sum-exp). */
function reduceWith(x: Tensor, axes: readonly number[], outShape: Concrete, init: number, f: (acc: number, v: number) => number): Float64Array {
  const out = new Float64Array(S.size(outShape)).fill(init)
  const d = x.data
  forEachOffset(x.shape, reducedStrides(x.shape, axes), (i, off) => (out[off] = f(out[off]!, d[i]!)))
  return out
}

function sumData(x: Tensor, axes: readonly number[], outShape: Concrete): Float64Array {
  const out = new Float64Array(S.size(outShape))
  strided(x.shape, reducedStrides(x.shape, axes), x.data, out, true)
  return out
}

/** Laws: in every reduced group the largest value leads the next by more than `gap` (no near-ties). */
function topTwoApart(x: Tensor, axes: readonly number[], gap: number): boolean {
  const st = reducedStrides(x.shape, axes)
  const xs = S.strides(x.shape)
  const n = S.size(S.keepDims(x.shape, axes) as number[])
  const top = new Float64Array(n).fill(-Infinity)
  const next = new Float64Array(n).fill(-Infinity)
  for (let i = 0; i < x.data.length; i++) {
    const off = xs.reduce((o, s, ax) => o + (Math.floor(i / s) % x.shape[ax]!) * st[ax]!, 0)
    const v = x.data[i]!
    if (v > top[off]!) [next[off], top[off]] = [top[off]!, v]
    else if (v > next[off]!) next[off] = v
  }
  return top.every((t, j) => t - next[j]! > gap)
}

const cases = [
  { shapes: [[3, 4]], attrs: { axes: [1] } },
  { shapes: [[2, 3, 4]], attrs: { axes: [0, 2] } },
  { shapes: [[3, 4]], attrs: { axes: [0, 1] } },
]

// ── sum ──  d Σx = broadcast(cot)
/** The op record of `sum` (shape rule, evaluation, derivative, printed form, law cases): d Σx = broadcast(cot). */
export const sumOp = defineOp({
  name: 'sum',
  arity: 1,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: axesAttrs,
  shape: reduceShape('sum'),
  eval: ([x], { attrs, outShape }) => ({ shape: outShape, data: sumData(x!, axesAttr(attrs), outShape) }),
  vjp: ({ args: [x], attrs, cot }) => [broadcastTo(keepShape(cot, x!.shape, axesAttr(attrs)), x!.shape)],
  notation: call('sum', '\\sum', showAxes),
  law: { cases },
})

// ── mean ──  d mean x = broadcast(cot) / count
/** The op record of `mean` (shape rule, evaluation, derivative, printed form, law cases): d mean x = broadcast(cot) / count. */
export const meanOp = defineOp({
  name: 'mean',
  arity: 1,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: axesAttrs,
  shape: reduceShape('mean'),
  eval: ([x], { attrs, outShape }) => {
    const d = sumData(x!, axesAttr(attrs), outShape)
    const n = x!.data.length / Math.max(1, d.length)
    for (let i = 0; i < d.length; i++) d[i] = d[i]! / n
    return { shape: outShape, data: d }
  },
  vjp: ({ args: [x], attrs, cot }) => {
    const ax = axesAttr(attrs)
    return [div(broadcastTo(keepShape(cot, x!.shape, ax), x!.shape), count(x!, ax))]
  },
  notation: call('mean', '\\operatorname{mean}', showAxes),
  law: { cases },
})

// ── max ──  d max x = cot routed to the arg-max; ties share it equally
/** The op record of `max` (shape rule, evaluation, derivative, printed form, law cases): d max x = cot routed to the arg-max; ties share it equally. */
export const maxOp = defineOp({
  name: 'max',
  arity: 1,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: axesAttrs,
  shape: reduceShape('max'),
  eval: ([x], { attrs, outShape }) => ({ shape: outShape, data: reduceWith(x!, axesAttr(attrs), outShape, -Infinity, Math.max) }),
  vjp: ({ args: [x], attrs, out, cot }) => {
    const ax = axesAttr(attrs)
    const up = (e: Expr) => broadcastTo(keepShape(e, x!.shape, ax), x!.shape)
    const mask = eq(x!, up(out))
    return [mul(div(mask, up(sum(mask, ax))), up(cot))]
  },
  notation: call('max', '\\max', showAxes),
  law: { cases, accept: ([x], a) => topTwoApart(x!, axesAttr(a), 1e-2) },
  note: 'ties share the gradient equally',
})

// ── logSumExp ──  log Σ eˣ computed as m + log Σ e^(x−m); d = softmax(x)·broadcast(cot)
/** The op record of `logSumExp` (shape rule, evaluation, derivative, printed form, law cases): log Σ eˣ computed as m + log Σ e^(x−m); d = softmax(x)·broadcast(cot). */
export const logSumExpOp = defineOp({
  name: 'logSumExp',
  arity: 1,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: axesAttrs,
  shape: reduceShape('logSumExp'),
  eval: ([x], { attrs, outShape }) => {
    const ax = axesAttr(attrs)
    const m = reduceWith(x!, ax, outShape, -Infinity, Math.max)
    for (let i = 0; i < m.length; i++) if (m[i] === -Infinity) m[i] = 0
    const shifted = { shape: x!.shape, data: new Float64Array(x!.data.length) }
    strided(x!.shape, reducedStrides(x!.shape, ax), m, shifted.data, false)
    for (let i = 0; i < shifted.data.length; i++) shifted.data[i] = Math.exp(x!.data[i]! - shifted.data[i]!)
    const s = sumData(shifted, ax, outShape)
    for (let i = 0; i < s.length; i++) s[i] = m[i]! + Math.log(s[i]!)
    return { shape: outShape, data: s }
  },
  vjp: ({ args: [x], attrs, out, cot }) => {
    const ax = axesAttr(attrs)
    const up = (e: Expr) => broadcastTo(keepShape(e, x!.shape, ax), x!.shape)
    return [mul(exp(sub(x!, up(out))), up(cot))]
  },
  notation: call('logSumExp', '\\operatorname{LSE}', showAxes),
  law: { cases, domain: [{ lo: -30, hi: 30 }] },
})

// ── count ──  number of elements over the axes, from the shape; constant in x (zero derivative)
/** The op record of `count` (shape rule, evaluation, derivative, printed form, law cases): number of elements over the axes, from the shape; constant in x (zero derivative). */
export const countOp = defineOp({
  name: 'count',
  arity: 1,
  kind: 'reduce',
  lowering: 'kernel',
  attrs: axesAttrs,
  shape: ([x], a) => (checkedAxes('count', a, x!.length), []),
  eval: ([x], { attrs }) => ({ shape: [], data: Float64Array.of(axesAttr(attrs).reduce((p, i) => p * x!.shape[i]!, 1)) }),
  vjp: () => [null],
  notation: call('count', '\\#', showAxes),
  law: { cases },
})

/** The axes of an expression, 0 … rank − 1 (reduce over all of them). */
export function allAxes(x: Expr): number[] {
  return x.shape.map((_, i) => i)
}

function reduceBuilder(op: typeof sumOp | typeof meanOp | typeof maxOp | typeof logSumExpOp) {
  return (x: Expr, axes?: readonly number[]): Expr => {
    const ax = axes === undefined ? allAxes(x) : S.normAxes(axes, x.shape.length, op.name)
    return apply(op, [x], { axes: ax })
  }
}
const sumB = reduceBuilder(sumOp)
const meanB = reduceBuilder(meanOp)
const maxB = reduceBuilder(maxOp)
const lseB = reduceBuilder(logSumExpOp)

/** Sum over `axes` (all axes by default); the axes are removed from the shape. */
export function sum<S2 extends Shape, const A extends readonly number[] = []>(x: Expr<S2>, axes?: A): Expr<A extends [] ? [] : Reduced<S2, A>> {
  return sumB(x, axes) as never
}
/** Builds `mean`: an expression node of the `meanOp` record (d mean x = broadcast(cot) / count). */
export function mean<S2 extends Shape, const A extends readonly number[] = []>(x: Expr<S2>, axes?: A): Expr<A extends [] ? [] : Reduced<S2, A>> {
  return meanB(x, axes) as never
}
/** Builds `max`: an expression node of the `maxOp` record (d max x = cot routed to the arg-max; ties share it equally). */
export function max<S2 extends Shape, const A extends readonly number[] = []>(x: Expr<S2>, axes?: A): Expr<A extends [] ? [] : Reduced<S2, A>> {
  return maxB(x, axes) as never
}
/** Builds `logSumExp`: an expression node of the `logSumExpOp` record (log Σ eˣ computed as m + log Σ e^(x−m); d = softmax(x)·broadcast(cot)). */
export function logSumExp<S2 extends Shape, const A extends readonly number[] = []>(x: Expr<S2>, axes?: A): Expr<A extends [] ? [] : Reduced<S2, A>> {
  return lseB(x, axes) as never
}
/** The number of elements `x` has along `axes`, as a scalar expression. */
export function count(x: Expr, axes?: readonly number[]): Expr<[]> {
  const ax = axes === undefined ? allAxes(x) : S.normAxes(axes, x.shape.length, 'count')
  return apply(countOp, [x], { axes: ax }) as Expr<[]>
}
