/**
 * Forms the printers show by their textbook name although they are composites: exp(x − lse(x)),
 * the max-shifted softmax that logSoftmax and the cross-entropy gradient build, prints as
 * softmax(x). Printing only: the graph keeps its stable form.
 */
import type { Expr, Notation } from '../core/Expr.js'
import * as ops from '../ops/builtins.js'
import { axesAttr, call, Prec } from '../ops/Op.js'
import type { Piece, Style } from './layout.js'

const strip = (e: Expr): Expr => (e.op === ops.broadcastToOp || e.op === ops.reshapeOp ? strip(e.args[0]!) : e)
const softmaxNotation = call('softmax', '\\operatorname{softmax}') as Extract<Notation, { form: 'call' }>

/** x and the axes when `e` is exp(x − broadcast(logSumExp(x, axes))). */
export function softmaxOf(e: Expr): { readonly x: Expr; readonly axes: readonly number[] } | undefined {
  const d = e.op === ops.expOp ? e.args[0]! : undefined
  if (d === undefined || d.op !== ops.subOp) return undefined
  const l = strip(d.args[1]!)
  return l.op === ops.logSumExpOp && l.args[0] === d.args[0] ? { x: d.args[0]!, axes: axesAttr(l.attrs) } : undefined
}

/** The piece of a sugared form, or undefined (the op's own notation applies). */
export function sugarPiece(e: Expr, pieces: ReadonlyMap<number, Piece>, style: Style): Piece | undefined {
  const s = softmaxOf(e)
  const x = s === undefined ? undefined : pieces.get(s.x.id)
  if (s === undefined || x === undefined) return undefined
  const last = s.axes.length === 1 && s.axes[0] === s.x.shape.length - 1
  return { text: style.call(softmaxNotation, [x.text], last ? undefined : `axes=[${s.axes.join(',')}]`), prec: Prec.atom, form: 'atom', op: e.op }
}
