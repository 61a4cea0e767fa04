/**
 * Ops that move data without arithmetic: broadcastTo and its adjoint sumTo, reshape, transpose.
 * Broadcasting is always explicit in the graph: elementwise builders insert broadcastTo, whose vjp
 * is sumTo, so bias gradients fall out by themselves.
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Concrete, Dim, Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { ShapeError } from '../core/errors.js'
import { call, defineOp, shapeAttr } from './Op.js'
import { Attr } from './attrs.js'

const shapeAttrs = Attr.record({ shape: Attr.shape })

/** Source strides per output axis (0 on broadcast axes) for reading `from` as `to`. */
export function broadcastStrides(from: Concrete, to: Concrete): number[] {
  const st = S.strides(from)
  const off = to.length - from.length
  return to.map((d, i) => (i < off || from[i - off] === 1 ? 0 : st[i - off]!))
}

/** dst[o] = src[Σ idx·srcStrides] over every index of `shape`, or dst += ... when `acc`. */
export function strided(shape: Concrete, srcStrides: readonly number[], src: Float64Array, dst: Float64Array, acc: boolean): void {
  const r = shape.length
  const n = S.size(shape)
  if (n === 0) return
  if (r === 0) {
    dst[0] = acc ? dst[0]! + src[0]! : src[0]!
    return
  }
  const idx = new Array<number>(r).fill(0)
  const last = shape[r - 1]!
  const ls = srcStrides[r - 1]!
  let off = 0
  for (let o = 0; o < n; o += last) {
    if (acc) for (let j = 0; j < last; j++) dst[off + j * ls]! += src[o + j]!
    else for (let j = 0; j < last; j++) dst[o + j] = src[off + j * ls]!
    // advance the index over all but the last axis
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax]!++
      off += srcStrides[ax]!
      if (idx[ax]! < shape[ax]!) break
      off -= srcStrides[ax]! * shape[ax]!
      idx[ax] = 0
    }
  }
}

/** Offset strides of a reduction's output for each input axis (0 on the reduced axes). */
export function reducedStrides(dims: Concrete, axes: readonly number[]): number[] {
  return broadcastStrides(S.keepDims(dims, axes) as number[], dims)
}

/** Calls f(input index, output offset) over every element of `dims` in row-major order. */
export function forEachOffset(dims: Concrete, st: readonly number[], f: (i: number, off: number) => void): void {
  const r = dims.length
  const n = S.size(dims)
  const idx = new Array<number>(r).fill(0)
  let off = 0
  for (let i = 0; i < n; i++) {
    f(i, off)
    for (let ax = r - 1; ax >= 0; ax--) {
      idx[ax]!++
      off += st[ax]!
      if (idx[ax]! < dims[ax]!) break
      off -= st[ax]! * dims[ax]!
      idx[ax] = 0
    }
  }
}

// ── broadcastTo ──  numpy broadcasting made explicit; vjp: sumTo(cot, x.shape)
/** The op record of `broadcastTo` (shape rule, evaluation, derivative, printed form, law cases): numpy broadcasting made explicit; vjp: sumTo(cot, x.shape). */
export const broadcastToOp = defineOp({
  name: 'broadcastTo',
  arity: 1,
  kind: 'movement',
  lowering: 'view',
  attrs: shapeAttrs,
  view: (from, to) => {
    const off = to.length - from.length
    return to.map((_, i) => (i < off || from[i - off] === 1 ? null : i - off))
  },
  shape: ([x], a) => {
    const to = shapeAttr(a)
    if (!S.broadcastsTo(x!, to)) throw new ShapeError(`broadcastTo: argument 1 of shape ${S.show(x!)} does not broadcast to ${S.show(to)}`)
    return to
  },
  eval: ([x], { outShape }) => {
    const out = new Float64Array(S.size(outShape))
    strided(outShape, broadcastStrides(x!.shape, outShape), x!.data, out, false)
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [x], cot }) => [sumTo(cot, x!.shape)],
  notation: call('broadcast', '\\operatorname{broadcast}', (a) => S.show(shapeAttr(a))),
  law: { cases: [{ shapes: [[3, 1]], attrs: { shape: [2, 3, 4] } }, { shapes: [[4]], attrs: { shape: [3, 4] } }] },
})

// ── sumTo ──  sums the broadcast axes away; vjp: broadcastTo(cot, x.shape)
/** The op record of `sumTo` (shape rule, evaluation, derivative, printed form, law cases): sums the broadcast axes away; vjp: broadcastTo(cot, x.shape). */
export const sumToOp = defineOp({
  name: 'sumTo',
  arity: 1,
  kind: 'movement',
  lowering: 'kernel',
  attrs: shapeAttrs,
  shape: ([x], a) => {
    const to = shapeAttr(a)
    if (!S.broadcastsTo(to, x!)) throw new ShapeError(`sumTo: target ${S.show(to)} does not broadcast to argument 1 of shape ${S.show(x!)}`)
    return to
  },
  eval: ([x], { outShape }) => {
    const out = new Float64Array(S.size(outShape))
    strided(x!.shape, broadcastStrides(outShape, x!.shape), x!.data, out, true)
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [x], cot }) => [broadcastTo(cot, x!.shape)],
  notation: call('sumTo', '\\operatorname{sumTo}', (a) => S.show(shapeAttr(a))),
  law: { cases: [{ shapes: [[2, 3, 4]], attrs: { shape: [3, 1] } }, { shapes: [[3, 4]], attrs: { shape: [] } }] },
})

function sameSize(a: Shape, b: Shape): boolean {
  const nums = (s: Shape) => s.filter((d): d is number => typeof d === 'number').reduce((p, d) => p * d, 1)
  const syms = (s: Shape) => S.symbols(s).sort().join(',')
  return nums(a) === nums(b) && syms(a) === syms(b)
}

// ── reshape ──  same data, new shape; vjp: reshape(cot, x.shape)
/** The op record of `reshape` (shape rule, evaluation, derivative, printed form, law cases): same data, new shape; vjp: reshape(cot, x.shape). */
export const reshapeOp = defineOp({
  name: 'reshape',
  arity: 1,
  kind: 'movement',
  lowering: 'alias',
  attrs: shapeAttrs,
  shape: ([x], a) => {
    const to = shapeAttr(a)
    if (!sameSize(x!, to)) throw new ShapeError(`reshape: cannot reshape argument 1 of shape ${S.show(x!)} to ${S.show(to)}`)
    return to
  },
  eval: ([x], { outShape }) => ({ shape: outShape, data: x!.data }),
  vjp: ({ args: [x], cot }) => [reshape(cot, x!.shape)],
  notation: call('reshape', '\\operatorname{reshape}', (a) => S.show(shapeAttr(a))),
  law: { cases: [{ shapes: [[2, 6]], attrs: { shape: [3, 4] } }, { shapes: [[5]], attrs: { shape: [5, 1] } }] },
})

function permAttr(rank: number, perm: unknown): number[] {
  return (perm as number[] | null) ?? Array.from({ length: rank }, (_, i) => rank - 1 - i)
}

// ── transpose ──  permutes axes (reverses them by default); vjp: the inverse permutation
/** The op record of `transpose` (shape rule, evaluation, derivative, printed form, law cases): permutes axes (reverses them by default); vjp: the inverse permutation. */
export const transposeOp = defineOp({
  name: 'transpose',
  arity: 1,
  kind: 'movement',
  lowering: 'view',
  attrs: Attr.record({ perm: Attr.nullable(Attr.axes) }),
  view: (x, _, a) => permAttr(x.length, a['perm']),
  shape: ([x], a) => {
    const p = permAttr(x!.length, a['perm'])
    if (p.length !== x!.length || [...p].sort((u, v) => u - v).some((v, i) => v !== i))
      throw new ShapeError(`transpose: perm [${p.join(',')}] is not a permutation of the axes of argument 1 ${S.show(x!)}`)
    return p.map((i) => x![i]!)
  },
  eval: ([x], { outShape, attrs }) => {
    const p = permAttr(x!.shape.length, attrs['perm'])
    const st = S.strides(x!.shape)
    const out = new Float64Array(x!.data.length)
    strided(outShape, p.map((i) => st[i]!), x!.data, out, false)
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [x], attrs, cot }) => {
    const p = permAttr(x!.shape.length, attrs['perm'])
    const inv = p.map((_, i) => p.indexOf(i))
    return [transpose(cot, inv)]
  },
  notation: { form: 'postfix', symbol: 'ᵀ', latex: '^{\\top}' },
  law: { cases: [{ shapes: [[3, 4]], attrs: { perm: null } }, { shapes: [[2, 3, 4]], attrs: { perm: [1, 2, 0] } }] },
})

/** Builds `broadcastTo`: an expression node of the `broadcastToOp` record (numpy broadcasting made explicit; vjp: sumTo(cot, x.shape)). */
export function broadcastTo<const S2 extends Shape>(x: Expr, shape: S2): Expr<S2> {
  if (S.equal(x.shape, shape)) return x as Expr<S2>
  return apply(broadcastToOp, [x], { shape: [...shape] }) as Expr<S2>
}

/** Builds `sumTo`: an expression node of the `sumToOp` record (sums the broadcast axes away; vjp: broadcastTo(cot, x.shape)). */
export function sumTo<const S2 extends Shape>(x: Expr, shape: S2): Expr<S2> {
  if (S.equal(x.shape, shape)) return x as Expr<S2>
  return apply(sumToOp, [x], { shape: [...shape] }) as Expr<S2>
}

/** Builds `reshape`: an expression node of the `reshapeOp` record (same data, new shape; vjp: reshape(cot, x.shape)). */
export function reshape<const S2 extends Shape>(x: Expr, shape: S2): Expr<S2> {
  if (S.equal(x.shape, shape)) return x as Expr<S2>
  return apply(reshapeOp, [x], { shape: [...shape] }) as Expr<S2>
}

type Reverse<T extends Shape> = T extends readonly [infer H, ...infer R extends Shape] ? [...Reverse<R>, H] : []
/** The type of a transpose: the axes reversed. */
export type Transposed<S2 extends Shape> = number extends S2['length'] ? Shape : Reverse<S2>

/** Reverses the axes (a matrix transpose for rank 2), or applies `perm`. */
export function transpose<S2 extends Shape>(x: Expr<S2>): Expr<Transposed<S2>>
export function transpose(x: Expr, perm: readonly number[]): Expr
export function transpose(x: Expr, perm?: readonly number[]): Expr {
  return apply(transposeOp, [x], { perm: perm === undefined ? null : [...perm] })
}

/** Inserts size-1 axes so that `x` of shape `s` reduced over `axes` lines up with `s` again. */
export function keepShape(reduced: Expr, full: Shape, axes: readonly number[]): Expr {
  return reshape(reduced, S.keepDims(full, axes))
}

export type { Dim, Tensor }
