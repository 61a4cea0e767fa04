/**
 * analyze: abstract interpretation of a graph over intervals, before anything runs. Every node
 * gets the range of its value (and, for scalar outputs, of its gradient: the cotangent graph that
 * `backward` builds, analyzed the same way) from the ranges of the inputs — given by name, else
 * unbounded — once with float64's limits and once with float32's. Each op's rule (a table keyed by
 * op record: rangeRules.ts, rangeRulesTensor.ts) lists the hazards its arguments' ranges allow;
 * a hazard names the node, its op, the argument ranges, what triggers it, the pass it hits, the
 * formats it occurs in, and the stable rewrite (stableRules.ts) that would avoid it.
 * Shapes stay symbolic: a sum over a symbolic dim counts 1 up to `dimBound` terms.
 */
import type { Expr } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import type { Dim } from '../core/Shape.js'
import { backward } from '../ad/grad.js'
import { inputOp, paramOp } from '../ops/leaves.js'
import type { Dtype } from './arena.js'
import * as I from './intervals.js'
import type { Interval } from './intervals.js'
import { elementwiseRangeRules, type Finding, type HazardKind, type Pass, type RangeCtx, type RangeRule, type RangeTable } from './rangeRules.js'
import { tensorRangeRules } from './rangeRulesTensor.js'
import { stableRules, type StableRule } from './stableRules.js'
import { nodeForm } from './nodeForm.js'
import { simplify } from './simplify.js'

export type { HazardKind, Pass, RangeRule, RangeTable, RangeCtx, Finding }

/** The range rules of every built-in op: elementwise ops and leaves, then reductions, movement and the rest. */
export const builtinRangeRules: RangeTable = new Map([...elementwiseRangeRules, ...tensorRangeRules])

/** `base` with more rules (an op of your own, or a tighter rule for a built-in one). */
export function withRangeRules(base: RangeTable, extra: readonly (readonly [Expr['op'], RangeRule])[]): RangeTable {
  return new Map([...base, ...extra])
}

/** What `analyze` assumes: input ranges, dim bounds, formats, rules, the leaves to differentiate by and the rewrites to suggest. */
export interface AnalyzeOptions {
  /** Ranges of inputs and params by name (default: unbounded). */
  readonly ranges?: Readonly<Record<string, Interval>>
  /** Largest value of each symbolic dim (default `dimBound`). */
  readonly dims?: Readonly<Record<string, number>>
  /** Largest value of a symbolic dim not in `dims`, default 2³¹. */
  readonly dimBound?: number
  /** Formats to analyze in, default both. */
  readonly dtypes?: readonly Dtype[]
  /** Range rules by op (default `builtinRangeRules`). */
  readonly rules?: RangeTable
  /** Leaves to differentiate by (default: the params, else the inputs that are differentiable). */
  readonly wrt?: readonly Expr[]
  /** Rewrites to suggest (default: the stable rules). */
  readonly rewrites?: readonly StableRule[]
}

/** The ranges found for one node (in the first format analyzed, float64 by default). */
export interface NodeRange {
  /** Range of every element of the node's value. */
  readonly value: Interval
  /** Range of d output/d node, for nodes on a path from a `wrt` leaf to a scalar output. */
  readonly grad?: Interval
  /** False for an op without a rule (its range is unknown, taken as unbounded). */
  readonly known: boolean
}

/** A hazard at one node of the forward graph: what, when, in which formats, and the rewrite that avoids it. */
export interface Hazard extends Finding {
  /** The node it occurs at. */
  readonly node: Expr
  /** The node's op name. */
  readonly op: string
  /** Ranges of the node's arguments (float64). */
  readonly args: readonly Interval[]
  /** The formats it occurs in. */
  readonly dtypes: readonly Dtype[]
  /** The stable rewrite that removes it, if one applies here. */
  readonly rewrite?: StableRule
}

/** The result of `analyze`: every node's ranges, the hazards found, and the ops it could not judge. */
export interface Analysis {
  /** By node id: forward nodes and the cotangent graph's nodes. */
  readonly ranges: ReadonlyMap<number, NodeRange>
  /** At most one per node and kind, in graph order. */
  readonly hazards: readonly Hazard[]
  /** Ops without a range rule (their ranges are unknown). */
  readonly unknownOps: readonly string[]
  /** Why there are no gradient ranges, when there are none. */
  readonly gradientNote?: string
}

/** The default leaves to differentiate by: params, else inputs never used as labels or conditions. */
function defaultWrt(order: readonly Expr[]): Expr[] {
  const params = order.filter((n) => n.op === paramOp)
  if (params.length > 0) return params
  const nondiff = new Set(order.flatMap((n) => (n.op.nondiff ?? []).map((k) => n.args[k]?.id)))
  return order.filter((n) => n.op === inputOp && !nondiff.has(n.id))
}

interface Gradients {
  readonly cots: Map<number, Expr>
  readonly note?: string
}

function gradients(outputs: readonly Expr[], wrt: readonly Expr[]): Gradients {
  const cots = new Map<number, Expr>()
  const scalars = outputs.filter((o) => o.shape.length === 0)
  if (scalars.length === 0) return { cots, note: 'no scalar output to differentiate' }
  if (wrt.length === 0) return { cots, note: 'no input or param to differentiate by' }
  try {
    for (const o of scalars) for (const [id, c] of backward(o, wrt)) if (!cots.has(id)) cots.set(id, c)
    return { cots }
  } catch (e) {
    return { cots: new Map(), note: e instanceof Error ? e.message : String(e) }
  }
}

/** Counts elements over dims: a symbolic dim is 1 up to its bound. */
export function countWith(o: Pick<AnalyzeOptions, 'dims' | 'dimBound'>): (dims: readonly Dim[]) => Interval {
  const bound = o.dimBound ?? 2 ** 31
  return (dims) => {
    let lo = 1
    let hi = 1
    for (const d of dims) {
      if (typeof d === 'number') (lo *= d), (hi *= d)
      else hi *= Object.hasOwn(o.dims ?? {}, d) ? o.dims![d]! : bound
    }
    return { lo, hi }
  }
}

/** Ranges of every node in one format, and the findings at each forward node. */
function pass(order: readonly Expr[], forward: ReadonlySet<number>, o: AnalyzeOptions, dtype: Dtype) {
  const rules = o.rules ?? builtinRangeRules
  const limits = I.limitsOf[dtype]
  const ranges = new Map<number, Interval>()
  const findings = new Map<number, readonly Finding[]>()
  const count = countWith(o)
  const given = (name: string) => (Object.hasOwn(o.ranges ?? {}, name) ? o.ranges![name] : undefined)
  const rangeOf = (e: Expr) => ranges.get(e.id)
  for (const node of order) {
    const rule = rules.get(node.op)
    const ctx: RangeCtx = { node, args: node.args.map((a) => ranges.get(a.id)!), limits, count, given, rangeOf }
    ranges.set(node.id, rule === undefined ? I.unbounded : I.inFormat(rule.range(ctx), limits))
    if (rule?.hazards !== undefined && forward.has(node.id)) {
      const f = rule.hazards(ctx)
      if (f.length > 0) findings.set(node.id, f)
    }
  }
  return { ranges, findings }
}

/**
 * The first stable rule that fires at `node` or at a node using it (up to `depth` steps up), else
 * the last stable rule simplify fires on `node`'s subgraph.
 */
export function rewriteNear(node: Expr, users: ReadonlyMap<number, readonly Expr[]>, rewrites: readonly StableRule[] = stableRules, depth = 6): StableRule | undefined {
  let level = [node]
  const seen = new Set<number>()
  for (let d = 0; d <= depth && level.length > 0; d++) {
    for (const n of level) for (const r of rewrites) if (r.rewrite(n) !== undefined) return r
    level = level.flatMap((n) => users.get(n.id) ?? []).filter((n) => !seen.has(n.id) && (seen.add(n.id), true))
  }
  // a rewrite that fires only once another has (log(1/(1 + e^−x)): sigmoid, then log∘sigmoid): the last one at the node
  const fired = simplify([node]).fired.map((f) => rewrites.find((r) => r.name === f.rule)).filter((r) => r !== undefined)
  return fired[fired.length - 1]
}

/** Analyzes `outputs` together (see the module note). */
export function analyze(outputs: readonly Expr[], options: AnalyzeOptions = {}): Analysis {
  const fwd = topoSort(outputs)
  const forward = new Set(fwd.map((n) => n.id))
  const g = gradients(outputs, options.wrt ?? defaultWrt(fwd))
  const order = topoSort([...outputs, ...g.cots.values()])
  const dtypes = options.dtypes ?? ['float64', 'float32']
  const runs = dtypes.map((d) => ({ dtype: d, ...pass(order, forward, options, d) }))
  const main = runs[0]!
  const rules = options.rules ?? builtinRangeRules
  const ranges = new Map<number, NodeRange>()
  for (const n of order) {
    const c = g.cots.get(n.id)
    ranges.set(n.id, { value: main.ranges.get(n.id)!, ...(c !== undefined ? { grad: main.ranges.get(c.id)! } : {}), known: rules.has(n.op) })
  }
  const users = new Map<number, Expr[]>()
  for (const n of fwd) for (const a of n.args) users.set(a.id, [...(users.get(a.id) ?? []), n])
  const hazards: Hazard[] = []
  const differentiated = g.cots.size > 0
  for (const n of fwd) {
    const byKind = new Map<HazardKind, { f: Finding; dtypes: Dtype[] }>()
    for (const r of runs)
      for (const f of r.findings.get(n.id) ?? []) {
        // a derivative hazard needs a backward pass through the node
        if (f.pass === 'backward' && differentiated && !g.cots.has(n.id)) continue
        const seen = byKind.get(f.kind)
        if (seen === undefined) byKind.set(f.kind, { f, dtypes: [r.dtype] })
        else if (!seen.dtypes.includes(r.dtype)) seen.dtypes.push(r.dtype)
      }
    for (const { f, dtypes: ds } of byKind.values()) {
      const rewrite = rewriteNear(n, users, options.rewrites ?? stableRules)
      hazards.push({ ...f, node: n, op: n.op.name, args: n.args.map((a) => main.ranges.get(a.id)!), dtypes: ds, ...(rewrite ? { rewrite } : {}) })
    }
  }
  const unknownOps = [...new Set(order.filter((n) => !rules.has(n.op)).map((n) => n.op.name))]
  return { ranges, hazards, unknownOps, ...(g.note !== undefined ? { gradientNote: g.note } : {}) }
}

/** One line per hazard: `log(…) [log]: at or across 0, forward and backward, when x = 0 — …; rewrite: …`. */
export function formatHazard(h: Hazard, show: (e: Expr) => string = (e) => nodeForm(e)): string {
  const only = h.dtypes.length === 1 && h.dtypes[0] === 'float32' ? ' (float32 only)' : ''
  const fix = h.rewrite !== undefined ? `; rewrite: ${h.rewrite.name}` : ''
  return `${show(h.node)}: ${h.kind}${only}, ${h.pass}, when ${h.trigger} — ${h.why}${fix}`
}

/** The hazards block: a header line and one line per hazard, or a line saying there are none. */
export function formatHazards(a: Analysis, show?: (e: Expr) => string): string {
  const head = a.hazards.length === 0 ? 'hazards: none found' : `hazards: ${a.hazards.length}`
  const unknown = a.unknownOps.length > 0 ? `\n  (ranges unknown below ops without a range rule: ${a.unknownOps.join(', ')})` : ''
  return `${head}${a.hazards.map((h) => `\n  ${formatHazard(h, show)}`).join('')}${unknown}`
}
