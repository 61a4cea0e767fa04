/**
 * The origin of a NaN: runs a step (a scalar loss and its gradients) in the reference interpreter
 * and names the first node whose value went non-finite while its arguments were finite — in the
 * forward pass, else in the backward pass, visited in backprop order, where a node of the
 * cotangent graph is put down to the forward node whose derivative rule made it. With the node come
 * its op, its arguments' observed ranges, the hazard its range rule sees in them and the stable
 * rewrite that would have avoided it.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import { orThrowing, type SymgradError } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import { backward } from '../ad/grad.js'
import { type Bindings, evaluateAll } from '../eval/evaluate.js'
import { builtinRangeRules, countWith, rewriteNear, type RangeTable } from './analyze.js'
import * as I from './intervals.js'
import type { Interval } from './intervals.js'
import type { Finding } from './rangeRules.js'
import type { StableRule } from './stableRules.js'
import { nodeForm } from './nodeForm.js'

/** Where a step first went non-finite (see `nanOrigin`): the node, the pass, the value, and why. */
export interface Origin {
  /** The first non-finite node (forward), or the node of the cotangent graph (backward). */
  readonly node: Expr
  /** Forward when a value went non-finite, backward when only a gradient did. */
  readonly pass: 'forward' | 'backward'
  /** The forward node whose value (forward) or derivative (backward) went non-finite. */
  readonly of: Expr
  /** The node's first non-finite element (NaN, +Infinity or -Infinity). */
  readonly value: number
  /** Observed ranges of `node`'s arguments (finite elements). */
  readonly args: readonly Interval[]
  /** What `of`'s range rule sees in the observed ranges. */
  readonly hazard?: Finding
  /** The stable rewrite near `of` that would have avoided it, if one applies. */
  readonly rewrite?: StableRule
  /** One line naming all of the above. */
  readonly message: string
}

const finite = (t: Tensor | undefined): boolean => t !== undefined && t.data.every(Number.isFinite)
function observed(t: Tensor): Interval {
  let lo = Infinity
  let hi = -Infinity
  for (const v of t.data) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v))
  return lo > hi ? I.unbounded : { lo, hi }
}
const firstBad = (t: Tensor): number => t.data.find((v) => !Number.isFinite(v)) ?? NaN

/** What `nanOrigin` judges the culprit with, and how it prints nodes. */
export interface OriginOptions {
  /** Range rules by op, to name the hazard (default `builtinRangeRules`). */
  readonly rules?: RangeTable
  /** Prints a node (default: a short form). */
  readonly show?: (e: Expr) => string
}

/**
 * The origin of the first non-finite value of `loss` or of its gradients by `wrt` at `bindings`,
 * or undefined when the interpreter finds every value finite (float64; a float32-only hazard).
 */
export function nanOrigin(loss: Expr, wrt: readonly Expr[], bindings: Bindings, o: OriginOptions = {}): E.Either<SymgradError, Origin | undefined> {
  const cots = backward(loss, wrt)
  const grads = wrt.flatMap((w) => (cots.has(w.id) ? [cots.get(w.id)!] : []))
  const ev = evaluateAll([loss, ...grads], bindings)
  if (E.isLeft(ev)) return ev
  const values = ev.right.values
  const breaks = (n: Expr): boolean => n.args.length > 0 && values.has(n.id) && !finite(values.get(n.id)) && n.args.every((a) => finite(values.get(a.id)))
  const fwd = topoSort([loss])
  const hit = fwd.find(breaks)
  if (hit !== undefined) return E.right(describe(hit, 'forward', hit, values, fwd, o))
  // backward, in backprop order: the nodes each vjp made, put down to the node it differentiates
  const made = new Set(fwd.map((n) => n.id))
  for (let i = fwd.length - 1; i >= 0; i--) {
    const n = fwd[i]!
    const cot = cots.get(n.id)
    if (cot === undefined || n.args.length === 0 || n.op.vjp === undefined) continue
    const parts = n.op.vjp({ node: n, args: n.args, attrs: n.attrs, out: n, cot }).filter((p): p is Expr => p !== null && p !== undefined)
    const fresh = topoSort(parts, (e) => made.has(e.id)).filter((e) => !made.has(e.id))
    for (const e of fresh) made.add(e.id)
    const bad = fresh.find(breaks)
    if (bad !== undefined) return E.right(describe(bad, 'backward', n, values, fwd, o))
  }
  return E.right(undefined)
}

/** `nanOrigin`, throwing its Left. */
export const nanOriginOrThrow = orThrowing(nanOrigin)

function describe(node: Expr, pass: Origin['pass'], of: Expr, values: ReadonlyMap<number, Tensor>, fwd: readonly Expr[], o: OriginOptions): Origin {
  const show = o.show ?? ((e: Expr) => nodeForm(e))
  const args = node.args.map((a) => observed(values.get(a.id)!))
  const ofArgs = of.args.map((a) => (values.has(a.id) ? observed(values.get(a.id)!) : I.unbounded))
  const rule = (o.rules ?? builtinRangeRules).get(of.op)
  const given = () => undefined
  const hazard = rule?.hazards?.({ node: of, args: ofArgs, limits: I.limitsOf.float64, count: countWith({}), given, rangeOf: (e) => (values.has(e.id) ? observed(values.get(e.id)!) : undefined) })[0]
  const users = new Map<number, Expr[]>()
  for (const n of fwd) for (const a of n.args) users.set(a.id, [...(users.get(a.id) ?? []), n])
  const rewrite = rewriteNear(of, users)
  const value = firstBad(values.get(node.id)!)
  const ofArg = of.args.map((a) => show(a)).join(', ')
  const where = pass === 'forward'
    ? `${of.op.name} of ${ofArg} = ${value} (forward), from ${ofArgs.map(I.showInterval).join(', ')}`
    : `the derivative of ${of.op.name} of ${ofArg}: ${show(node)} = ${value} (backward), from ${args.map(I.showInterval).join(', ')}`
  const why = hazard !== undefined ? ` — ${hazard.kind}: ${hazard.why}` : ''
  const fix = rewrite !== undefined ? `; the rewrite ${rewrite.name} avoids it` : ''
  return { node, pass, of, value, args, ...(hazard ? { hazard } : {}), ...(rewrite ? { rewrite } : {}), message: `first non-finite node: ${where}${why}${fix}` }
}
