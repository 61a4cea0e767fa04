/**
 * Spatial batch normalization (Ioffe & Szegedy 2015, §3.2 for convolutions; CS231n's
 * spatial_batchnorm): batch norm of x [N, C, H, W] per channel, the statistics taken over N, H
 * and W, so every position of a feature map is normalized the same way.
 *   train: μ_c = mean_{N,H,W} x, σ²_c = mean_{N,H,W} (x − μ_c)² (biased), y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c
 *   test:  the running statistics in place of μ and σ² (updated as batchnorm.ts's runningUpdate)
 * A composite: its gradient is the symbolic gradient of these ops.
 */
import type { Expr } from '../core/Expr.js'
import * as ops from '../ops/index.js'
import { defaultEps } from './batchnorm.js'

const AXES = [0, 2, 3] as const

/** A per-channel vector [C] spread over x [N, C, H, W]. */
function channels(v: Expr, x: Expr): Expr {
  return ops.broadcastTo(ops.reshape(v, [x.shape[1]!, 1, 1]), x.shape)
}

export interface SpatialBatchNormTrain {
  readonly out: Expr
  readonly mean: Expr
  readonly variance: Expr
}

/** Train-mode spatial batch norm of [N, C, H, W]: per channel over N, H, W with the batch's mean and variance (returned for the running statistics). */
export function spatialBatchNormTrain(x: Expr, gamma: Expr, beta: Expr, eps = defaultEps): SpatialBatchNormTrain {
  const mean = ops.mean(x, AXES)
  const centered = ops.sub(x, channels(mean, x))
  const variance = ops.mean(ops.square(centered), AXES)
  const normalized = ops.div(centered, channels(ops.sqrt(ops.add(variance, eps)), x))
  return { out: ops.add(ops.mul(normalized, channels(gamma, x)), channels(beta, x)), mean, variance }
}

/** Test-mode spatial batch norm: γ·(x − running mean)/√(running variance + ε) + β per channel. */
export function spatialBatchNormTest(x: Expr, gamma: Expr, beta: Expr, runningMean: Expr, runningVar: Expr, eps = defaultEps): Expr {
  const normalized = ops.div(ops.sub(x, channels(runningMean, x)), channels(ops.sqrt(ops.add(runningVar, eps)), x))
  return ops.add(ops.mul(normalized, channels(gamma, x)), channels(beta, x))
}
