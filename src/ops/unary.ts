/**
 * Elementwise transcendental functions and activations. Rules that are cheaper in terms of the
 * output y are written with it (ChainRules' Ω): d tanh = 1 − y², d σ = y(1 − y), d eˣ = y.
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import { call } from './Op.js'
import { div, mul, sub } from './elementwise.js'
import { unaryOp } from './pointwise.js'
import { step } from './compare.js'

// ── exp ──  d eˣ = eˣ·dx
/** The op record of `exp` (shape rule, evaluation, derivative, printed form, law cases): d eˣ = eˣ·dx. */
export const expOp = unaryOp({
  name: 'exp',
  f: Math.exp,
  vjp: ({ out, cot }) => mul(cot, out),
  notation: call('exp', '\\exp'),
})
// ── log ──  d log x = dx / x   (domain x > 0)
/** The op record of `log` (shape rule, evaluation, derivative, printed form, law cases): d log x = dx / x   (domain x > 0). */
export const logOp = unaryOp({
  name: 'log',
  f: Math.log,
  vjp: ({ args: [x], cot }) => div(cot, x!),
  notation: call('log', '\\log'),
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: 0.1, hi: 5 }] },
})
// ── sqrt ──  d √x = dx / (2√x)   (domain x > 0; at 0 the gradient is +∞, never silently 0)
/** The op record of `sqrt` (shape rule, evaluation, derivative, printed form, law cases): d √x = dx / (2√x)   (domain x > 0; at 0 the gradient is +∞, never silently 0). */
export const sqrtOp = unaryOp({
  name: 'sqrt',
  f: Math.sqrt,
  vjp: ({ out, cot }) => div(cot, mul(2, out)),
  notation: call('sqrt', '\\sqrt'),
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: 0.1, hi: 5 }] },
  note: 'the derivative at 0 is +Infinity',
})
// ── tanh ──  d tanh x = (1 − y²)·dx
/** The op record of `tanh` (shape rule, evaluation, derivative, printed form, law cases): d tanh x = (1 − y²)·dx. */
export const tanhOp = unaryOp({
  name: 'tanh',
  f: Math.tanh,
  vjp: ({ out, cot }) => mul(cot, sub(1, mul(out, out))),
  notation: call('tanh', '\\tanh'),
})

/** σ(x) = 1/(1+e^−x), computed without overflow for large |x|. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x))
  const e = Math.exp(x)
  return e / (1 + e)
}
// ── sigmoid ──  d σ(x) = y(1 − y)·dx
/** The op record of `sigmoid` (shape rule, evaluation, derivative, printed form, law cases): d σ(x) = y(1 − y)·dx. */
export const sigmoidOp = unaryOp({
  name: 'sigmoid',
  f: sigmoidScalar,
  vjp: ({ out, cot }) => mul(cot, mul(out, sub(1, out))),
  notation: call('σ', '\\sigma'),
})
// ── relu ──  d max(0,x) = step(x)·dx, with relu'(0) = 0; written step(y) from the output y = relu(x)
// (the same number for every x, NaN included: y > 0 exactly when x > 0), as tanh and σ read theirs:
// the backward pass then reads the activation the next layer reads anyway, and a compiled step
// need not keep the pre-activation (a convnet's bias-and-relu loop stores one array instead of two)
/** The op record of `relu` (shape rule, evaluation, derivative, printed form, law cases): d max(0,x) = step(x)·dx = step(y)·dx, with relu'(0) = 0. */
export const reluOp = unaryOp({
  name: 'relu',
  f: (x) => (x > 0 ? x : 0),
  vjp: ({ out, cot }) => mul(cot, step(out)),
  notation: call('relu', '\\operatorname{relu}'),
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: -2, hi: 2, awayFrom: [0] }] },
  note: "relu'(0) = 0 (the subgradient 0 is used at the kink)",
})

/** Builds `exp`: an expression node of the `expOp` record (d eˣ = eˣ·dx). */
export function exp<S extends Shape>(x: Expr<S>): Expr<S> {
  return apply(expOp, [x]) as Expr<S>
}
/** Builds `log`: an expression node of the `logOp` record (d log x = dx / x   (domain x > 0)). */
export function log<S extends Shape>(x: Expr<S>): Expr<S> {
  return apply(logOp, [x]) as Expr<S>
}
/** Builds `sqrt`: an expression node of the `sqrtOp` record (d √x = dx / (2√x)   (domain x > 0; at 0 the gradient is +∞, never silently 0)). */
export function sqrt<S extends Shape>(x: Expr<S>): Expr<S> {
  return apply(sqrtOp, [x]) as Expr<S>
}
/** Builds `tanh`: an expression node of the `tanhOp` record (d tanh x = (1 − y²)·dx). */
export function tanh<S extends Shape>(x: Expr<S>): Expr<S> {
  return apply(tanhOp, [x]) as Expr<S>
}
/** Builds `sigmoid`: an expression node of the `sigmoidOp` record (d σ(x) = y(1 − y)·dx). */
export function sigmoid<S extends Shape>(x: Expr<S>): Expr<S> {
  return apply(sigmoidOp, [x]) as Expr<S>
}
/** Builds `relu`: an expression node of the `reluOp` record (d max(0,x) = step(x)·dx, with relu'(0) = 0). */
export function relu<S extends Shape>(x: Expr<S>): Expr<S> {
  return apply(reluOp, [x]) as Expr<S>
}
