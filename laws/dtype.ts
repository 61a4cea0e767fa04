/**
 * The float32 law: a function compiled in float32 computes what the float64 reference interpreter
 * computes, to float32 accuracy. Inputs are rounded to float32 first (both sides see the same
 * numbers), so the law measures the arithmetic, not the rounding of the inputs.
 *
 * Stated tolerance: for each output, |f32 − f64| ≤ tol · (|f64| + max(1, max|f64 of that output|)),
 * with tol = 1e-4 by default (float32 has 24 bits, u ≈ 6·10⁻⁸: the slack covers error growth
 * through a few dozen ops). The floor of 1 is there for outputs that are sums cancelling to nearly
 * zero (a softmax gradient summed over classes): their error is relative to the terms, which are
 * of the inputs' order (the law is meant for inputs of order 1). Graphs with jumps (sign, step,
 * comparisons) are outside the law: a float32 rounding can move an input across the jump.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../src/core/Expr.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as T from '../src/core/Tensor.js'
import { errorMessage } from '../src/core/errors.js'
import { asTensors, evaluate, type Bindings } from '../src/eval/evaluate.js'
import { closeTo } from './support.js'

/** The relative error float32 code may show against the float64 interpreter, 1e-4. */
export const float32Tolerance = 1e-4

/** The bindings with every value rounded to float32 (still Float64Array data). */
export function roundToFloat32(b: Bindings): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(asTensors(b)).map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data, Math.fround) }]))
}

/**
 * Undefined when `run` (a float32 compiled function of `outputs`) agrees with the reference
 * interpreter on the float32-rounded `bindings`, else a one-line reason.
 */
export function float32Agrees(
  outputs: readonly Expr[],
  run: (b: Bindings) => E.Either<unknown, readonly Tensor[]>,
  bindings: Bindings,
  tol = float32Tolerance,
): string | undefined {
  const b = roundToFloat32(bindings)
  const ref = evaluate(outputs, b)
  if (E.isLeft(ref)) return `reference interpreter failed: ${errorMessage(ref.left)}`
  const got = run(b)
  if (E.isLeft(got)) return `float32 function failed: ${errorMessage(got.left)}`
  for (const [i, r] of ref.right.entries()) {
    const g = got.right[i]
    if (g === undefined) return `float32 function returned ${got.right.length} outputs, expected ${ref.right.length}`
    if (!r.data.every(Number.isFinite)) continue
    const top = r.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1)
    const m = closeTo(`output ${i + 1}`, g, r, T.map(r, (v) => Math.abs(v) + top), tol, 1e-30)
    if (m !== undefined) return m
  }
  return undefined
}
