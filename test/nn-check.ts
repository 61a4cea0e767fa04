/** Shared helpers for the nn tests: gradient checks through src/ad/gradcheck.ts, evaluation. */
import * as E from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import type { Expr } from '../src/core/Expr.js'
import type { Tensor } from '../src/core/Tensor.js'
import { type GradcheckOptions, formatGradcheck, gradcheck } from '../src/ad/gradcheck.js'
import { evaluate, type Bindings } from '../src/eval/evaluate.js'

/** Symbolic gradient of `loss` w.r.t. `wrt` vs 5-point central differences: rel. error ≤ tol. */
export function expectGradOk(loss: Expr, wrt: readonly Expr[] | Readonly<Record<string, Expr>>, b: Bindings, o: GradcheckOptions = {}): number {
  const r = gradcheck(loss, wrt, b, { tol: 1e-7, floor: 1e-9, ...o })
  if (E.isLeft(r)) throw r.left
  if (!r.right.ok) throw new Error(formatGradcheck(r.right))
  expect(r.right.ok).toBe(true)
  return r.right.maxRelError
}

export function run(es: readonly Expr[], b: Bindings): Tensor[] {
  const r = evaluate(es, b)
  if (E.isLeft(r)) throw r.left
  return r.right
}

export function value(e: Expr, b: Bindings): number {
  const t = run([e], b)[0]!
  if (t.data.length !== 1) throw new Error(`expected a scalar, got shape [${t.shape.join(',')}]`)
  return t.data[0]!
}
