/** Each stable rewrite is a law (laws/rewriteLaws.ts): fires on its form, agrees where both are finite, finite where the original fails. */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { grad } from '../src/ad/grad.js'
import { simplify } from '../src/compile/simplify.js'
import { stableRules } from '../src/compile/stableRules.js'
import { defaultRules } from '../src/compile/rules.js'
import { evaluateAll } from '../src/eval/evaluate.js'
import * as ops from '../src/ops/index.js'
import * as T from '../src/core/Tensor.js'
import type { Expr } from '../src/core/Expr.js'
import { rewriteLaws, rewritePair } from '../laws/index.js'

describe.each(stableRules.map((r) => [r.name, r] as const))('stable rewrite %s', (_, r) => {
  for (const p of rewriteLaws(r)) it(p.law, () => fc.assert(p.property, p.params))
  it('fails where the rewrite does not (the dangerous range is dangerous)', () => {
    const { x, original } = rewritePair(r)
    const t = T.fill(r.law.shape, r.law.dangerous.hi)
    const [g] = grad(ops.sum(original), [x])
    const ev = evaluateAll([original, g!], { x: t })
    if (E.isLeft(ev)) throw ev.left
    const bad = (e: Expr) => !ev.right.values.get(e.id)!.data.every(Number.isFinite)
    const exact = r.law.exact
    const wrong = exact !== undefined && ev.right.values.get(original.id)!.data.some((v, i) => Math.abs(v - exact(t.data[i]!)) > 1e-3 * Math.abs(exact(t.data[i]!)))
    expect(bad(original) || bad(g!) || wrong).toBe(true)
  })
})

describe('stable rewrites in simplify', () => {
  it('are tried after the algebraic rules, each once in the default list', () => {
    for (const r of stableRules) expect(defaultRules.filter((d) => d.name === r.name)).toHaveLength(1)
  })
  it('say why they fired', () => {
    for (const r of stableRules) expect(r.why.length).toBeGreaterThan(20)
  })
  it('turn the library composite log(softmax(x)) into x − logSumExp(x)', () => {
    const x = ops.input('x', [2, 3])
    const s = simplify([ops.log(ops.softmax(x))])
    expect(s.exprs[0]).toBe(ops.logSoftmax(x))
    expect(s.fired.map((f) => f.rule)).toContain('log∘exp → x')
  })
  it('give norm the gradient 0 at the zero vector, where √(Σx²) gives NaN', () => {
    const x = ops.input('x', [4])
    const naive = ops.sqrt(ops.sum(ops.square(x)))
    const fixed = simplify([naive]).exprs[0]!
    expect(fixed.op).toBe(ops.normOp)
    const zero = { x: T.fill([4], 0) }
    const g = (f: Expr) => {
      const [d] = grad(f, [x])
      const ev = evaluateAll([d!], zero)
      if (E.isLeft(ev)) throw ev.left
      return Array.from(ev.right.values.get(d!.id)!.data)
    }
    expect(g(naive).every(Number.isNaN)).toBe(true)
    expect(g(fixed)).toEqual([0, 0, 0, 0])
  })
})
