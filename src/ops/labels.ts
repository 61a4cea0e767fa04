/**
 * Integer labels: pick `scores[i, y_i]` (gatherLabel) and one-hot encoding. Labels are float64
 * tensors holding integers in [0, C); they are data, not differentiable.
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Dim, Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { ShapeError, SymgradError } from '../core/errors.js'
import { call, defineOp, numAttr } from './Op.js'
import { Attr } from './attrs.js'
import { mul } from './elementwise.js'
import { broadcastTo, reshape } from './movement.js'

function checkLabel(op: string, y: number, c: number, i: number): number {
  if (!Number.isInteger(y) || y < 0 || y >= c)
    throw new SymgradError('value', `${op}: label ${y} at row ${i} is out of range: expected an integer in [0, ${c})`)
  return y
}

// ── oneHot ──  [N] labels → [N,C] rows with a single 1; labels are not differentiable
/** The op record of `oneHot` (shape rule, evaluation, derivative, printed form, law cases): [N] labels → [N,C] rows with a single 1; labels are not differentiable. */
export const oneHotOp = defineOp({
  name: 'oneHot',
  arity: 1,
  kind: 'index',
  lowering: 'kernel',
  attrs: Attr.record({ classes: Attr.positiveInt }),
  shape: ([y], a) => {
    if (y!.length !== 1) throw new ShapeError(`oneHot: argument 1 expected labels [N], got ${S.show(y!)}`)
    return [y![0]!, numAttr(a, 'classes')]
  },
  eval: ([y], { attrs, outShape }) => {
    const c = numAttr(attrs, 'classes')
    const out = new Float64Array(S.size(outShape))
    y!.data.forEach((v, i) => (out[i * c + checkLabel('oneHot', v, c, i)] = 1))
    return { shape: outShape, data: out }
  },
  vjp: () => [null],
  nondiff: [0],
  notation: call('oneHot', '\\operatorname{onehot}', (a) => `C=${a['classes']}`),
  law: { cases: [{ shapes: [[5]], attrs: { classes: 3 } }], domain: [{ labels: 3 }] },
})

// ── gatherLabel ──  [N,C] scores, [N] labels → [N] with s[i, y_i]; d = oneHot(y)·cot
/** The op record of `gatherLabel` (shape rule, evaluation, derivative, printed form, law cases): [N,C] scores, [N] labels → [N] with s[i, y_i]; d = oneHot(y)·cot. */
export const gatherLabelOp = defineOp({
  name: 'gatherLabel',
  arity: 2,
  kind: 'index',
  lowering: 'kernel',
  shape: ([s, y]) => {
    if (s!.length !== 2) throw new ShapeError(`gatherLabel: argument 1 expected scores [N,C], got ${S.show(s!)}`)
    if (y!.length !== 1 || y![0] !== s![0])
      throw new ShapeError(`gatherLabel: argument 2 expected labels [${s![0]}], got ${S.show(y!)}`)
    if (typeof s![1] !== 'number') throw new ShapeError(`gatherLabel: the class dimension must be a number, got ${S.show(s!)}`)
    return [s![0]!]
  },
  eval: ([s, y], { outShape }) => {
    const c = s!.shape[1]!
    const out = new Float64Array(S.size(outShape))
    for (let i = 0; i < out.length; i++) out[i] = s!.data[i * c + checkLabel('gatherLabel', y!.data[i]!, c, i)]!
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [s, y], cot }) => {
    const [n, c] = s!.shape as [Dim, number]
    return [mul(oneHot(y!, c), broadcastTo(reshape(cot, [n, 1]), [n, c])), null]
  },
  nondiff: [1],
  notation: call('pick', '\\operatorname{pick}'),
  law: { cases: [{ shapes: [[4, 3], [4]], attrs: {} }], domain: [{ lo: -2, hi: 2 }, { labels: 3 }] },
})

/** Builds `oneHot`: an expression node of the `oneHotOp` record ([N] labels → [N,C] rows with a single 1; labels are not differentiable). */
export function oneHot<S2 extends Shape, const C extends number>(labels: Expr<S2>, classes: C): Expr<[S2 extends readonly [infer N] ? N : Dim, C]> {
  if (!Number.isInteger(classes) || classes < 1) throw new ShapeError(`oneHot: classes must be a positive integer, got ${classes}`)
  return apply(oneHotOp, [labels], { classes }) as never
}

/** `scores[i, labels[i]]` for every row i. */
export function gatherLabel<S2 extends Shape>(scores: Expr<S2>, labels: Expr): Expr<[S2 extends readonly [infer N, Dim] ? N : Dim]> {
  return apply(gatherLabelOp, [scores, labels]) as never
}
export type { Tensor }
