/**
 * Random graphs for the compiler's property tests: fast-check `letrec` over the registry's
 * builders. Every node has shape [N, C] (N symbolic, C = 4), so any two combine; reductions,
 * matmuls (plain and transposed), views, reshapes and labels are wrapped back to [N, C].
 */
import fc from 'fast-check'
import type { Expr } from '../src/core/Expr.js'
import * as sg from '../src/ops/index.js'

export const C = 4
type G = Expr
type Mk = () => G

const x0 = () => sg.input('x0', ['N', C])
const x1 = () => sg.input('x1', ['N', C])
const y = () => sg.input('y', ['N'])
const W = () => sg.param('W', [C, C])
const b = () => sg.param('b', [C])
const back = (e: G): G => sg.broadcastTo(sg.reshape(e, ['N', 1]), ['N', C])

const leaves: Mk[] = [x0, x1, () => sg.add(x0(), b()), () => sg.mul(x1(), 0.5), () => sg.constant(1.5, ['N', C])]

const unary: Record<string, (a: G) => G> = {
  neg: sg.neg,
  square: (a) => sg.square(sg.tanh(a)),
  tanh: sg.tanh,
  sigmoid: sg.sigmoid,
  relu: sg.relu,
  abs: sg.abs,
  sign: sg.sign,
  step: sg.step,
  expTanh: (a) => sg.exp(sg.tanh(a)),
  logSafe: (a) => sg.log(sg.add(sg.square(a), 1)),
  sqrtSafe: (a) => sg.sqrt(sg.add(sg.abs(a), 0.5)),
  pow: (a) => sg.pow(sg.add(sg.abs(sg.tanh(a)), 0.5), 1.5),
  rowSum: (a) => back(sg.sum(a, [1])),
  rowMax: (a) => back(sg.max(a, [1])),
  rowMean: (a) => back(sg.mean(a, [1])),
  rowLse: (a) => back(sg.logSumExp(a, [1])),
  colSum: (a) => sg.broadcastTo(sg.sum(a, [0]), ['N', C]),
  colMax: (a) => sg.broadcastTo(sg.max(a, [0]), ['N', C]),
  total: (a) => sg.broadcastTo(sg.mean(a), ['N', C]),
  logSoftmax: (a) => sg.logSoftmax(a),
  softmax: (a) => sg.softmax(a),
  matmulW: (a) => sg.matmul(a, W()),
  matmulWT: (a) => sg.matmul(a, sg.transpose(W())),
  matmulTT: (a) => sg.transpose(sg.matmul(sg.transpose(W()), sg.transpose(a))),
  gram: (a) => sg.matmul(a, sg.matmul(sg.transpose(a), sg.tanh(a))),
  gramT: (a) => {
    const g = sg.matmul(sg.transpose(a), a)
    return sg.add(sg.transpose(g), sg.sigmoid(g))
  },
  reshape3: (a) => sg.sum(sg.reshape(a, ['N', 2, 2]), [2]) as never,
  sumTo: (a) => sg.broadcastTo(sg.sumTo(a, [1, C]), ['N', C]),
  gather: (a) => back(sg.gatherLabel(a, y())),
  oneHot: (a) => sg.mul(a, sg.oneHot(y(), C)),
  transpose3: (a) => sg.reshape(sg.transpose(sg.reshape(a, ['N', 2, 2]), [0, 2, 1]), ['N', C]),
}
const binary: Record<string, (a: G, c: G) => G> = {
  add: sg.add,
  sub: sg.sub,
  mul: sg.mul,
  divSafe: (a, c) => sg.div(a, sg.add(sg.square(c), 1)),
  maximum: sg.maximum,
  minimum: sg.minimum,
  where: (a, c) => sg.where(sg.gt(x1(), 0), a, sg.neg(c)),
  cmp: (a, c) => sg.add(sg.le(a, c), sg.eq(a, c)),
}

/** Shape-safe fix-up for builders whose result is not [N, C]. */
function fit(e: G): G {
  if (e.shape.length === 2 && e.shape[0] === 'N' && e.shape[1] === C) return e
  if (e.shape.length === 2 && e.shape[0] === C) return sg.broadcastTo(sg.sum(e, [0]), ['N', C])
  if (e.shape.length === 2 && e.shape[0] === 'N') return back(sg.sum(e, [1]))
  return sg.broadcastTo(sg.sum(e), ['N', C])
}

export type Recipe = { u: string; a: Recipe } | { b: string; a: Recipe; c: Recipe } | { leaf: number }

/** Random recipes over the builders not named in `excluded`. */
export function recipeOf(excluded: readonly string[] = []): fc.Arbitrary<Recipe> {
  const us = Object.keys(unary).filter((k) => !excluded.includes(k))
  const bs = Object.keys(binary).filter((k) => !excluded.includes(k))
  return fc.letrec<{ node: Recipe }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true, maxDepth: 5 },
      fc.record({ leaf: fc.integer({ min: 0, max: leaves.length - 1 }) }),
      fc.record({ u: fc.constantFrom(...us), a: tie('node') }),
      fc.record({ b: fc.constantFrom(...bs), a: tie('node'), c: tie('node') }),
    ),
  })).node
}

export const recipe: fc.Arbitrary<Recipe> = recipeOf()

/** Builders with a jump (a float32 rounding can move an input across it). */
export const jumps = ['sign', 'step', 'cmp'] as const

export function build(r: Recipe): G {
  if ('leaf' in r) return leaves[r.leaf]!()
  if ('u' in r) return fit(unary[r.u]!(build(r.a)))
  return binary[r.b]!(build(r.a), build(r.c))
}

export const builderNames = { unary: Object.keys(unary), binary: Object.keys(binary) }
