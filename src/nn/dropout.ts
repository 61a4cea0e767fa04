/**
 * Inverted dropout with an explicit KEEP probability `keep` (the probability that a unit is kept;
 * the word "p" has meant both keep and drop in course material, so it is not used here).
 *   train: y = x·mask, mask = (u < keep)/keep with u ~ U[0, 1) drawn per unit per example
 *   test:  y = x (the 1/keep scaling at train time keeps the expectation: E[mask] = 1)
 * The uniform draws `u` are a named input leaf bound each step from a PRNG key, so one graph (or
 * one compiled function) serves every step with fresh masks.
 */
import type { Expr } from '../core/Expr.js'
import type { Key } from '../core/Random.js'
import * as R from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import * as ops from '../ops/index.js'

export function checkKeep(keep: number, where: string): number {
  if (!(keep > 0 && keep <= 1)) throw new RangeError(`${where}: keep probability must be in (0, 1], got ${keep}`)
  return keep
}

/** The inverted-dropout mask (u < keep)/keep as an expression of the uniform draws `u`. */
export function dropoutMask(u: Expr, keep: number): Expr {
  checkKeep(keep, 'dropoutMask')
  return ops.div(ops.lt(u, keep), keep)
}

/** x·(u < keep)/keep; identity when keep = 1. */
export function dropoutTrain(x: Expr, u: Expr, keep: number): Expr {
  if (keep === 1) return x
  return ops.mul(x, dropoutMask(u, keep))
}

/** Uniform draws for one dropout input of the given concrete shape. */
export function dropoutUniforms(key: Key, shape: readonly number[]): Tensor {
  return R.uniform(key, shape)
}
