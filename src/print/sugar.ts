/**
 * Forms the printers show by their textbook name although they are composites: exp(x − lse(x)),
 * the max-shifted softmax that logSoftmax and the cross-entropy gradient build, prints as
 * softmax(x). Printing only: the graph keeps its stable form.
 */
import type { Expr, Notation } from '../core/Expr.js'
import * as ops from '../ops/builtins.js'
import { axesAttr, call } from '../ops/Op.js'

const strip = (e: Expr): Expr => (e.op === ops.broadcastToOp || e.op === ops.reshapeOp ? strip(e.args[0]!) : e)
type CallNotation = Extract<Notation, { form: 'call' }>
const softmaxNotation = call('softmax', '\\operatorname{softmax}') as CallNotation

/** x and the axes when `e` is exp(x − broadcast(logSumExp(x, axes))). */
export function softmaxOf(e: Expr): { readonly x: Expr; readonly axes: readonly number[] } | undefined {
  const d = e.op === ops.expOp ? e.args[0]! : undefined
  if (d === undefined || d.op !== ops.subOp) return undefined
  const l = strip(d.args[1]!)
  return l.op === ops.logSumExpOp && l.args[0] === d.args[0] ? { x: d.args[0]!, axes: axesAttr(l.attrs) } : undefined
}

/**
 * The text of a sugared form given the texts of nodes printed before it (undefined for a node
 * not printed, or not sugared: the op's own notation applies), through the style's `call`.
 */
export function sugarText(e: Expr, textOf: (e: Expr) => string | undefined, callText: (n: CallNotation, args: readonly string[], attrs?: string) => string): string | undefined {
  const s = softmaxOf(e)
  const x = s === undefined ? undefined : textOf(s.x)
  if (s === undefined || x === undefined) return undefined
  const last = s.axes.length === 1 && s.axes[0] === s.x.shape.length - 1
  return callText(softmaxNotation, [x], last ? undefined : `axes=[${s.axes.join(',')}]`)
}
