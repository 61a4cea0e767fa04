/**
 * What batchNorm and spatialBatchNorm share as layers: γ = 1, β = 0, running mean 0 and running
 * variance `runningVarInit` at init (1 as in PyTorch and Keras, the default; 0 as in CS231n's
 * assignment, whose first test-mode outputs are then x/√ε-sized until the statistics fill in); train mode normalizes with the batch's statistics and moves the running ones
 * (momentum), test mode uses the running ones. Only the axes differ, inside the train/test forms.
 */
import * as T from '../../core/Tensor.js'
import type { Expr } from '../../core/Expr.js'
import { PositiveNumber, UnitInterval, ZeroOrOne } from '../../core/codecs.js'
import { defaultEps, defaultMomentum, runningUpdate } from '../batchnorm.js'
import type { Applied, ApplyContext, LayerShapes } from '../LayerDef.js'

type P = 'gamma' | 'beta'
type S = 'runningMean' | 'runningVar'

/** The spec record of a batch-norm kind `K`: its kind and options, as a model's spec and a checkpoint hold them. */
export interface NormSpec<K extends string> {
  readonly kind: K
  readonly eps: number
  readonly momentum: number
  /** The running variance at init: 1 (PyTorch, Keras) or 0 (CS231n). */
  readonly runningVarInit: 0 | 1
  readonly name?: string
}

/** The options' codecs both kinds declare: ε > 0, momentum in [0, 1), runningVarInit 0 or 1. */
export const normCodecs = Object.freeze({ eps: PositiveNumber, momentum: UnitInterval, runningVarInit: ZeroOrOne })
/** Their defaults (also each kind's law example): ε and momentum of batchnorm.ts, running variance 1. */
export const normDefaults = Object.freeze({ eps: defaultEps, momentum: defaultMomentum, runningVarInit: 1 as 0 | 1 })

export function normInit(o: { readonly runningVarInit: 0 | 1 }, _key: unknown, { params, state }: LayerShapes<P, S>) {
  return {
    params: { gamma: T.ones(params.gamma), beta: T.zeros(params.beta) },
    state: { runningMean: T.zeros(state.runningMean), runningVar: T.fill(state.runningVar, o.runningVarInit) },
  }
}

/** The options both builders take: ε, the running statistics' momentum, the running variance's start, a name. */
export interface NormOptions {
  readonly eps?: number
  readonly momentum?: number
  /** The running variance at init: 1 (PyTorch, Keras; the default) or 0 (CS231n). */
  readonly runningVarInit?: 0 | 1
  readonly name?: string
}

export function normApply(
  train: (x: Expr, gamma: Expr, beta: Expr, eps: number) => { readonly out: Expr; readonly mean: Expr; readonly variance: Expr },
  test: (x: Expr, gamma: Expr, beta: Expr, runningMean: Expr, runningVar: Expr, eps: number) => Expr,
) {
  return (o: { readonly eps: number; readonly momentum: number }, x: Expr, { mode, params: p, state: s }: ApplyContext<P, S>): Applied<S> => {
    if (mode === 'test') return { out: test(x, p.gamma, p.beta, s.runningMean, s.runningVar, o.eps) }
    const bn = train(x, p.gamma, p.beta, o.eps)
    return { out: bn.out, state: { runningMean: runningUpdate(s.runningMean, bn.mean, o.momentum), runningVar: runningUpdate(s.runningVar, bn.variance, o.momentum) } }
  }
}

/** The builders' options, checked: ε > 0 and momentum in [0, 1) (a RangeError naming the layer otherwise). */
export function normOptions<K extends string>(kind: K, o: NormOptions) {
  const eps = o.eps ?? defaultEps
  const momentum = o.momentum ?? defaultMomentum
  const runningVarInit = o.runningVarInit ?? 1
  if (runningVarInit !== 0 && runningVarInit !== 1) throw new RangeError(`${kind}: runningVarInit must be 0 or 1, got ${String(runningVarInit)}`)
  if (!(eps > 0 && Number.isFinite(eps))) throw new RangeError(`${kind}: eps must be a positive number, got ${eps}`)
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`${kind}: momentum must be in [0, 1), got ${momentum}`)
  return { kind, eps, momentum, runningVarInit, ...(o.name !== undefined ? { name: o.name } : {}) }
}
