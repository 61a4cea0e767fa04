/**
 * Layers as plain data. A layer is a JSON-serializable spec whose widths are literal types:
 * `dense(784, 100)` has type `Dense<784, 100>`; width-preserving layers (activations, batch norm,
 * dropout) carry no widths and take the width of the layer before them. `sequential` (model.ts)
 * checks at the type level that consecutive widths agree.
 *
 * Parameter naming: a layer named `L` (by default its kind and position, e.g. `dense0`, `bn1`) owns
 *   dense, maxout:  `L.W` [in, out] (maxout: [in, pieces·out]) and `L.b` [out] (maxout: [pieces·out])
 *   batchNorm:      params `L.gamma`, `L.beta` [width]; state `L.runningMean`, `L.runningVar` [width]
 *   dropout:        random input `L.u` [N, width] (uniform draws)
 * Weights (regularized and max-norm projected by default) are exactly the params named `*.W`.
 */
import type { Expr } from '../core/Expr.js'
import type { Dim } from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'
import * as ops from '../ops/index.js'
import { type ActivationName, activate, maxoutPieces } from './activations.js'
import { batchNormTest, batchNormTrain, defaultEps, defaultMomentum, runningUpdate } from './batchnorm.js'
import { checkKeep, dropoutTrain } from './dropout.js'
import type { InitScheme } from './init.js'

export interface Dense<In extends number = number, Out extends number = number> {
  readonly kind: 'dense'
  readonly in: In
  readonly out: Out
  readonly init: InitScheme
  readonly name?: string
}
export interface Maxout<In extends number = number, Out extends number = number> {
  readonly kind: 'maxout'
  readonly in: In
  readonly out: Out
  readonly pieces: number
  readonly init: InitScheme
  readonly name?: string
}
export interface Activation {
  readonly kind: 'activation'
  readonly fn: ActivationName
  readonly alpha?: number
  readonly name?: string
}
export interface BatchNorm {
  readonly kind: 'batchNorm'
  readonly eps: number
  readonly momentum: number
  readonly name?: string
}
export interface Dropout {
  readonly kind: 'dropout'
  readonly keep: number
  readonly name?: string
}

export type LayerSpec = Dense | Maxout | Activation | BatchNorm | Dropout
/** A layer inside a model: its name and both widths resolved. */
export type Resolved = LayerSpec & { readonly name: string; readonly in: number; readonly out: number }

export const defaultInit: InitScheme = 'xavier'

export interface DenseOptions {
  /** Weight initialization (default 'xavier'). */
  readonly init?: InitScheme
  readonly name?: string
}

function checkWidth(w: number, what: string): void {
  if (!Number.isInteger(w) || w < 1) throw new ShapeError(`${what}: width must be a positive integer, got ${w}`)
}

/** Fully connected layer y = x·W + b with W [in, out], b [out]. */
export function dense<const In extends number, const Out extends number>(inWidth: In, outWidth: Out, o: DenseOptions = {}): Dense<In, Out> {
  checkWidth(inWidth, 'dense')
  checkWidth(outWidth, 'dense')
  return { kind: 'dense', in: inWidth, out: outWidth, init: o.init ?? defaultInit, ...(o.name !== undefined ? { name: o.name } : {}) }
}

/** Maxout: `pieces` affine maps [in → out] side by side, then the max over the pieces per unit. */
export function maxout<const In extends number, const Out extends number>(inWidth: In, outWidth: Out, pieces = 2, o: DenseOptions = {}): Maxout<In, Out> {
  checkWidth(inWidth, 'maxout')
  checkWidth(outWidth, 'maxout')
  checkWidth(pieces, 'maxout pieces')
  return { kind: 'maxout', in: inWidth, out: outWidth, pieces, init: o.init ?? defaultInit, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const sigmoid: Activation = { kind: 'activation', fn: 'sigmoid' }
export const tanh: Activation = { kind: 'activation', fn: 'tanh' }
/** ReLU layer; relu'(0) = 0 (see activations.ts). */
export const relu: Activation = { kind: 'activation', fn: 'relu' }
export const identity: Activation = { kind: 'activation', fn: 'identity' }
/** Leaky ReLU with slope `alpha` for x ≤ 0 (default 0.01). */
export function leakyRelu(alpha = 0.01): Activation {
  return { kind: 'activation', fn: 'leakyRelu', alpha }
}
/** ELU with scale `alpha` for x ≤ 0 (default 1). */
export function elu(alpha = 1): Activation {
  return { kind: 'activation', fn: 'elu', alpha }
}
/** Batch normalization over the batch axis; insert after an affine layer, before the nonlinearity. */
export function batchNorm(o: { readonly eps?: number; readonly momentum?: number; readonly name?: string } = {}): BatchNorm {
  const momentum = o.momentum ?? defaultMomentum
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`batchNorm: momentum must be in [0, 1), got ${momentum}`)
  return { kind: 'batchNorm', eps: o.eps ?? defaultEps, momentum, ...(o.name !== undefined ? { name: o.name } : {}) }
}
/** Inverted dropout keeping each unit with probability `keep`. */
export function dropout(keep: number, o: { readonly name?: string } = {}): Dropout {
  checkKeep(keep, 'dropout')
  return { kind: 'dropout', keep, ...(o.name !== undefined ? { name: o.name } : {}) }
}

/** The default name prefix of a layer kind. */
export function prefix(l: LayerSpec): string {
  switch (l.kind) {
    case 'activation':
      return l.fn
    case 'batchNorm':
      return 'bn'
    default:
      return l.kind
  }
}

export interface LeafShapes {
  readonly params: Readonly<Record<string, readonly number[]>>
  readonly state: Readonly<Record<string, readonly number[]>>
}

/** Shapes of a resolved layer's parameters and state. */
export function leafShapes(l: Resolved): LeafShapes {
  const n = l.name
  switch (l.kind) {
    case 'dense':
      return { params: { [`${n}.W`]: [l.in, l.out], [`${n}.b`]: [l.out] }, state: {} }
    case 'maxout':
      return { params: { [`${n}.W`]: [l.in, l.pieces * l.out], [`${n}.b`]: [l.pieces * l.out] }, state: {} }
    case 'batchNorm':
      return {
        params: { [`${n}.gamma`]: [l.out], [`${n}.beta`]: [l.out] },
        state: { [`${n}.runningMean`]: [l.out], [`${n}.runningVar`]: [l.out] },
      }
    default:
      return { params: {}, state: {} }
  }
}

export type Mode = 'train' | 'test'

export interface LayerResult {
  readonly out: Expr
  /** New state expressions (batch norm in train mode). */
  readonly state: Readonly<Record<string, Expr>>
  /** Random input leaves the layer reads (dropout in train mode), with their keep probability. */
  readonly random: readonly { readonly name: string; readonly width: number; readonly keep: number }[]
}

/** One layer on `x` [N, in]; parameters are `param` leaves and state `input` leaves, by name. */
export function applyLayer(l: Resolved, x: Expr, mode: Mode): LayerResult {
  const n = l.name
  const none = { state: {}, random: [] }
  switch (l.kind) {
    case 'dense': {
      const z = ops.matmul(x, ops.param(`${n}.W`, [l.in, l.out]) as Expr)
      return { out: ops.add(z, ops.param(`${n}.b`, [l.out])), ...none }
    }
    case 'maxout': {
      const k = l.pieces * l.out
      const z = ops.add(ops.matmul(x, ops.param(`${n}.W`, [l.in, k]) as Expr), ops.param(`${n}.b`, [k]))
      return { out: maxoutPieces(z, l.pieces, l.out), ...none }
    }
    case 'activation':
      return { out: activate(l.fn, x, l.alpha), ...none }
    case 'batchNorm': {
      const gamma = ops.param(`${n}.gamma`, [l.out])
      const beta = ops.param(`${n}.beta`, [l.out])
      const rm = ops.input(`${n}.runningMean`, [l.out])
      const rv = ops.input(`${n}.runningVar`, [l.out])
      if (mode === 'test') return { out: batchNormTest(x, gamma, beta, rm, rv, l.eps), ...none }
      const bn = batchNormTrain(x, gamma, beta, l.eps)
      const state = {
        [`${n}.runningMean`]: runningUpdate(rm, bn.mean, l.momentum),
        [`${n}.runningVar`]: runningUpdate(rv, bn.variance, l.momentum),
      }
      return { out: bn.out, state, random: [] }
    }
    case 'dropout': {
      if (mode === 'test' || l.keep === 1) return { out: x, ...none }
      const batch: Dim = x.shape[0]!
      const u = ops.input(`${n}.u`, [batch, l.out])
      return { out: dropoutTrain(x, u, l.keep), state: {}, random: [{ name: `${n}.u`, width: l.out, keep: l.keep }] }
    }
  }
}
