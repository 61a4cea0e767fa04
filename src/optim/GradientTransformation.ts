/**
 * GradientTransformation: an optimizer as a pair of pure functions (optax's shape).
 *
 *   init(params)                  → state
 *   update(grads, state, params)  → [updates, state']
 *   applyUpdates(params, updates) → params + updates
 *
 * State travels explicitly and is plain data — objects and arrays of numbers and Tensors, no
 * closures or class instances — so it can be inspected, compared and serialized. Every state made
 * in this folder that has hyperparameters shows their current values in a `hyperparams` field
(the values used by the most recent update; after `init`, the values the first update will use).
 * No State monad: `(g, s) => [u, s']` already is one.
 */
import type { Tensor } from '../core/Tensor.js'
import * as P from './params.js'
import type { Params } from './params.js'
import { chainGraph, identityGraph, type GraphForm } from './graphForm.js'

export type { Params } from './params.js'

/**
 * `update` is written as a method so that a transformation of a specific state (Adam's moments)
 * is also a `GradientTransformation<PlainState>`: lists of optimizers, registries and checkpoints
 * use that wider type, and the state they feed back is always one the same transformation made
 * (checkpoints check its structure against `init` when they load it).
 */
export interface GradientTransformation<S> {
  /** The initial state for these parameters (moments of their shapes, step count 0…). */
  readonly init: (params: Params) => S
  /** The updates to add to `params` (`applyUpdates`) given the gradients, and the next state. */
  update(grads: Params, state: S, params: Params): readonly [updates: Params, state: S]
  /**
   * The same update as graph expressions (graphForm.ts), so a training step can compile it with
   * the forward and backward passes; absent, the update runs as JavaScript. A wrapper that changes
   * `update` must not pass an inner transformation's graph form on.
   */
  readonly graph?: GraphForm<S>
}

/** A transformation whose state is only known to be plain data (heterogeneous lists, registries, checkpoints). */
export type AnyGradientTransformation = GradientTransformation<PlainState>

/** The state type of a transformation. */
export type StateOf<G> = G extends GradientTransformation<infer S> ? S : never

/** The typed tuple of states of a list of transformations. */
export type StatesOf<Ts extends readonly GradientTransformation<PlainState>[]> = {
  readonly [K in keyof Ts]: StateOf<Ts[K]>
}

/** Plain data: what every optimizer state is made of. */
export type PlainState = number | string | boolean | null | Tensor | readonly PlainState[] | { readonly [k: string]: PlainState }

/** Passes gradients through unchanged; its state is the empty tuple. */
export function identity(): GradientTransformation<readonly []> {
  return { init: () => [], update: (g, s) => [g, s], graph: identityGraph }
}

/**
 * Runs transformations one after another, each seeing the updates of the previous one; the state
 * is the tuple of their states, in order.
 */
export function chain<const Ts extends readonly GradientTransformation<PlainState>[]>(...ts: Ts): GradientTransformation<StatesOf<Ts>> {
  const graph = chainGraph(ts.map((t) => t.graph as GraphForm<unknown> | undefined)) as GraphForm<StatesOf<Ts>> | undefined
  return {
    ...(graph !== undefined ? { graph } : {}),
    init: (params) => ts.map((t) => t.init(params)) as unknown as StatesOf<Ts>,
    update: (grads, state, params) => {
      const states = state as unknown as readonly PlainState[]
      if (states.length !== ts.length)
        throw new RangeError(`chain: state has ${states.length} entries, expected ${ts.length}`)
      let u = grads
      const next: PlainState[] = []
      ts.forEach((t, i) => {
        const [u2, s2] = t.update(u, states[i]!, params)
        u = u2
        next.push(s2)
      })
      return [u, next as unknown as StatesOf<Ts>]
    },
  }
}

/** params + updates (updates already carry the sign and the learning rate). */
export function applyUpdates(params: Params, updates: Params): Params {
  return P.add(params, updates, 'applyUpdates')
}

/** One full step: [params', state']. */
export function step<S>(
  opt: GradientTransformation<S>, params: Params, grads: Params, state: S,
): readonly [params: Params, state: S] {
  const [u, s] = opt.update(grads, state, params)
  return [applyUpdates(params, u), s]
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as Tensor).data instanceof Float64Array
}

/**
 * Every `hyperparams` record found in a state (depth-first, in chain order), merged; later
 * entries win for the same name. E.g. `{ b1: 0.9, b2: 0.999, eps: 1e-8, learningRate: 0.001 }`.
 */
export function hyperparamsOf(state: unknown): Readonly<Record<string, number>> {
  const out: Record<string, number> = {}
  const walk = (s: unknown): void => {
    if (typeof s !== 'object' || s === null || isTensor(s)) return
    if (Array.isArray(s)) return s.forEach(walk)
    // own keys in order without arrays of entries: the fold reads the learning rate every step
    const rec = s as Record<string, unknown>
    for (const k in rec) {
      if (!Object.hasOwn(rec, k)) continue
      const v = rec[k]
      if (k === 'hyperparams' && typeof v === 'object' && v !== null) {
        const hs = v as Record<string, unknown>
        for (const h in hs) if (Object.hasOwn(hs, h) && typeof hs[h] === 'number') out[h] = hs[h]
      } else walk(v)
    }
  }
  walk(state)
  return out
}

/**
 * The learning rate read back from an optimizer's state: the one used by the most recent update
 * (before any update, the one the first update will use) — optax's inject_hyperparams convention.
 * Undefined when the state holds none (e.g. a bare `clipByGlobalNorm`).
 */
export function currentLearningRate(state: unknown): number | undefined {
  return hyperparamsOf(state)['learningRate']
}
