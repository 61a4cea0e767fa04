/** The softmax cross-entropy gradient simplifies to (p − y)/N and prints so; each rule on the way keeps values (random inputs). */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import type { Expr } from '../src/core/Expr.js'
import type { Rule } from '../src/compile/rules.js'
import * as T from '../src/core/Tensor.js'
import { grad } from '../src/ad/grad.js'
import { simplify } from '../src/compile/simplify.js'
import * as G from '../src/compile/softmaxGradRules.js'
import { evaluateAll } from '../src/eval/evaluate.js'
import * as ops from '../src/ops/index.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { toInfix, toLatex } from '../src/print/index.js'
import { tensorArb } from '../laws/index.js'

const s = ops.input('s', [2, 3])
const y = ops.input('y', [2])
const v = ops.input('v', [2, 1])
const labels = { y: T.make([2], [2, 0]) }

const cases: readonly (readonly [Rule, Expr])[] = [
  [G.negOutOfMovement, ops.sumTo(ops.neg(s), [2, 1])],
  [G.negConstDiv, ops.div(ops.constant(-2, [2, 3]), s)],
  [G.oneHotRowSum, ops.sumTo(ops.mul(ops.oneHot(y, 3), ops.broadcastTo(v, [2, 3])), [2, 1])],
  [G.factorDifference, ops.sub(ops.mul(s, ops.exp(s)), ops.mul(ops.tanh(s), ops.exp(s)))],
  [G.negDifference, ops.neg(ops.mul(ops.sub(s, ops.tanh(s)), ops.exp(s)))],
  [G.divOfBroadcast, ops.div(ops.constant(3, [2, 3]), ops.broadcastTo(ops.sum(s), [2, 3]))],
  [G.reshapeBroadcastScalar, ops.reshape(ops.broadcastTo(ops.sum(s), [6]), [2, 3])],
  [G.countOfLeaf, ops.mul(s, ops.count(ops.tanh(s), [0]))],
]

describe('softmax-gradient rules keep values', () => {
  it('cover every rule', () => expect(new Set(cases.map(([r]) => r))).toEqual(new Set(G.softmaxGradRules)))
  it.each(cases.map(([r, e]) => [r.name, r, e] as const))('%s', (_, r, e) => {
    const out = simplify([e], { rules: [r] })
    expect(out.fired.map((f) => f.rule)).toContain(r.name)
    fc.assert(fc.property(tensorArb([2, 3], { lo: 0.5, hi: 3 }), tensorArb([2, 1]), (ts, tv) => {
      const ev = evaluateAll([e, out.exprs[0]!], { s: ts, v: tv, ...labels })
      if (E.isLeft(ev)) throw ev.left
      const [a, b] = [ev.right.values.get(e.id)!.data, ev.right.values.get(out.exprs[0]!.id)!.data]
      return a.every((x, i) => Math.abs(x - b[i]!) <= 1e-12 * Math.max(1, Math.abs(x)))
    }), { numRuns: 30 })
  })
})

describe('the softmax cross-entropy gradient, simplified with the readable rules', () => {
  const sN = ops.param('s', ['N', 3])
  const yN = ops.input('y', ['N'])
  const up = (r: Expr) => ops.broadcastTo(ops.reshape(r, ['N', 1]), sN.shape)
  const naive = ops.neg(ops.mean(ops.gatherLabel(ops.log(ops.div(ops.exp(sN), up(ops.sum(ops.exp(sN), [1])))), yN)))
  it('of the naive loss, once rewritten, prints as (p − y)/N', () => {
    const [g] = simplify(grad(simplify([naive]).exprs[0]!, [sN]), { rules: G.explainRules }).exprs
    expect(toInfix(g!)).toBe('(softmax(s) − oneHot(y, C=3))·broadcast(1/count(y), [N,3])')
    expect(toLatex(g!)).toContain('\\operatorname{softmax}')
  })
  it('is left alone by the default rules (compile keeps its rounding)', () => {
    const [g] = simplify(grad(softmaxCrossEntropy(sN, yN), [sN])).exprs
    expect(toInfix(g!)).not.toContain('oneHot(y, C=3))·')
  })
  it('of the library loss prints the same', () => {
    const [g] = simplify(grad(softmaxCrossEntropy(sN, yN), [sN]), { rules: G.explainRules }).exprs
    expect(toInfix(g!)).toBe('(softmax(s) − oneHot(y, C=3))·broadcast(1/count(y), [N,3])')
  })
})
