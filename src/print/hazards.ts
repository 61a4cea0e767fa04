/**
 * The hazards block of `explain` and the playground: the hazards of an expression for any value
 * of its variables (compile/analyze.ts), each on one line with the node printed in infix, and the
 * stable rewrites that fire on it, each with its reason and the rewritten expression.
 */
import type { Expr } from '../core/Expr.js'
import { analyze, formatHazard, type Hazard } from '../compile/analyze.js'
import { simplify } from '../compile/simplify.js'
import { stableRules, type StableRule } from '../compile/stableRules.js'
import { toInfix } from './infix.js'

export interface HazardBlock {
  readonly hazards: readonly Hazard[]
  /** The stable rewrites that fire on the expression, with their counts. */
  readonly rewrites: readonly { readonly rule: StableRule; readonly count: number }[]
  /** The expression after simplify (the rewrites and the algebraic rules). */
  readonly rewritten: Expr
  readonly lines: readonly string[]
}

const short = (e: Expr): string => {
  const s = toInfix(e, { letThreshold: Infinity })
  return s.length > 60 ? `${s.slice(0, 59)}…` : s
}

/** The block for `expr`, its variables unbounded. */
export function hazardBlock(expr: Expr): HazardBlock {
  const a = analyze([expr])
  const s = simplify([expr])
  const rewrites = s.fired.flatMap((f) => {
    const rule = stableRules.find((r) => r.name === f.rule)
    return rule === undefined ? [] : [{ rule, count: f.count }]
  })
  const rewritten = s.exprs[0]!
  const lines = [
    a.hazards.length === 0 ? 'hazards of f, for any value of its variables: none found' : `hazards of f, for any value of its variables: ${a.hazards.length}`,
    ...a.hazards.map((h) => `  ${formatHazard(h, short)}`),
    ...(rewrites.length === 0 ? [] : ['stable rewrites that fire on f:', ...rewrites.map((r) => `  ${r.rule.name} ×${r.count} — ${r.rule.why}`), `  f rewritten = ${toInfix(rewritten)}`]),
  ]
  return { hazards: a.hazards, rewrites, rewritten, lines }
}
