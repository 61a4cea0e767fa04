/**
 * Where a value stops being a number: for an expression whose value at a point is NaN or ±∞, the
 * first node (in evaluation order) that is not finite although all its arguments are — `log(x)`
 * at x = −1, `1/x` at x = 0 — named with its arguments' values, as one line; else the constant
 * written as ∞ that carries it (`x·∞`).
 */
import type { Expr } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import type { Tensor } from '../core/Tensor.js'
import { constValue } from '../ops/leaves.js'
import { formatNumber, minusSign } from './layout.js'
import { printInfix } from './infix.js'

export interface DomainNote {
  /** The first non-finite node whose arguments are all finite. */
  readonly node: Expr
  readonly value: number
  /** One line: `log(x) = NaN, log is not defined at x = −1`. */
  readonly message: string
}

const finite = (t: Tensor | undefined): boolean => t !== undefined && t.data.every(Number.isFinite)

function firstBad(t: Tensor): number {
  return t.data.find((v) => !Number.isFinite(v)) ?? NaN
}

/**
 * The note for `root` given every node's value (as `evaluateAll` returns them), or undefined when
 * the root is finite. `show` prints a node (default: infix).
 */
export function domainNote(root: Expr, values: ReadonlyMap<number, Tensor>, show: (e: Expr) => string = (e) => printInfix([e]).exprs[0]!): DomainNote | undefined {
  const v = values.get(root.id)
  if (v === undefined || finite(v)) return undefined
  const order = topoSort([root])
  const node = order.find((n) => n.args.length > 0 && !finite(values.get(n.id)) && n.args.every((a) => finite(values.get(a.id))))
  const num = (x: number) => minusSign(formatNumber(x, 4))
  if (node === undefined) {
    // no op made it: a constant written as ∞ (or NaN) carries it through, still worth a note
    const leaf = order.find((n) => n.args.length === 0 && !finite(values.get(n.id)))
    if (leaf === undefined) return undefined
    const v = firstBad(values.get(leaf.id)!)
    return { node: leaf, value: v, message: `the constant ${show(leaf)} is ${Number.isNaN(v) ? 'not a number' : 'infinite'} as written` }
  }
  const bad = firstBad(values.get(node.id)!)
  const args = node.args
    .filter((a) => constValue(a) === undefined)
    .map((a) => {
      const t = values.get(a.id)!
      const name = show(a)
      const shown = t.data.length === 1 ? num(t.data[0]!) : `[${Array.from(t.data.slice(0, 3), num).join(', ')}${t.data.length > 3 ? ', …' : ''}]`
      return name === shown ? name : `${name} = ${shown}`
    })
  const what = `${show(node)} = ${num(bad)}`
  const kind = Number.isNaN(bad) ? 'is not defined' : 'is infinite'
  return { node, value: bad, message: `${what}, ${node.op.name} ${kind} at ${args.join(', ') || 'this point'}` }
}
