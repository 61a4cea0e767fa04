/**
 * Laws for whole models: a scalar loss built from your layers, checked at random parameter
 * values (drawn by fast-check inside a domain) with the data held fixed:
 * - `lossGradAgrees`: the symbolic gradient agrees with central differences in random directions;
 * - `lossSecondOrderAgrees`: so does the gradient of each gradient (for smooth models);
 * - `lossGradIgnoresConstants`: adding a term without the parameters leaves the gradient as is.
 *
 * A direction passes when the relative error is within `tol` OR the numeric and analytic values
 * differ by at most `atol` (default 1e-9): an exactly zero derivative (a bias feeding batch norm,
 * whose gradient and Hessian are 0) has central differences that are pure rounding noise, about
 * ε·|terms|/h ≈ 1e-14, which no relative measure can accept.
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import type { ArgDomain, Expr } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import * as S from '../src/core/Shape.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as T from '../src/core/Tensor.js'
import type { Bindings } from '../src/eval/evaluate.js'
import { evaluate } from '../src/eval/evaluate.js'
import { grad } from '../src/ad/grad.js'
import { checkVjp, relativeError, type VjpReport } from '../src/ad/gradcheck.js'
import { add } from '../src/ops/elementwise.js'
import { leafName, tensor } from '../src/ops/leaves.js'
import { sum } from '../src/ops/reduce.js'
import { tanh } from '../src/ops/unary.js'
import { tensorArb } from './arbitraries.js'
import { attempt, type LawOptions, type LawResult } from './support.js'

/** Tolerances of the model laws, with an absolute tolerance near zero. */
export interface ModelCheckOptions extends LawOptions {
  /** Absolute tolerance near zero, default 1e-9: |numeric − analytic| ≤ atol passes whatever the relative error. */
  readonly atol?: number
}

/** Options of the model laws: runs, seed, where parameter values are drawn, tolerances. */
export interface ModelLawOptions extends ModelCheckOptions {
  readonly numRuns?: number
  readonly seed?: number
  /** Where parameter values are drawn, default [−1, 1]. */
  readonly domain?: ArgDomain
  /** Include the second-order law (default true; turn off for models with kinks near the draws). */
  readonly secondOrder?: boolean
}

const vjpOpts = (o: LawOptions, key: R.Key) => ({ h: o.h ?? 1e-3, tol: o.tol ?? 1e-7, floor: o.floor ?? 1e-10, key, directions: 2 })
/** The default absolute tolerance of the model laws near zero, 1e-9. */
export const defaultAtol = 1e-9

/** Each direction within the relative tolerance, or within `atol` of the analytic value. */
function agrees(r: VjpReport, atol: number): boolean {
  return r.numeric.every((n, i) => Math.abs(n - r.analytic[i]!) <= atol || relativeError(r.analytic[i]!, n, r.floors[i]) <= r.tol)
}

/** ⟨∇loss, v⟩ from the gradient agrees with central differences of the loss along v. */
export function lossGradAgrees(loss: Expr, wrt: readonly Expr[], b: Bindings, key: R.Key, o: ModelCheckOptions = {}): LawResult {
  return attempt('loss gradient vs central differences', () => {
    const r = checkVjp(loss, wrt, b, vjpOpts(o, key))
    if (E.isLeft(r)) throw r.left
    if (!agrees(r.right, o.atol ?? defaultAtol)) return `numeric ${r.right.numeric.join(', ')} vs analytic ${r.right.analytic.join(', ')} (relative error ${r.right.maxRelError.toExponential(2)})`
    return undefined
  })
}

/** The vjp of each gradient of the loss (a Hessian-vector product) agrees with differences. */
export function lossSecondOrderAgrees(loss: Expr, wrt: readonly Expr[], b: Bindings, key: R.Key, o: ModelCheckOptions = {}): LawResult {
  return attempt('Hessian-vector products vs central differences', () => {
    const gs = grad(loss, wrt)
    for (const [i, g] of gs.entries()) {
      const r = checkVjp(g, wrt, b, vjpOpts(o, R.foldIn(key, i)))
      if (E.isLeft(r)) throw r.left
      if (!agrees(r.right, o.atol ?? defaultAtol))
        return `gradient of '${leafName(wrt[i]!) ?? i}': numeric ${r.right.numeric.join(', ')} vs analytic ${r.right.analytic.join(', ')} (relative error ${r.right.maxRelError.toExponential(2)})`
    }
    return undefined
  })
}

/** grad(loss + c) = grad(loss) for a term c that does not involve the parameters. */
export function lossGradIgnoresConstants(loss: Expr, wrt: readonly Expr[], b: Bindings, c: Tensor): LawResult {
  return attempt('gradient of a constant is zero', () => {
    const k = sum(tanh(tensor(c)))
    const r = evaluate([...grad(add(loss, k), wrt), ...grad(loss, wrt)], b)
    if (E.isLeft(r)) throw r.left
    const n = wrt.length
    for (let i = 0; i < n; i++)
      if (!T.equal(r.right[i]!, r.right[n + i]!)) return `adding a constant changed the gradient of '${leafName(wrt[i]!) ?? i}'`
    return undefined
  })
}

/** What a model law draws: the parameter values and a seed. */
export interface ModelDraw {
  readonly params: readonly Tensor[]
  readonly seed: number
}

/** A fast-check property of a model law, with its name and run parameters. */
export interface ModelProperty {
  readonly name: string
  readonly property: fc.IProperty<[ModelDraw]>
  readonly params: fc.Parameters<[ModelDraw]>
}

/**
 * Properties of a scalar `loss` in the parameters `wrt` (inputs or params of concrete shapes),
 * with `data` bound as given for every other leaf.
 */
export function modelLaws(loss: Expr, wrt: readonly Expr[], data: Bindings, o: ModelLawOptions = {}): ModelProperty[] {
  const shapes = wrt.map((w) => {
    if (leafName(w) === undefined) throw new RangeError(`modelLaws: wrt must be inputs or params, got a '${w.op.name}' node`)
    if (!S.isConcrete(w.shape)) throw new RangeError(`modelLaws: '${leafName(w)}' has a symbolic shape ${S.show(w.shape)}; declare parameters with numbers`)
    return w.shape
  })
  const arb = fc.record({
    params: fc.tuple(...shapes.map((s) => tensorArb(s, o.domain ?? { lo: -1, hi: 1 }))),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
  })
  const bind = (d: ModelDraw): Bindings => ({ ...data, ...Object.fromEntries(wrt.map((w, i) => [leafName(w)!, d.params[i]!])) })
  const params: fc.Parameters<[ModelDraw]> = { numRuns: o.numRuns ?? 10, ...(o.seed !== undefined ? { seed: o.seed } : {}) }
  const mk = (name: string, check: (d: ModelDraw) => LawResult): ModelProperty => ({
    name,
    params,
    property: fc.property(arb, (d) => {
      const r = check(d)
      if (!r.ok) throw new Error(r.message)
    }),
  })
  const out = [
    mk('gradient', (d) => lossGradAgrees(loss, wrt, bind(d), R.key(d.seed), o)),
    mk('constant', (d) => lossGradIgnoresConstants(loss, wrt, bind(d), R.normal(R.key(d.seed), [3]))),
  ]
  if (o.secondOrder ?? true) out.push(mk('secondOrder', (d) => lossSecondOrderAgrees(loss, wrt, bind(d), R.key(d.seed), o)))
  return out
}
