/**
 * Symbolic reverse mode. `grad(loss, wrt)` walks the DAG from the loss back to the leaves in
 * reverse topological order, calls each op's vjp, sums cotangents arriving at shared nodes, and
 * returns new expressions — which can be simplified, printed, differentiated again, and compiled.
 *
 * Only nodes on a path from a `wrt` leaf to the loss are visited; on that path, an op without a
 * vjp, or an argument the op declares non-differentiable, is a GradError naming the op.
 */
import type { Expr } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { GradError } from '../core/errors.js'
import { describe, quoteName } from '../core/codecs.js'
import { add } from '../ops/elementwise.js'
import { constant } from '../ops/leaves.js'

/** Nodes that depend on any of `wrt` (including them). */
function dependents(order: readonly Expr[], wrt: readonly Expr[]): Set<number> {
  const reach = new Set(wrt.map((w) => w.id))
  for (const n of order) if (n.args.some((a) => reach.has(a.id))) reach.add(n.id)
  return reach
}

/**
 * Cotangents of every node on the paths from `wrt` to `out`, seeded with `seed` (default: ones,
 * i.e. d out/d out = 1 for a scalar output).
 */
export function backward(out: Expr, wrt: readonly Expr[], seed?: Expr): Map<number, Expr> {
  const order = topoSort([out])
  const reach = dependents(order, wrt)
  const cots = new Map<number, Expr>()
  if (!reach.has(out.id)) return cots
  const s = seed ?? constant(1, out.shape)
  if (!S.equal(s.shape, out.shape))
    throw new GradError(`grad: seed of shape ${S.show(s.shape)} does not match output ${S.show(out.shape)}`)
  cots.set(out.id, s)
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!
    const cot = cots.get(n.id)
    if (cot === undefined || n.args.length === 0) continue
    if (!n.args.some((a) => reach.has(a.id))) continue
    if (n.op.vjp === undefined) throw new GradError(`grad: op '${n.op.name}' has no derivative rule`)
    const parts = n.op.vjp({ node: n, args: n.args, attrs: n.attrs, out: n, cot })
    if (!Array.isArray(parts) || parts.length !== n.args.length)
      throw new GradError(`grad: the vjp of op '${n.op.name}' must return ${n.args.length} cotangent(s) (one per argument, null for zero), got ${Array.isArray(parts) ? parts.length : typeof parts}`)
    n.args.forEach((a, k) => {
      if (!reach.has(a.id)) return
      if (n.op.nondiff?.includes(k))
        throw new GradError(`grad: op '${n.op.name}' is not differentiable in argument ${k + 1}, which depends on a variable`)
      const c = parts[k]
      if (c === null || c === undefined) return
      if (!S.equal(c.shape, a.shape))
        throw new GradError(`grad: the vjp of op '${n.op.name}' gives argument ${k + 1} a cotangent of shape ${S.show(c.shape)}, expected ${S.show(a.shape)}`)
      const prev = cots.get(a.id)
      cots.set(a.id, prev === undefined ? c : add(prev, c))
    })
  }
  return cots
}

/**
 * Refuses a `wrt` list or record that holds anything but expressions (a null, a number, a record
 * key `__proto__`), naming the entry: one line instead of a TypeError deep inside.
 */
export function checkWrt(where: string, wrt: readonly Expr[] | Readonly<Record<string, Expr>>): void {
  if (typeof wrt !== 'object' || wrt === null) throw new GradError(`${where}: wrt must be an array or a record of expressions, got ${describe(wrt)}`)
  const list = Array.isArray(wrt)
  for (const k of Object.keys(wrt)) {
    if (k === '__proto__') throw new GradError(`${where}: wrt: the key '__proto__' is not allowed`)
    const w = (wrt as Record<string, unknown>)[k]
    if (typeof w !== 'object' || w === null || typeof (w as { op?: unknown }).op !== 'object' || !Array.isArray((w as { shape?: unknown }).shape))
      throw new GradError(`${where}: ${list ? `wrt[${k}]` : `wrt ${quoteName(k)}`} is not an expression, got ${describe(w)}`)
  }
}

/** Gradients of a scalar `loss` with respect to each of `wrt`, as expressions. */
export function grad(loss: Expr, wrt: readonly Expr[]): Expr[]
export function grad<K extends string>(loss: Expr, wrt: Readonly<Record<K, Expr>>): Record<K, Expr>
export function grad(loss: Expr, wrt: readonly Expr[] | Readonly<Record<string, Expr>>): Expr[] | Record<string, Expr> {
  checkWrt('grad', wrt)
  if (loss.shape.length !== 0)
    throw new GradError(`grad: the loss must be a scalar, got shape ${S.show(loss.shape)} (reduce it with sum or mean first)`)
  const list = Array.isArray(wrt) ? (wrt as readonly Expr[]) : Object.values(wrt as Record<string, Expr>)
  const cots = backward(loss, list)
  const res = list.map((w) => cots.get(w.id) ?? constant(0, w.shape))
  if (Array.isArray(wrt)) return res
  return Object.fromEntries(Object.keys(wrt).map((k, i) => [k, res[i]!]))
}
