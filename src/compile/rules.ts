/**
 * Named rewrite rules for `simplify`. A rule looks at one node whose arguments are already
 * simplified and returns a replacement of exactly the same shape, or `undefined` when it does not
 * apply. Rules never change what a graph computes for finite inputs; the rules that assume finite
 * values (x·0 → 0, x − x → 0, 0/x → 0) say so in their comment. Constant folding works on
 * one-number constants (`const` fills); whole-tensor constants (`tensor`) are left as they are.
 */
import type { Expr } from '../core/Expr.js'
import { apply, evalOp } from '../core/Expr.js'
import type { Concrete, Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import * as T from '../core/Tensor.js'
import { SymgradError } from '../core/errors.js'
import { addOp, divOp, mulOp, negOp, subOp } from '../ops/elementwise.js'
import { constant, constValue } from '../ops/leaves.js'
import { matmulOp } from '../ops/linalg.js'
import { broadcastToOp, reshapeOp, sumToOp, transposeOp } from '../ops/movement.js'
import { countOp } from '../ops/reduce.js'
import { stableRules } from './stableRules.js'
import { stepThroughMaxPool } from './poolRules.js'

/** A rewrite rule of the simplifier: its name and a rewrite that returns a new node or undefined. */
export interface Rule {
  readonly name: string
  /** The replacement for `node` (same shape), or undefined when the rule does not apply. */
  readonly rewrite: (node: Expr) => Expr | undefined
}

/** Makes a simplifier rule from a name and a rewrite. */
export function rule(name: string, rewrite: (node: Expr) => Expr | undefined): Rule {
  return Object.freeze({ name, rewrite })
}

/** Largest tensor built to fold a constant through a non-elementwise op. */
const FOLD_LIMIT = 1 << 16

const isC = (e: Expr | undefined, v: number): boolean => e !== undefined && constValue(e) === v
const on = (e: Expr, op: Expr['op']): boolean => e.op === op
const arg = (e: Expr, i: number): Expr => e.args[i]!

function evalCtx(node: Expr, outShape: Concrete, attrs = node.attrs) {
  return {
    node,
    attrs,
    outShape,
    env: {},
    binding: (name: string): never => {
      throw new SymgradError('value', `simplify: constant folding reached the leaf '${name}'`)
    },
  }
}

/** The one number a fill tensor holds, or undefined when its elements differ. */
function uniformValue(t: T.Tensor): number | undefined {
  const v = t.data[0]
  if (v === undefined) return undefined
  for (const x of t.data) if (!Object.is(x, v)) return undefined
  return v
}

function foldElementwise(n: Expr, vals: readonly number[]): Expr | undefined {
  const out = evalOp(n.op, vals.map(T.scalar), evalCtx(n, []))
  const v = uniformValue(out)
  return v === undefined ? undefined : constant(v, n.shape)
}

/** Evaluates the op on fill tensors when every shape involved is concrete and small. */
function foldConcrete(n: Expr, vals: readonly number[]): Expr | undefined {
  const shapes: Shape[] = [...n.args.map((a) => a.shape), n.shape]
  if (!shapes.every(S.isConcrete) || shapes.some((s) => S.size(s as Concrete) > FOLD_LIMIT)) return undefined
  const out = evalOp(
    n.op,
    n.args.map((a, i) => T.fill(a.shape as Concrete, vals[i]!)),
    evalCtx(n, n.shape as Concrete),
  )
  const v = uniformValue(out)
  return v === undefined ? undefined : constant(v, n.shape)
}

// ── constant folding ──  op(c₁, …, cₖ) → c when every argument is a one-number constant
export const constantFolding = rule('constant folding', (n) => {
  if (n.op.kind === 'leaf' || n.args.length === 0) return undefined
  const vals = n.args.map(constValue)
  if (vals.some((v) => v === undefined)) return undefined
  const cs = vals as number[]
  if (n.op.kind === 'elementwise') return foldElementwise(n, cs)
  // moving a constant around (a view or an alias) does not change its one value, whatever the (symbolic) shapes
  if (n.op.lowering === 'view' || n.op.lowering === 'alias') return constant(cs[0]!, n.shape)
  return foldConcrete(n, cs)
})

// ── count ──  count(x, axes) is the product of the reduced dims when they are all numbers
export const countKnown = rule('count → const', (n) => {
  if (!on(n, countOp)) return undefined
  const x = arg(n, 0)
  const dims = ((n.attrs['axes'] as readonly number[] | undefined) ?? []).map((i) => x.shape[i]!)
  if (!dims.every((d): d is number => typeof d === 'number')) return undefined
  return constant(dims.reduce((p, d) => p * d, 1), n.shape)
})

const zeroLike = (n: Expr): Expr => constant(0, n.shape)

export const mulOne = rule('x·1 → x', (n) => (on(n, mulOp) && isC(n.args[1], 1) ? arg(n, 0) : undefined))
export const oneMul = rule('1·x → x', (n) => (on(n, mulOp) && isC(n.args[0], 1) ? arg(n, 1) : undefined))
// x·0 → 0 assumes x finite (∞·0 and NaN·0 are NaN), as every symbolic simplifier does.
export const mulZero = rule('x·0 → 0', (n) => (on(n, mulOp) && isC(n.args[1], 0) ? zeroLike(n) : undefined))
export const zeroMul = rule('0·x → 0', (n) => (on(n, mulOp) && isC(n.args[0], 0) ? zeroLike(n) : undefined))
export const mulMinusOne = rule('x·(−1) → −x', (n) => (on(n, mulOp) && isC(n.args[1], -1) ? apply(negOp, [arg(n, 0)]) : undefined))
export const minusOneMul = rule('(−1)·x → −x', (n) => (on(n, mulOp) && isC(n.args[0], -1) ? apply(negOp, [arg(n, 1)]) : undefined))
export const addZero = rule('x+0 → x', (n) => (on(n, addOp) && isC(n.args[1], 0) ? arg(n, 0) : undefined))
export const zeroAdd = rule('0+x → x', (n) => (on(n, addOp) && isC(n.args[0], 0) ? arg(n, 1) : undefined))
export const subZero = rule('x−0 → x', (n) => (on(n, subOp) && isC(n.args[1], 0) ? arg(n, 0) : undefined))
export const zeroSub = rule('0−x → −x', (n) => (on(n, subOp) && isC(n.args[0], 0) ? apply(negOp, [arg(n, 1)]) : undefined))
// x − x → 0 assumes x finite (∞ − ∞ is NaN).
export const subSelf = rule('x−x → 0', (n) => (on(n, subOp) && n.args[0] === n.args[1] ? zeroLike(n) : undefined))
export const addSelf = rule('x+x → 2·x', (n) =>
  on(n, addOp) && n.args[0] === n.args[1] ? apply(mulOp, [constant(2, n.shape), arg(n, 0)]) : undefined,
)
export const divOne = rule('x/1 → x', (n) => (on(n, divOp) && isC(n.args[1], 1) ? arg(n, 0) : undefined))

/**
 * 0/x → 0 only where x is known to be non-zero: a non-zero constant, or a `count` (the size of
 * reduced axes; an empty batch is taken as non-zero), possibly broadcast or reshaped. 0/x is NaN at x = 0, so 0/y for an
 * arbitrary y is left alone.
 */
export const zeroDiv = rule('0/x → 0', (n) => {
  if (!on(n, divOp) || !isC(n.args[0], 0)) return undefined
  let d = arg(n, 1)
  while (on(d, broadcastToOp) || on(d, reshapeOp)) d = arg(d, 0)
  const v = constValue(d)
  const nonZero = v !== undefined ? v !== 0 && !Number.isNaN(v) : on(d, countOp)
  return nonZero ? zeroLike(n) : undefined
})

export const negNeg = rule('−(−x) → x', (n) => (on(n, negOp) && on(arg(n, 0), negOp) ? arg(arg(n, 0), 0) : undefined))
export const addNeg = rule('x + (−y) → x − y', (n) =>
  on(n, addOp) && on(arg(n, 1), negOp) ? apply(subOp, [arg(n, 0), arg(arg(n, 1), 0)]) : undefined,
)
export const negAdd = rule('(−x) + y → y − x', (n) =>
  on(n, addOp) && on(arg(n, 0), negOp) ? apply(subOp, [arg(n, 1), arg(arg(n, 0), 0)]) : undefined,
)
export const subNeg = rule('x − (−y) → x + y', (n) =>
  on(n, subOp) && on(arg(n, 1), negOp) ? apply(addOp, [arg(n, 0), arg(arg(n, 1), 0)]) : undefined,
)
// a sign moves out of products and quotients, where −(−x) → x can cancel it
export const negMul = rule('(−x)·y → −(x·y)', (n) =>
  on(n, mulOp) && on(arg(n, 0), negOp) ? apply(negOp, [apply(mulOp, [arg(arg(n, 0), 0), arg(n, 1)])]) : undefined,
)
export const mulNeg = rule('x·(−y) → −(x·y)', (n) =>
  on(n, mulOp) && on(arg(n, 1), negOp) ? apply(negOp, [apply(mulOp, [arg(n, 0), arg(arg(n, 1), 0)])]) : undefined,
)
export const negDiv = rule('(−x)/y → −(x/y)', (n) =>
  on(n, divOp) && on(arg(n, 0), negOp) ? apply(negOp, [apply(divOp, [arg(arg(n, 0), 0), arg(n, 1)])]) : undefined,
)
// matmul with an all-zero factor is zero (same finiteness assumption as x·0)
export const matmulZero = rule('A@0 → 0', (n) =>
  on(n, matmulOp) && (isC(n.args[0], 0) || isC(n.args[1], 0)) ? zeroLike(n) : undefined,
)

function isIdentityPerm(p: readonly number[]): boolean {
  return p.every((v, i) => v === i)
}
function perm(n: Expr): number[] {
  const p = n.attrs['perm'] as readonly number[] | null | undefined
  const r = n.shape.length
  return p == null ? Array.from({ length: r }, (_, i) => r - 1 - i) : [...p]
}

// broadcastTo/sumTo/reshape to the argument's own shape, transpose by the identity permutation
export const identityMove = rule('identity movement', (n) => {
  const isMove = on(n, broadcastToOp) || on(n, sumToOp) || on(n, reshapeOp)
  if (isMove && S.equal(arg(n, 0).shape, n.shape)) return arg(n, 0)
  if (on(n, transposeOp) && isIdentityPerm(perm(n))) return arg(n, 0)
  return undefined
})

// transpose(transpose(x, p), q) = transpose(x, p∘q): output axis i reads input axis p[q[i]]
export const transposeTwice = rule('transpose∘transpose → transpose', (n) => {
  if (!on(n, transposeOp) || !on(arg(n, 0), transposeOp)) return undefined
  const inner = arg(n, 0)
  const p = perm(inner)
  const composed = perm(n).map((i) => p[i]!)
  const x = arg(inner, 0)
  return isIdentityPerm(composed) ? x : apply(transposeOp, [x], { perm: composed })
})

// reshape, broadcastTo and sumTo each compose with themselves into one step
const twice = (name: string, op: Expr['op']) =>
  rule(name, (n) => (on(n, op) && on(arg(n, 0), op) ? apply(op, [arg(arg(n, 0), 0)], n.attrs) : undefined))
export const reshapeTwice = twice('reshape∘reshape → reshape', reshapeOp)
export const broadcastTwice = twice('broadcastTo∘broadcastTo → broadcastTo', broadcastToOp)
export const sumToTwice = twice('sumTo∘sumTo → sumTo', sumToOp)

/** The default rule list, tried in order at each node: the algebraic rules, then the stable rewrites (stableRules.ts). */
export const defaultRules: readonly Rule[] = [
  constantFolding,
  countKnown,
  mulOne,
  oneMul,
  mulZero,
  zeroMul,
  mulMinusOne,
  minusOneMul,
  addZero,
  zeroAdd,
  subZero,
  zeroSub,
  subSelf,
  addSelf,
  divOne,
  zeroDiv,
  negNeg,
  addNeg,
  negAdd,
  subNeg,
  negMul,
  mulNeg,
  negDiv,
  matmulZero,
  identityMove,
  transposeTwice,
  reshapeTwice,
  broadcastTwice,
  sumToTwice,
  stepThroughMaxPool,
  ...stableRules,
]
