/**
 * simplify: rebuilds a DAG bottom-up, rewriting each node with the named rules of `rules.ts` (algebra)
 * and `rules-readable.ts` (textbook forms: σ(1 − σ), 1 − tanh², p − y)
 * until nothing fires (a fixed point), and reports which rules fired and how often.
 *
 * Interning makes common subexpressions free: when a rebuilt node turns out structurally equal to
 * one already produced, both become the same object. Such merges are reported under the rule name
 * 'common subexpression'. Shapes are preserved exactly: every root keeps its shape.
 */
import type { Expr } from '../core/Expr.js'
import { apply, topoSort } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { SymgradError } from '../core/errors.js'
import type { Rule } from './rules.js'
import { simplifierRules } from './rules-readable.js'

/** A rule that fired, and how often. */
export interface Fired {
  readonly rule: string
  readonly count: number
}

/** Simplified expressions and the rules that fired. */
export interface Simplified {
  readonly exprs: Expr[]
  /** Rules that fired, with counts, in the order they first fired. */
  readonly fired: readonly Fired[]
}

/** Options of `simplify`: the rules to apply and the limit on whole-graph passes. */
export interface SimplifyOptions {
  readonly rules?: readonly Rule[]
  /** Upper bound on whole-graph passes (each pass rewrites every node to a local fixed point). */
  readonly maxPasses?: number
}

export const CSE = 'common subexpression'
const MAX_LOCAL = 64

/** One bottom-up pass; returns the rebuilt roots and whether anything changed. */
function pass(roots: readonly Expr[], rules: readonly Rule[], tally: (rule: string) => void): { roots: Expr[]; changed: boolean } {
  const image = new Map<number, Expr>()
  const produced = new Set<number>()
  let changed = false
  for (const n of topoSort(roots)) {
    const args = n.args.map((a) => image.get(a.id)!)
    let cur = args.every((a, i) => a === n.args[i]) ? n : apply(n.op, args, n.attrs, n.value)
    let rewritten = false
    for (let k = 0; k < MAX_LOCAL; k++) {
      let next: Expr | undefined
      for (const r of rules) {
        next = r.rewrite(cur)
        if (next !== undefined && next !== cur) {
          if (!S.equal(next.shape, cur.shape))
            throw new SymgradError('shape', `simplify: rule '${r.name}' changed shape ${S.show(cur.shape)} to ${S.show(next.shape)} at ${cur.op.name}`)
          tally(r.name)
          break
        }
        next = undefined
      }
      if (next === undefined) break
      cur = next
      rewritten = true
    }
    if (!rewritten && n.args.length > 0 && produced.has(cur.id)) tally(CSE)
    produced.add(cur.id)
    if (cur !== n) changed = true
    image.set(n.id, cur)
  }
  return { roots: roots.map((r) => image.get(r.id)!), changed }
}

/**
 * Simplifies `roots` together (so shared subexpressions stay shared) and returns them in the same
 * order, with the rules that fired.
 */
export function simplify(roots: readonly Expr[], options: SimplifyOptions = {}): Simplified {
  const rules = options.rules ?? simplifierRules
  const maxPasses = options.maxPasses ?? 32
  const counts = new Map<string, number>()
  const tally = (name: string): void => void counts.set(name, (counts.get(name) ?? 0) + 1)
  let cur = [...roots]
  for (let i = 0; i < maxPasses; i++) {
    const r = pass(cur, rules, tally)
    cur = r.roots
    if (!r.changed) break
  }
  return { exprs: cur, fired: [...counts].map(([rule, count]) => ({ rule, count })) }
}

/** Simplifies one expression, dropping the report. */
export function simplifyOne<S2 extends S.Shape>(e: Expr<S2>, options?: SimplifyOptions): Expr<S2> {
  return simplify([e], options).exprs[0]! as Expr<S2>
}
