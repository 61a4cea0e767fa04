/**
 * Regularization penalties (scalar expressions to add to the data loss) and the max-norm
 * constraint (a pure projection of parameter values).
 *
 * The L2 convention is explicit in the name:
 *   l2(ws, λ)     = λ·ΣW²      (lecture notes)
 *   l2Half(ws, λ) = ½·λ·ΣW²    (CS231n assignments; its gradient is λ·W)
 *   l1(ws, λ)     = λ·Σ|W|     (|·|'(0) = 0)
 *   elasticNet(ws, λ, β) = λ·Σ(β·W² + |W|)
 * Pass `model.weights()` to penalize the weights (the parameters their layers declare `weight: true`)
 * and not biases or batch-norm γ, β — the default everywhere in symgrad; pass `model.params()` to
 * penalize everything. No name makes a parameter a weight: only its layer's declaration does.
 */
import type { Expr } from '../core/Expr.js'
import type { Tensor } from '../core/Tensor.js'
import { ShapeError } from '../core/errors.js'
import * as ops from '../ops/index.js'
import type { Params } from './model.js'
/** The weights a regularizer acts on: a list or a record of Exprs. */
export type Weights = readonly Expr[] | Readonly<Record<string, Expr>>

/** Which parameters are weights: `model.weights()` (a record by name) or a list of names. */
export type WeightNames = readonly string[] | Readonly<Record<string, Expr>>

/** The names of the weights: from `model.weights()` or a list of names. */
export function weightSet(ws: WeightNames): ReadonlySet<string> {
  if (Array.isArray(ws)) return new Set(ws as readonly string[])
  if (typeof ws !== 'object' || ws === null) throw new RangeError(`expected model.weights() or a list of parameter names, got ${typeof ws}`)
  return new Set(Object.keys(ws))
}

function list(ws: Weights): readonly Expr[] {
  return Array.isArray(ws) ? (ws as readonly Expr[]) : Object.values(ws as Readonly<Record<string, Expr>>)
}

function total(ws: Weights, f: (w: Expr) => Expr): Expr<[]> {
  const terms = list(ws).map((w) => ops.sum(f(w)))
  return (terms.length === 0 ? ops.constant(0) : terms.reduce((a, b) => ops.add(a, b))) as Expr<[]>
}

/** λ·ΣW² (lecture convention). */
export function l2(ws: Weights, lambda: number): Expr<[]> {
  return ops.mul(lambda, total(ws, ops.square))
}

/** ½·λ·ΣW² (assignment convention: gradient λ·W). */
export function l2Half(ws: Weights, lambda: number): Expr<[]> {
  return ops.mul(0.5 * lambda, total(ws, ops.square))
}

/** λ·Σ|W|; the derivative at W = 0 is taken as 0. */
export function l1(ws: Weights, lambda: number): Expr<[]> {
  return ops.mul(lambda, total(ws, ops.abs))
}

/** λ·Σ(β·W² + |W|): β weighs the L2 part against the L1 part. */
export function elasticNet(ws: Weights, lambda: number, beta: number): Expr<[]> {
  return ops.mul(lambda, total(ws, (w) => ops.add(ops.mul(beta, ops.square(w)), ops.abs(w))))
}

/**
 * Max-norm constraint: every unit's incoming weight vector (a column of W [in, out]) is scaled
 * back to Euclidean norm c when it is longer; other columns and parameters are returned as they
 * are (the same tensor objects). Applies to `weights`: `model.weights()` (the parameters declared
 * `weight: true`) or a list of names; each must be a matrix.
 */
export function maxNorm(params: Params, c: number, weights: WeightNames): Params {
  if (!(c > 0)) throw new RangeError(`maxNorm: c must be positive, got ${c}`)
  const names = [...weightSet(weights)]
  const out: Record<string, Tensor> = { ...params }
  for (const name of names) {
    const w = params[name]
    if (w === undefined) throw new ShapeError(`maxNorm: no parameter named '${name}'`)
    if (w.shape.length !== 2) throw new ShapeError(`maxNorm: parameter '${name}' expected a matrix [in,out], got [${w.shape.join(',')}]`)
    const [rows, cols] = w.shape as [number, number]
    const scale = new Float64Array(cols)
    let any = false
    for (let j = 0; j < cols; j++) {
      let s = 0
      for (let i = 0; i < rows; i++) s += w.data[i * cols + j]! ** 2
      const norm = Math.sqrt(s)
      scale[j] = norm > c ? c / norm : 1
      if (norm > c) any = true
    }
    if (!any) continue
    const d = new Float64Array(w.data.length)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) d[i * cols + j] = w.data[i * cols + j]! * scale[j]!
    out[name] = { shape: w.shape, data: d }
  }
  return Object.freeze(out)
}
