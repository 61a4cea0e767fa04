/**
 * Interval rules of the built-in reductions, products, movement, label, convolution and pooling
 * ops (see rangeRules.ts for the table's contract). A sum of k terms scales its argument's range
 * by k, the number of elements reduced (a symbolic dim counts as 1 up to its bound); a product of
 * two finite ranges that passes the format's largest value is an overflow.
 */
import type { Attrs, Expr, OpDef } from '../core/Expr.js'
import type { Dim } from '../core/Shape.js'
import * as ops from '../ops/builtins.js'
import { axesAttr } from '../ops/Op.js'
import * as I from './intervals.js'
import type { Interval } from './intervals.js'
import { checked, type RangeCtx, type RangeRule } from './rangeRules.js'

const simple = (range: (c: RangeCtx) => Interval): RangeRule => ({ range })
const same = simple((c) => c.args[0]!)
const reducedDims = (c: RangeCtx): Dim[] => axesAttr(c.node.attrs).map((i) => c.node.args[0]!.shape[i]!)
const withZero = (a: Interval): Interval => I.union(a, I.point(0))

/** The axes sumTo sums away: leading axes, and stretched 1s. */
function summedDims(from: readonly Dim[], to: readonly Dim[]): Dim[] {
  const off = from.length - to.length
  return from.filter((d, i) => i < off || (to[i - off] === 1 && d !== 1))
}
function pairOf(a: Attrs, key: string): [number, number] {
  const v = a[key]
  return Array.isArray(v) ? [Number(v[0]), Number(v[1])] : typeof v === 'number' ? [v, v] : [1, 1]
}
/** Σ of k products a·b. */
const products = (c: RangeCtx, k: Interval): Interval => I.scale(I.mul(c.args[0]!, c.args[1]!), k)
const dimsOf = (e: Expr, idx: readonly number[]): Dim[] => idx.map((i) => e.shape[i]!)

export const tensorRangeRules: readonly (readonly [OpDef, RangeRule])[] = [
  [ops.sumOp, checked((c) => I.scale(c.args[0]!, c.count(reducedDims(c))), 'the sum')],
  [ops.meanOp, same],
  [ops.maxOp, same],
  // log Σ eˣ lies between max x and max x + log k
  [ops.logSumExpOp, simple((c) => ({ lo: c.args[0]!.lo, hi: c.args[0]!.hi + Math.log(c.count(reducedDims(c)).hi) }))],
  [ops.countOp, simple((c) => c.count(reducedDims(c)))],
  [ops.normOp, simple((c) => {
    const k = c.count(reducedDims(c))
    const a = I.abs(c.args[0]!)
    return { lo: a.lo * Math.sqrt(k.lo), hi: a.hi * Math.sqrt(k.hi) }
  })],
  [ops.matmulOp, checked((c) => products(c, c.count([c.node.args[0]!.shape[1]!])), 'the matrix product')],
  [ops.broadcastToOp, same],
  [ops.reshapeOp, same],
  [ops.transposeOp, same],
  [ops.sumToOp, checked((c) => I.scale(c.args[0]!, c.count(summedDims(c.node.args[0]!.shape, c.node.shape))), 'the sum')],
  [ops.oneHotOp, simple(() => I.unitInterval)],
  [ops.gatherLabelOp, same],
  [ops.padOp, simple((c) => withZero(c.args[0]!))],
  // filters [F, C, KH, KW]: an output sums C·KH·KW products
  [ops.conv2dOp, checked((c) => products(c, c.count(dimsOf(c.node.args[1]!, [1, 2, 3]))), 'the convolution')],
  // dx sums at most F·KH·KW products of g [N, F, OH, OW] and w [F, C, KH, KW]
  [ops.conv2dBackpropInputOp, checked((c) => products(c, c.count(dimsOf(c.node.args[1]!, [0, 2, 3]))), 'the convolution')],
  // dw sums N·OH·OW products of x [N, C, H, W] and g [N, F, OH, OW]
  [ops.conv2dBackpropFilterOp, checked((c) => products(c, c.count(dimsOf(c.node.args[1]!, [0, 2, 3]))), 'the convolution')],
  [ops.maxPool2dOp, same],
  [ops.maxPool2dGatherOp, simple((c) => c.args[1]!)],
  // an input takes g from every window it is the argmax of: at most KH·KW of them
  [ops.maxPool2dBackpropOp, simple((c) => {
    const [kh, kw] = pairOf(c.node.attrs, 'window')
    return I.scale(withZero(c.args[1]!), { lo: 0, hi: kh * kw })
  })],
  [ops.avgPool2dOp, same],
  [ops.avgPool2dBackpropOp, simple((c) => withZero(c.args[0]!))],
]
