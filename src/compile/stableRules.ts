/**
 * Stable rewrites for `simplify`: each replaces a form that overflows, divides by an underflowed
 * 0 or loses its digits with one that computes the same function stably. Each rule carries its
 * reason (`why`, printed by `explain` and the playground when it fires) and its law: the same
 * value and gradient as the original where both are finite, and a finite value and gradient
 * (or the exact value, where the original cancels) on inputs drawn into the dangerous range
 * (laws/rewriteLaws.ts). These rules are kept apart from the algebraic ones of rules.ts, which
 * lists them after its own in `defaultRules`.
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Concrete } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import * as ops from '../ops/builtins.js'
import { axesAttr } from '../ops/Op.js'

/**
 * The law a stable rewrite is tested by: on an input x of `shape`, the rewrite agrees with the
 * original (value and gradient) on the normal range, and stays finite where the original fails.
 */
export interface RewriteLaw {
  /** The original form, built on an input x of shape `shape`. */
  readonly build: (x: Expr) => Expr
  /** The shape of the input x the law builds on. */
  readonly shape: Concrete
  /** Where original and rewrite must agree in value and gradient. */
  readonly normal: { readonly lo: number; readonly hi: number }
  /** Where the original fails; the rewrite must be finite there (value and gradient). */
  readonly dangerous: { readonly lo: number; readonly hi: number }
  /** Exact values on the dangerous range, where the original cancels rather than overflows. */
  readonly exact?: (x: number) => number
}

/** A simplify rule (see rules.ts' `Rule`) with its reason and law. */
export interface StableRule {
  /** The rule's name, as hazards and simplify's `fired` list give it. */
  readonly name: string
  /** What goes wrong in the original form and why the rewrite avoids it, in one line. */
  readonly why: string
  /** The stable form of `node`, or undefined when the rule does not match it. */
  readonly rewrite: (node: Expr) => Expr | undefined
  /** The law it is tested by. */
  readonly law: RewriteLaw
}

const stable = (name: string, why: string, law: RewriteLaw, rewrite: (n: Expr) => Expr | undefined): StableRule => Object.freeze({ name, why, law, rewrite })

const is = (e: Expr | undefined, op: Expr['op']): boolean => e !== undefined && e.op === op
const isOne = (e: Expr | undefined): boolean => e !== undefined && ops.constValue(e) === 1
/** Looks through broadcastTo and reshape (a reduction kept and stretched back). */
const strip = (e: Expr): Expr => (is(e, ops.broadcastToOp) || is(e, ops.reshapeOp) ? strip(e.args[0]!) : e)
/** x² written as square(x), x·x or pow(x, 2): x, else undefined. */
function squared(e: Expr): Expr | undefined {
  if (is(e, ops.squareOp)) return e.args[0]
  if (is(e, ops.mulOp) && e.args[0] === e.args[1]) return e.args[0]
  if (is(e, ops.powOp) && e.attrs['p'] === 2) return e.args[0]
  return undefined
}
/** The y of 1 + y or y + 1. */
const onePlus = (e: Expr): Expr | undefined => (is(e, ops.addOp) ? (isOne(e.args[0]) ? e.args[1] : isOne(e.args[1]) ? e.args[0] : undefined) : undefined)
const up = (r: Expr, x: Expr, axes: readonly number[]): Expr => ops.broadcastTo(ops.keepShape(r, x.shape, axes), x.shape)

const softmaxLaw = (x: Expr): Expr => ops.div(ops.exp(x), up(ops.sum(ops.exp(x), [1]), x, [1]))
const rows: Concrete = [3, 4]

// ── log(exp(x) / Σexp(x)) → x − logSumExp(x) ──  the quotient underflows to 0 (log → −∞) and overflows (∞/∞)
export const logSoftmaxRule = stable(
  'log∘softmax → logSoftmax',
  'log(eˣ/Σeˣ) is −∞ once eˣ underflows and NaN once it overflows (scores past 709, 88 in float32); x − logSumExp(x) shifts by the max',
  { build: (x) => ops.log(softmaxLaw(x)), shape: rows, normal: { lo: -5, hi: 5 }, dangerous: { lo: 300, hi: 1000 } },
  (n) => {
    if (!is(n, ops.logOp) || !is(n.args[0], ops.divOp)) return undefined
    const [e, d] = n.args[0]!.args as [Expr, Expr]
    const s = strip(d)
    if (!is(e, ops.expOp) || !is(s, ops.sumOp) || s.args[0] !== e) return undefined
    const x = e.args[0]!
    const axes = axesAttr(s.attrs)
    return ops.sub(x, up(apply(ops.logSumExpOp, [x], { axes }), x, axes))
  },
)

// ── log(exp(x)) → x ──  exp overflows to ∞ past 709 (88 in float32) where log would have undone it
export const logExpRule = stable(
  'log∘exp → x',
  'log(eˣ) is x, but eˣ overflows past 709 (88 in float32) and underflows below −745',
  { build: (x) => ops.log(ops.exp(x)), shape: rows, normal: { lo: -5, hi: 5 }, dangerous: { lo: 710, hi: 1000 } },
  (n) => (is(n, ops.logOp) && is(n.args[0], ops.expOp) ? n.args[0]!.args[0] : undefined),
)

// ── log(Σ exp(x)) → logSumExp(x) ──
export const logSumExpRule = stable(
  'log(Σ exp) → logSumExp',
  'Σeˣ overflows once a score passes 709 (88 in float32); logSumExp shifts by the max first',
  { build: (x) => ops.log(ops.sum(ops.exp(x), [1])), shape: rows, normal: { lo: -5, hi: 5 }, dangerous: { lo: 710, hi: 1000 } },
  (n) => {
    const s = is(n, ops.logOp) ? n.args[0] : undefined
    if (s === undefined || !is(s, ops.sumOp) || !is(s.args[0], ops.expOp)) return undefined
    return apply(ops.logSumExpOp, [s.args[0]!.args[0]!], { axes: axesAttr(s.attrs) })
  },
)

// ── log(1 + x) → log1p(x) ──
export const log1pRule = stable(
  'log(1 + x) → log1p',
  '1 + x drops the digits of x below 1e-16 (6e-8 in float32), so log(1 + x) is 0 where it should be x',
  { build: (x) => ops.log(ops.add(1, x)), shape: rows, normal: { lo: -0.5, hi: 5 }, dangerous: { lo: 1e-20, hi: 1e-17 }, exact: (x) => x - (x * x) / 2 },
  (n) => {
    const y = is(n, ops.logOp) ? onePlus(n.args[0]!) : undefined
    return y === undefined ? undefined : ops.log1p(y)
  },
)

// ── exp(x) − 1 → expm1(x) ──
export const expm1Rule = stable(
  'exp(x) − 1 → expm1',
  'eˣ − 1 cancels for small x: below 1e-16 (6e-8 in float32) it is 0 where it should be x',
  { build: (x) => ops.sub(ops.exp(x), 1), shape: rows, normal: { lo: -3, hi: 3 }, dangerous: { lo: 1e-20, hi: 1e-17 }, exact: (x) => x + (x * x) / 2 },
  (n) => (is(n, ops.subOp) && is(n.args[0], ops.expOp) && isOne(n.args[1]) ? ops.expm1(n.args[0]!.args[0]!) : undefined),
)

// ── a/(1 + exp(−u)) → a·sigmoid(u) ──  also the textbook form of the logistic gate (CS231n lecture 4)
export const sigmoidRule = stable(
  'a/(1 + exp(−u)) → a·σ(u)',
  'e^−u overflows for u below −709 (−88 in float32) and the gradient e^−u/(1 + e^−u)² becomes ∞/∞; sigmoid switches form by the sign of u',
  { build: (x) => ops.div(1, ops.add(1, ops.exp(ops.neg(x)))), shape: rows, normal: { lo: -5, hi: 5 }, dangerous: { lo: -1000, hi: -710 } },
  (n) => {
    if (!is(n, ops.divOp)) return undefined
    const e = onePlus(n.args[1]!)
    const u = e !== undefined && is(e, ops.expOp) && is(e.args[0], ops.negOp) ? e.args[0]!.args[0]! : undefined
    if (u === undefined || !S.equal(u.shape, n.shape)) return undefined
    const a = n.args[0]!
    const out = isOne(a) ? ops.sigmoid(u) : ops.mul(a, ops.sigmoid(u))
    return S.equal(out.shape, n.shape) ? out : undefined
  },
)

// ── log(sigmoid(x)) → −softplus(−x) ──
export const logSigmoidRule = stable(
  'log(sigmoid) → −softplus(−x)',
  'sigmoid(x) underflows to 0 below −745 (−104 in float32), where log gives −∞; −softplus(−x) is ≈ x there',
  { build: (x) => ops.log(ops.sigmoid(x)), shape: rows, normal: { lo: -5, hi: 5 }, dangerous: { lo: -1000, hi: -750 } },
  (n) => (is(n, ops.logOp) && is(n.args[0], ops.sigmoidOp) ? ops.neg(ops.softplus(ops.neg(n.args[0]!.args[0]!))) : undefined),
)

// ── sqrt(x²) → |x| ──
export const sqrtSquareRule = stable(
  'sqrt(x²) → abs',
  'x² overflows past 1e154 (1.8e19 in float32), and d sqrt(x²) = x/sqrt(x²) is 0/0 at x = 0',
  { build: (x) => ops.sqrt(ops.square(x)), shape: rows, normal: { lo: -3, hi: 3 }, dangerous: { lo: 1e160, hi: 1e200 } },
  (n) => {
    const x = is(n, ops.sqrtOp) ? squared(n.args[0]!) : undefined
    return x === undefined ? undefined : ops.abs(x)
  },
)

// ── √(Σx²) → norm(x) ──
export const normRule = stable(
  '√(Σx²) → norm',
  'd √(Σx²) = x/√(Σx²) is 0/0 at the zero vector and Σx² overflows past 1e154; norm scales by the largest |x| and has the gradient 0 at 0',
  { build: (x) => ops.sqrt(ops.sum(ops.square(x), [1])), shape: rows, normal: { lo: -3, hi: 3 }, dangerous: { lo: 1e160, hi: 1e200 } },
  (n) => {
    const s = is(n, ops.sqrtOp) ? n.args[0] : undefined
    const x = s !== undefined && is(s, ops.sumOp) ? squared(s.args[0]!) : undefined
    return x === undefined ? undefined : apply(ops.normOp, [x], { axes: axesAttr(s!.attrs) })
  },
)

/** The stable rewrites, in the order simplify tries them (after the algebraic rules). */
export const stableRules: readonly StableRule[] = [
  logSoftmaxRule, logExpRule, logSumExpRule, log1pRule, expm1Rule, sigmoidRule, logSigmoidRule, sqrtSquareRule, normRule,
]
