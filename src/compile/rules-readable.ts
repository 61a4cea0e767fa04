/**
 * Rules that find the textbook forms of derivatives (CS231n lecture 4), so a gradient prints the
 * way the lecture writes it (the logistic gate 1/(1 + e^−u) becomes σ(u) by the stable rewrite in
 * stableRules.ts), sigmoid's derivative as
 * σ(u)·(1 − σ(u)), tanh's as 1 − tanh(u)², softmax cross-entropy's as (p − y)/N. Each is an
 * identity for finite inputs, checked as a law on random inputs (test/simplify.test.ts).
 *
 * Precision: 1 − σ(u) is the form sigmoid's own vjp uses; for u ≫ 0 it is 0 where e^−u/(1 + e^−u)
 * is ~e^−u (an absolute error below 1e−16), and for u ≪ 0 it is finite where the gate form is
 * ∞/∞ = NaN.
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { addOp, divOp, mulOp, negOp, squareOp, subOp } from '../ops/elementwise.js'
import { constant, constValue } from '../ops/leaves.js'
import { oneHotOp } from '../ops/labels.js'
import { broadcastToOp, sumToOp } from '../ops/movement.js'
import { expOp, sigmoidOp, tanhOp } from '../ops/unary.js'
import { defaultRules, rule, type Rule } from './rules.js'

const on = (e: Expr | undefined, op: Expr['op']): boolean => e !== undefined && e.op === op
const same = (a: Expr, n: Expr): boolean => S.equal(a.shape, n.shape)

/** u when e is exp(−u). */
function expNeg(e: Expr | undefined): Expr | undefined {
  return on(e, expOp) && on(e!.args[0], negOp) ? e!.args[0]!.args[0] : undefined
}

/** [σ(u), rest] when e is σ(u), a·σ(u) or σ(u)·a (rest undefined for σ(u) alone), with u given. */
function sigmoidFactor(e: Expr, u: Expr): [Expr, Expr | undefined] | undefined {
  const isS = (x: Expr | undefined): boolean => x !== undefined && x.op === sigmoidOp && x.args[0] === u
  const [p, q] = [e.args[0], e.args[1]]
  if (isS(e)) return [e, undefined]
  if (e.op === mulOp && isS(q)) return [q!, p]
  if (e.op === mulOp && isS(p)) return [p!, q]
  if (e.op === squareOp && isS(p)) return [p!, p]
  return undefined
}

// ── logistic derivative ──  σ(u)·e^−u = e^−u/(1 + e^−u) = 1 − σ(u), so (a·σ(u))·e^−u → a·(1 − σ(u))
export const logisticSlope = rule('σ(u)·exp(−u) → 1 − σ(u)', (n) => {
  if (!on(n, mulOp)) return undefined
  for (const [p, q] of [[n.args[0]!, n.args[1]!], [n.args[1]!, n.args[0]!]] as const) {
    const u = expNeg(q)
    if (u === undefined) continue
    const f = sigmoidFactor(p, u)
    if (f === undefined) continue
    const one = apply(subOp, [constant(1, f[0].shape), f[0]])
    const out = f[1] === undefined ? one : apply(mulOp, [f[1], one])
    if (same(out, n)) return out
  }
  return undefined
})

// ── tanh derivative ──  tanh(u)·tanh(u) → tanh(u)², so d tanh prints as 1 − tanh(u)²
export const tanhSquared = rule('tanh(u)·tanh(u) → tanh(u)²', (n) =>
  on(n, mulOp) && n.args[0] === n.args[1] && on(n.args[0], tanhOp) ? apply(squareOp, [n.args[0]!]) : undefined,
)

/** [Y, c] when e is Y·c or c·Y with Y = oneHot(…) and c one number; −(Y·c) gives [Y, −c]. */
function scaledOneHot(e: Expr): [Expr, number] | undefined {
  if (on(e, negOp)) {
    const inner = scaledOneHot(e.args[0]!)
    return inner === undefined ? undefined : [inner[0], -inner[1]]
  }
  if (!on(e, mulOp)) return undefined
  const [a, b] = [e.args[0]!, e.args[1]!]
  const [y, c] = on(a, oneHotOp) ? [a, constValue(b)] : on(b, oneHotOp) ? [b, constValue(a)] : [undefined, undefined]
  return y !== undefined && c !== undefined && Number.isFinite(c) && same(y, e) ? [y, c] : undefined
}

/** [Y, d] when e is broadcastTo(sumTo(Z, [N, 1])) of a row sum of Z = d·Y (each row of Y sums to 1, so the row sum is d). */
function rowSumOfOneHot(e: Expr): [Expr, number] | undefined {
  if (!on(e, broadcastToOp) || !on(e.args[0], sumToOp)) return undefined
  const s = e.args[0]!
  const z = s.args[0]!
  const rank2 = z.shape.length === 2 && s.shape.length === 2 && s.shape[0] === z.shape[0] && s.shape[1] === 1
  return rank2 && same(z, e) ? scaledOneHot(z) : undefined
}

// ── softmax cross-entropy ──  Y·c + P·rowsum(−Y·c) = Y·c − c·P = (P − Y)·(−c) for one-hot rows Y
export const oneHotGradient = rule('Y·c + P·Σ(−Y·c) → (P − Y)·(−c)', (n) => {
  if (!on(n, addOp)) return undefined
  for (const [a, b] of [[n.args[0]!, n.args[1]!], [n.args[1]!, n.args[0]!]] as const) {
    const yc = scaledOneHot(a)
    if (yc === undefined || !on(b, mulOp)) continue
    for (const [p, r] of [[b.args[0]!, b.args[1]!], [b.args[1]!, b.args[0]!]] as const) {
      const rs = rowSumOfOneHot(r)
      if (rs === undefined || rs[0] !== yc[0] || !Object.is(rs[1], -yc[1]) || !same(p, n)) continue
      const diff = apply(subOp, [p, yc[0]])
      return rs[1] === 1 ? diff : apply(mulOp, [diff, constant(rs[1], n.shape)])
    }
  }
  return undefined
})

/** The rules of this file, tried after the algebra of `defaultRules`. */
export const readableRules: readonly Rule[] = [logisticSlope, tanhSquared, oneHotGradient]

/** What `simplify` uses by default: the algebra, then the textbook forms. */
export const simplifierRules: readonly Rule[] = [...defaultRules, ...readableRules]
