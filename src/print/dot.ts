/**
 * Graphviz DOT text for the DAG: one node per Expr (leaves as boxes, ops as ellipses labelled by
 * their symbol and, when not scalar, their shape), one edge per argument, numbered when the op has
 * several. Optional values and gradients are written under each label (the circuit view).
 */
import type { Expr, Notation } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../core/Tensor.js'
import { constValue, leafName, paramOp, tensorOp } from '../ops/leaves.js'
import { formatNumber } from './layout.js'

/** Options of `toDot`: graph name, values and gradients to show on the nodes, significant digits. */
export interface DotOptions {
  /** Graph name (default 'symgrad'). */
  readonly name?: string
  /** Forward values by node id, shown as `= v`. */
  readonly values?: ReadonlyMap<number, Tensor>
  /** Gradients by node id, shown as `∂ = g`. */
  readonly grads?: ReadonlyMap<number, Tensor>
  /** Significant digits of values (default 4). */
  readonly digits?: number
  /** 'LR' (default, left to right like a circuit) or 'TB'. */
  readonly rankdir?: 'LR' | 'TB' | 'BT' | 'RL'
}

function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** The symbol a gate shows for an op (also the circuit pictures'). */
export function symbol(n: Notation, op: string): string {
  switch (n.form) {
    case 'infix':
    case 'prefix':
      return n.symbol
    case 'postfix':
      return `(·)${n.symbol}`
    case 'call':
      return n.name
    case 'leaf':
      return op
  }
}

/** The text a node shows in the graph: leaf name, constant value, or op symbol. */
export function nodeLabel(e: Expr): string {
  const name = leafName(e)
  const v = constValue(e)
  const base =
    name !== undefined ? name : v !== undefined ? formatNumber(v, 6) : e.op === tensorOp ? 'tensor' : symbol(e.op.notation, e.op.name)
  return e.shape.length === 0 ? base : `${base} ${S.show(e.shape)}`
}

/** DOT text for the graph under `roots` (roots are drawn with a double outline). */
export function toDot(roots: readonly Expr[], opts: DotOptions = {}): string {
  const digits = opts.digits ?? 4
  const rootIds = new Set(roots.map((r) => r.id))
  const lines = [`digraph "${esc(opts.name ?? 'symgrad')}" {`, `  rankdir=${opts.rankdir ?? 'LR'};`, '  node [fontname="Helvetica"];']
  const edges: string[] = []
  for (const n of topoSort(roots)) {
    const parts = [nodeLabel(n)]
    const v = opts.values?.get(n.id)
    const g = opts.grads?.get(n.id)
    if (v !== undefined) parts.push(`= ${T.show(v, digits)}`)
    if (g !== undefined) parts.push(`∂ = ${T.show(g, digits)}`)
    const shape = n.args.length === 0 ? 'box' : 'ellipse'
    const extra = [n.op === paramOp ? ', style=bold' : '', rootIds.has(n.id) ? ', peripheries=2' : ''].join('')
    lines.push(`  n${n.id} [label="${esc(parts.join('\n'))}", shape=${shape}${extra}];`)
    const numbered = n.args.length > 1
    n.args.forEach((a, i) => edges.push(`  n${a.id} -> n${n.id}${numbered ? ` [label="${i + 1}"]` : ''};`))
  }
  return [...lines, ...edges, '}'].join('\n')
}
