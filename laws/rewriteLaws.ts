/**
 * The laws of the stable rewrites (src/compile/stableRules.ts), wired to fast-check. For a rule
 * and its law spec (the original form built on an input x, a normal and a dangerous range):
 * - fires: `simplify` on the original form fires the rule;
 * - agrees: on x drawn in the normal range, the rewritten graph's value and gradient equal the
 *   original's wherever both are finite (relative error ≤ 1e-9);
 * - stable: on x drawn in the dangerous range, the rewritten value and gradient are finite, and
 *   equal the exact values when the law gives them (rules that fix a cancellation).
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../src/core/Expr.js'
import type { Tensor } from '../src/core/Tensor.js'
import { grad } from '../src/ad/grad.js'
import { simplify } from '../src/compile/simplify.js'
import type { StableRule } from '../src/compile/stableRules.js'
import { evaluateAll } from '../src/eval/evaluate.js'
import { input } from '../src/ops/leaves.js'
import { sum } from '../src/ops/reduce.js'
import { tensorArb } from './arbitraries.js'

/** The two laws checked by property: agrees (normal range), stable (dangerous range); `fires` is `rewritePair`'s check. */
export type RewriteLawName = 'agrees' | 'stable'

/** One law of a stable rewrite as a fast-check property, ready for `fc.assert(property, params)`. */
export interface RewriteProperty {
  /** `<rule name>: <law>`. */
  readonly name: string
  /** Which law it checks. */
  readonly law: RewriteLawName
  /** Over one input tensor x of the law's shape, drawn in the normal or dangerous range. */
  readonly property: fc.IProperty<[Tensor]>
  /** Runs (default 50) and seed, when given. */
  readonly params: fc.Parameters<[Tensor]>
}

/** Value and gradient of `sum(f)` by x, at x = t (each flattened). */
function valueAndGrad(f: Expr, x: Expr, t: Tensor): { value: Float64Array; grad: Float64Array } {
  const [g] = grad(sum(f), [x])
  const ev = evaluateAll([f, g!], { x: t })
  if (E.isLeft(ev)) throw ev.left
  return { value: ev.right.values.get(f.id)!.data, grad: ev.right.values.get(g!.id)!.data }
}

const close = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b))

/** The original and rewritten graphs of a rule's law; throws when simplify does not fire the rule. */
export function rewritePair(r: StableRule): { readonly x: Expr; readonly original: Expr; readonly rewritten: Expr } {
  const x = input('x', r.law.shape)
  const original = r.law.build(x)
  const s = simplify([original])
  if (!s.fired.some((f) => f.rule === r.name)) throw new Error(`rule '${r.name}' did not fire on its law's form (fired: ${s.fired.map((f) => f.rule).join(', ') || 'nothing'})`)
  return { x, original, rewritten: s.exprs[0]! }
}

/**
 * The agrees and stable properties of rule `r` (see the module note); throws at once when
 * simplify does not fire the rule on its law's form.
 */
export function rewriteLaws(r: StableRule, o: { readonly numRuns?: number; readonly seed?: number } = {}): RewriteProperty[] {
  const { x, original, rewritten } = rewritePair(r)
  const params = { numRuns: o.numRuns ?? 50, ...(o.seed !== undefined ? { seed: o.seed } : {}) }
  const agrees = fc.property(tensorArb(r.law.shape, r.law.normal), (t) => {
    const a = valueAndGrad(original, x, t)
    const b = valueAndGrad(rewritten, x, t)
    const same = (u: Float64Array, v: Float64Array) => u.every((ui, i) => !Number.isFinite(ui) || !Number.isFinite(v[i]!) || close(ui, v[i]!, 1e-9))
    return same(a.value, b.value) && same(a.grad, b.grad)
  })
  const stable = fc.property(tensorArb(r.law.shape, r.law.dangerous), (t) => {
    const b = valueAndGrad(rewritten, x, t)
    const exact = r.law.exact
    return b.value.every(Number.isFinite) && b.grad.every(Number.isFinite) && (exact === undefined || b.value.every((v, i) => Math.abs(v - exact(t.data[i]!)) <= 1e-12 * Math.abs(exact(t.data[i]!))))
  })
  return [
    { name: `${r.name}: agrees`, law: 'agrees', property: agrees, params },
    { name: `${r.name}: stable`, law: 'stable', property: stable, params },
  ]
}
