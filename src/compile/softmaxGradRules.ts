/**
 * Rules that bring the softmax cross-entropy gradient to its textbook form (p − y)/N: a negation
 * moves out of movement ops and constant quotients, a one-hot row sums to 1, a common factor is
 * taken out of a difference, and `count` reads its dims from a leaf of the same shape (it depends
 * on the shape only). Each keeps the value exactly for finite inputs (test/compile-softmax-grad
 * checks each on random inputs). They are for reading, not for computing: `explainRules` (the
 * simplify's rules and these) is what `explain` and the playground simplify derivatives with, while
 * `compile` keeps `defaultRules`, whose results these would move by rounding (a gradient that is 0
 * in exact arithmetic, a bias before batch norm, comes out as other noise).
 */
import type { Expr } from '../core/Expr.js'
import { apply, isBoundLeaf, topoSort } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import * as ops from '../ops/builtins.js'
import { axesAttr } from '../ops/Op.js'
import type { Rule } from './rules.js'
import { simplifierRules } from './rules-readable.js'

const rule = (name: string, rewrite: (n: Expr) => Expr | undefined): Rule => Object.freeze({ name, rewrite })
const is = (e: Expr | undefined, op: Expr['op']): boolean => e !== undefined && e.op === op
const arg = (e: Expr, i: number): Expr => e.args[i]!

// ── movement(−x) → −movement(x) ──  broadcastTo, reshape, transpose and sumTo are linear
export const negOutOfMovement = rule('movement(−x) → −movement(x)', (n) => {
  const linear = is(n, ops.broadcastToOp) || is(n, ops.reshapeOp) || is(n, ops.transposeOp) || is(n, ops.sumToOp)
  return linear && is(arg(n, 0), ops.negOp) ? ops.neg(apply(n.op, [arg(arg(n, 0), 0)], n.attrs)) : undefined
})

// ── (−c)/x → −(c/x) for a negative constant c ──
export const negConstDiv = rule('(−c)/x → −(c/x)', (n) => {
  const c = is(n, ops.divOp) ? ops.constValue(arg(n, 0)) : undefined
  return c !== undefined && c < 0 ? ops.neg(ops.div(ops.constant(-c, arg(n, 0).shape), arg(n, 1))) : undefined
})

/** v when e is oneHot(y)·broadcastTo(v, [N, C]) (either order) with v of shape [N, 1]. */
function oneHotTimesRow(e: Expr): Expr | undefined {
  if (!is(e, ops.mulOp)) return undefined
  for (const [h, b] of [[arg(e, 0), arg(e, 1)], [arg(e, 1), arg(e, 0)]] as const)
    if (is(h, ops.oneHotOp) && is(b, ops.broadcastToOp) && arg(b, 0).shape.length === 2 && arg(b, 0).shape[1] === 1) return arg(b, 0)
  return undefined
}
// ── Σ_c oneHot(y)·v → v ──  every row of a one-hot matrix sums to 1
export const oneHotRowSum = rule('Σ_c oneHot(y)·v → v', (n) => {
  if (!is(n, ops.sumToOp) || n.shape.length !== 2 || n.shape[1] !== 1) return undefined
  const v = oneHotTimesRow(arg(n, 0))
  return v !== undefined && S.equal(v.shape, n.shape) ? v : undefined
})

// ── a·c − b·c → (a − b)·c ──
export const factorDifference = rule('a·c − b·c → (a − b)·c', (n) => {
  if (!is(n, ops.subOp) || !is(arg(n, 0), ops.mulOp) || !is(arg(n, 1), ops.mulOp)) return undefined
  const [l, r] = [arg(n, 0), arg(n, 1)]
  if (arg(l, 1) === arg(r, 1)) return ops.mul(ops.sub(arg(l, 0), arg(r, 0)), arg(l, 1))
  if (arg(l, 0) === arg(r, 0)) return ops.mul(arg(l, 0), ops.sub(arg(l, 1), arg(r, 1)))
  return undefined
})

// ── −((a − b)·c) → (b − a)·c ──
export const negDifference = rule('−((a − b)·c) → (b − a)·c', (n) => {
  const m = is(n, ops.negOp) ? arg(n, 0) : undefined
  return m !== undefined && is(m, ops.mulOp) && is(arg(m, 0), ops.subOp) ? ops.mul(ops.sub(arg(arg(m, 0), 1), arg(arg(m, 0), 0)), arg(m, 1)) : undefined
})

// ── c/broadcast(k) → broadcast(c/k) ──  a constant over a broadcast scalar is a broadcast quotient
export const divOfBroadcast = rule('c/broadcast(k) → broadcast(c/k)', (n) => {
  if (!is(n, ops.divOp) || ops.constValue(arg(n, 0)) === undefined || !is(arg(n, 1), ops.broadcastToOp)) return undefined
  const k = arg(arg(n, 1), 0)
  return k.shape.length === 0 ? ops.broadcastTo(ops.div(ops.constant(ops.constValue(arg(n, 0))!), k), n.shape) : undefined
})

// ── reshape(broadcast(k)) → broadcast(k) for a scalar k ──
export const reshapeBroadcastScalar = rule('reshape(broadcast(k)) → broadcast(k)', (n) =>
  is(n, ops.reshapeOp) && is(arg(n, 0), ops.broadcastToOp) && arg(arg(n, 0), 0).shape.length === 0 ? ops.broadcastTo(arg(arg(n, 0), 0), n.shape) : undefined,
)

// ── count(x) → count(leaf) ──  count reads only the counted dims: from the first bound leaf of the same shape
export const countOfLeaf = rule('count(x) → count(leaf of x\'s shape)', (n) => {
  if (!is(n, ops.countOp) || isBoundLeaf(arg(n, 0))) return undefined
  const x = arg(n, 0)
  const leaf = topoSort([x]).find((e) => isBoundLeaf(e) && S.equal(e.shape, x.shape))
  return leaf === undefined ? undefined : apply(ops.countOp, [leaf], { axes: axesAttr(n.attrs) })
})

/** The rules above, which bring the softmax cross-entropy gradient to (p − y)/N (see the module note). */
export const softmaxGradRules: readonly Rule[] = [
  negOutOfMovement, negConstDiv, oneHotRowSum, factorDifference, negDifference, divOfBroadcast, reshapeBroadcastScalar, countOfLeaf,
]

/** The rules derivatives are simplified with for reading: simplify's own (default and readable rules), then these. */
export const explainRules: readonly Rule[] = [...simplifierRules, ...softmaxGradRules]
