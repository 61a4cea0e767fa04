/**
 * Batch normalization (Ioffe & Szegedy 2015) as a composite over [N, D] activations.
 *   train: μ = mean_N x, σ² = mean_N (x − μ)² (biased), x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β
 *          running ← m·running + (1 − m)·batch   (m = 0.9; the biased batch variance is used)
 *   test:  y = γ·(x − runningMean)/√(runningVar + ε) + β
 * The backward pass is the symbolic gradient of this composite; tests compare it with the
 * closed form dx = (γ/(N·√(σ²+ε)))·(N·dy − Σdy − x̂·Σ(dy·x̂)).
 */
import type { Expr } from '../core/Expr.js'
import * as ops from '../ops/index.js'

/** The default ε of batch normalization, 1e-5. */
export const defaultEps = 1e-5
/** The default momentum of the running statistics, 0.9 (running ← 0.9·running + 0.1·batch). */
export const defaultMomentum = 0.9

/** Train-mode batch normalization: the output and the batch's mean and variance. */
export interface BatchNormTrain {
  readonly out: Expr
  /** x̂, before γ and β. */
  readonly normalized: Expr
  readonly mean: Expr
  readonly variance: Expr
}

/** Row-vector [D] broadcast over the batch rows of `x` [N, D]. */
function rows(v: Expr, x: Expr): Expr {
  return ops.broadcastTo(v, x.shape)
}

/** Train-mode batch norm of `x` [N, D] with scale `gamma` [D] and shift `beta` [D]. */
export function batchNormTrain(x: Expr, gamma: Expr, beta: Expr, eps = defaultEps): BatchNormTrain {
  const mean = ops.mean(x, [0])
  const centered = ops.sub(x, rows(mean, x))
  const variance = ops.mean(ops.square(centered), [0])
  const normalized = ops.div(centered, rows(ops.sqrt(ops.add(variance, eps)), x))
  const out = ops.add(ops.mul(normalized, rows(gamma, x)), rows(beta, x))
  return { out, normalized, mean, variance }
}

/** Test-mode batch norm: normalizes with the given running statistics. */
export function batchNormTest(x: Expr, gamma: Expr, beta: Expr, runningMean: Expr, runningVar: Expr, eps = defaultEps): Expr {
  const normalized = ops.div(ops.sub(x, rows(runningMean, x)), rows(ops.sqrt(ops.add(runningVar, eps)), x))
  return ops.add(ops.mul(normalized, rows(gamma, x)), rows(beta, x))
}

/** running·m + batch·(1 − m). */
export function runningUpdate(running: Expr, batch: Expr, momentum = defaultMomentum): Expr {
  return ops.add(ops.mul(momentum, running), ops.mul(1 - momentum, batch))
}
