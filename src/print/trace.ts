/**
 * The backward-pass trace (CS231n's circuit view): for a scalar loss and bindings, one row per
 * node in topological order with its printed form, forward value, local gradient and upstream
 * gradient.
 *
 * The local gradient of a node with respect to argument k is the op's vjp evaluated with a
 * cotangent of ones: for elementwise ops that is the diagonal local derivative ∂node/∂arg; for
 * reductions and matmul it is the column sums of the Jacobian. The upstream gradient is ∂L/∂node,
 * the cotangent `backward` computes. Local derivatives are simplified for display and printed with
 * `#k` standing for row k.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import type { Concrete } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../core/Tensor.js'
import { errorMessage, GradError, SymgradError } from '../core/errors.js'
import { backward } from '../ad/grad.js'
import { simplify } from '../compile/simplify.js'
import { type Bindings, evaluateAll } from '../eval/evaluate.js'
import { constant, constValue, inputOp, paramOp } from '../ops/leaves.js'
import { formatNumber, minusSign } from './layout.js'
import { printInfix } from './infix.js'

/** One local derivative in a backprop trace: the argument's row and its ∂. */
export interface LocalGrad {
  /** Row of the argument. */
  readonly arg: number
  /** The simplified local derivative, `#k` meaning row k; '—' when the argument is not differentiable. */
  readonly expr: string
  /** Its value; undefined when the argument is not differentiable or the op has no rule. */
  readonly value: Tensor | undefined
}

/** One node of a backprop trace: its row number, printed form, value, local derivatives and gradient. */
export interface TraceRow {
  /** 1-based row number, used as `#row` in printed forms. */
  readonly row: number
  readonly id: number
  readonly op: string
  /** The node in terms of its argument rows: `#1 + #2`; leaves print their name or value. */
  readonly node: string
  /** The whole expression in infix (long subexpressions shown as `#k`). */
  readonly expr: string
  readonly shape: Concrete
  readonly value: Tensor
  readonly local: readonly LocalGrad[]
  /** ∂loss/∂node; undefined where no gradient flows (constants, nodes off every path). */
  readonly upstream: Tensor | undefined
}

/** A backprop trace: one row per node, forward values and gradients, and the loss. */
export interface Trace {
  readonly rows: readonly TraceRow[]
  readonly loss: number
}

const EXPR_INLINE = 40

/** Input and parameter leaves the loss reaches through differentiable argument slots. */
export function differentiableLeaves(loss: Expr): Expr[] {
  const order = topoSort([loss])
  const live = new Set<number>([loss.id])
  const out: Expr[] = []
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!
    if (!live.has(n.id)) continue
    if (n.op === inputOp || n.op === paramOp) out.push(n)
    n.args.forEach((a, k) => {
      if (!n.op.nondiff?.includes(k)) live.add(a.id)
    })
  }
  return out.reverse()
}

interface Plan {
  readonly order: readonly Expr[]
  readonly cots: ReadonlyMap<number, Expr>
  readonly locals: ReadonlyMap<number, readonly (Expr | 'nondiff' | 'none')[]>
}

function plan(loss: Expr, wrt: readonly Expr[]): Plan {
  const order = topoSort([loss])
  const cots = backward(loss, wrt)
  const locals = new Map<number, (Expr | 'nondiff' | 'none')[]>()
  for (const n of order) {
    if (n.args.length === 0) continue
    if (n.op.vjp === undefined) {
      locals.set(n.id, n.args.map(() => 'none' as const))
      continue
    }
    const parts = n.op.vjp({ node: n, args: n.args, attrs: n.attrs, out: n, cot: constant(1, n.shape) })
    locals.set(
      n.id,
      n.args.map((a, k) => (n.op.nondiff?.includes(k) ? 'nondiff' : (parts[k] ?? constant(0, a.shape)))),
    )
  }
  return { order, cots, locals }
}

/**
 * The trace of `loss` under `bindings`. `wrt` (default: every input and parameter the loss depends
 * on differentiably) decides which nodes get an upstream gradient.
 */
export function traceBackward(loss: Expr, bindings: Bindings, wrt?: readonly Expr[]): E.Either<SymgradError, Trace> {
  if (loss.shape.length !== 0)
    return E.left(new GradError(`traceBackward: the loss must be a scalar, got shape ${S.show(loss.shape)}`))
  let p: Plan
  try {
    p = plan(loss, wrt ?? differentiableLeaves(loss))
  } catch (e) {
    return E.left(e instanceof SymgradError ? e : new GradError(`traceBackward: ${errorMessage(e)}`))
  }
  const localExprs = [...p.locals.values()].flat().filter((x): x is Expr => typeof x !== 'string')
  const simple = simplify(localExprs).exprs
  const shown = new Map(localExprs.map((x, i) => [x.id, simple[i]!]))
  const evalE = evaluateAll([loss, ...simple, ...p.cots.values()], bindings)
  if (E.isLeft(evalE)) return evalE
  const values = evalE.right.values
  const rowOf = new Map(p.order.map((n, i) => [n.id, i + 1]))
  // every node but the one-number constants (which print as their value) is referred to by row
  const refs = new Map(p.order.flatMap((n, i) => (constValue(n) === undefined ? [[n.id, `#${i + 1}`] as const] : [])))
  const longNames = new Map<number, string>()
  const rows = p.order.map((n, i): TraceRow => {
    const others = (e: Expr): string | undefined => (e === n ? undefined : refs.get(e.id))
    const [node] = printInfix([n], { names: others, compact: false }).exprs
    const [expr] = printInfix([n], { names: longNames, compact: true, letThreshold: Infinity }).exprs
    if (expr!.length > EXPR_INLINE) longNames.set(n.id, `#${i + 1}`)
    // no entry for an argument no gradient flows to (a constant, or off every path to `wrt`)
    const local = (p.locals.get(n.id) ?? []).flatMap((l, k): LocalGrad[] => {
      const arg = rowOf.get(n.args[k]!.id)!
      if (typeof l === 'string') return [{ arg, expr: l === 'nondiff' ? '—' : 'no rule', value: undefined }]
      if (!p.cots.has(n.args[k]!.id)) return []
      const s = shown.get(l.id)!
      return [{ arg, expr: printInfix([s], { names: refs, compact: true }).exprs[0]!, value: values.get(s.id) }]
    })
    const cot = p.cots.get(n.id)
    const value = values.get(n.id)!
    return {
      row: i + 1,
      id: n.id,
      op: n.op.name,
      node: node!,
      expr: expr!,
      shape: value.shape,
      value,
      local,
      upstream: cot === undefined ? undefined : values.get(cot.id),
    }
  })
  return E.right({ rows, loss: values.get(loss.id)!.data[0]! })
}

export interface FormatOptions {
  /** Significant digits of values (default 4). */
  readonly digits?: number
}

function showLocal(l: LocalGrad, digits: number): string {
  const head = `∂/∂#${l.arg} = ${l.expr}`
  if (l.value === undefined) return head
  const v = minusSign(T.show(l.value, digits))
  return v === l.expr || (l.value.shape.length === 0 && minusSign(formatNumber(l.value.data[0]!, digits)) === l.expr)
    ? head
    : `${head} = ${v}`
}

/** The trace as a plain-text table. */
export function formatTrace(trace: Trace, opts: FormatOptions = {}): string {
  const d = opts.digits ?? 4
  const header = ['#', 'node', 'expression', 'value', 'local gradient', 'upstream ∂L/∂node']
  const body = trace.rows.map((r) => [
    `#${r.row}`,
    r.node,
    r.local.length === 0 ? '' : r.expr,
    minusSign(T.show(r.value, d)),
    r.local.map((l) => showLocal(l, d)).join('; '),
    r.upstream === undefined ? '—' : minusSign(T.show(r.upstream, d)),
  ])
  const all = [header, ...body]
  const widths = header.map((_, c) => Math.max(...all.map((row) => [...row[c]!].length)))
  const line = (row: readonly string[]) =>
    row.map((cell, c) => cell + ' '.repeat(widths[c]! - [...cell].length)).join('  ').trimEnd()
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}
