/**
 * Activation functions as expression composites (the functional forms; the layer values that
 * wrap them live in layers.ts). Their derivatives come from the primitives' rules.
 *
 * Kinks, stated once: every kink takes the LEFT derivative —
 *   relu'(0) = 0,  leakyRelu'(0) = α,  elu'(0) = α (ELU with α = 1 is C¹, so this is exact there);
 *   maxout at a tie between pieces shares the gradient equally among the tied pieces (max's rule).
 */
import type { Expr } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import * as ops from '../ops/index.js'

/** σ(x) = 1/(1 + e⁻ˣ) elementwise (the op builder). */
export const sigmoid = ops.sigmoid
/** tanh x elementwise (the op builder). */
export const tanh = ops.tanh
/** max(0, x); relu'(0) = 0. */
export const relu = ops.relu

/**
 * x for x > 0, αx otherwise (α = 0.01 by default; 0.1 is the other common choice), written
 * max(αx, x) (min for α > 1): exact on both sides, and the tie at 0 sends the gradient to αx.
 */
export function leakyRelu<S extends Shape>(x: Expr<S>, alpha = 0.01): Expr<S> {
  const ax = ops.mul(alpha, x)
  return (alpha <= 1 ? ops.maximum(ax, x) : ops.minimum(ax, x)) as Expr<S>
}

/**
 * x for x > 0, α(eˣ − 1) otherwise (α = 1 by default), written relu(x) + α·expm1(min(x,0)): no
 * select on a condition of x, e^min(x,0) never overflows for large positive x (an Infinity in an
 * untaken branch would turn its zero-weighted gradient into NaN), and expm1 keeps the digits of
 * small negative x that eˣ − 1 cancels.
 */
export function elu<S extends Shape>(x: Expr<S>, alpha = 1): Expr<S> {
  return ops.add(ops.relu(x), ops.mul(alpha, ops.expm1(ops.minimum(x, 0)))) as Expr<S>
}

/**
 * Maxout over `pieces` affine maps already computed side by side: `z` is [N, pieces·width] with
 * piece p of unit j in column p·width + j; the result is [N, width], the max over the pieces.
 */
export function maxoutPieces(z: Expr, pieces: number, width: number): Expr {
  const n = z.shape[0]!
  return ops.max(ops.reshape(z, [n, pieces, width]), [1])
}

export const activationNames = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'identity'] as const
/** The name of an activation a run config or `activate` accepts. */
export type ActivationName = (typeof activationNames)[number]

/** The activation named by a layer spec, applied to `x`. */
export function activate<S extends Shape>(name: ActivationName, x: Expr<S>, alpha?: number): Expr<S> {
  switch (name) {
    case 'sigmoid':
      return sigmoid(x)
    case 'tanh':
      return tanh(x)
    case 'relu':
      return relu(x)
    case 'leakyRelu':
      return leakyRelu(x, alpha ?? 0.01)
    case 'elu':
      return elu(x, alpha ?? 1)
    case 'identity':
      return x
  }
}
