/**
 * Building blocks: small gradient transformations that `chain` composes into optimizers
 * (see aliases.ts). Each state is plain data: `count` (updates applied so far), `hyperparams`
 * (the values used by the most recent update, read from numbers or schedules at step `count`),
 * and the rule's buffers as Params records of Tensors.
 */
import type { GradientTransformation } from './GradientTransformation.js'
import * as P from './params.js'
import type { Params } from './params.js'
import type { Hyper } from './schedules.js'
import { valuesAt } from './schedules.js'
import { checkHypers, checkScheduled } from './domains.js'

/** The common part of a transformation's state: updates applied so far and the hyperparameters used last. */
export type Counted<H extends string> = {
  readonly count: number
  readonly hyperparams: Readonly<Record<H, number>>
}

/**
 * Builds a transformation whose hyperparameters `hs` are read at the step count on each update.
 * Numbers are checked at once against their domain (domains.ts: `b1` in [0, 1), `learningRate`
 * positive…), a schedule's value at each step (finite): a bad one throws a SymgradError naming it.
 */
export function withHyper<H extends string, B extends object>(
  hs: Readonly<Record<H, Hyper>>,
  initBuffers: (params: Params) => B,
  rule: (grads: Params, buffers: B, h: Readonly<Record<H, number>>, params: Params, count: number) => readonly [Params, B],
): GradientTransformation<Counted<H> & B> {
  checkHypers(hs)
  return {
    init: (params) => ({ count: 0, hyperparams: valuesAt(hs, 0), ...initBuffers(params) }),
    update: (grads, state, params) => {
      const h = valuesAt(hs, state.count)
      checkScheduled(h, state.count)
      const { count, hyperparams: _, ...buffers } = state
      const [u, b] = rule(grads, buffers as unknown as B, h, params, count)
      return [u, { count: count + 1, hyperparams: h, ...b }]
    },
  }
}

/** u = k·g */
export function scale(k: Hyper) {
  return withHyper({ scale: k }, () => ({}), (g, b, h) => [P.scale(g, h.scale), b])
}

/** u = −lr·g: the descent direction times the learning rate (the last link of most chains). */
export function scaleByLearningRate(lr: Hyper) {
  return withHyper({ learningRate: lr }, () => ({}), (g, b, h) => [P.scale(g, -h.learningRate), b])
}

/**
 * Clipping by global norm (Pascanu, Mikolov & Bengio 2013, "On the difficulty of training RNNs"):
 * g ← g · min(1, maxNorm/‖g‖), ‖g‖ over all tensors together, so the direction is kept.
 * `lastNorm` in the state is ‖g‖ before clipping.
 */
export function clipByGlobalNorm(maxNorm: Hyper) {
  return withHyper({ maxNorm }, () => ({ lastNorm: 0 }), (g, _b, h) => {
    const n = P.globalNorm(g)
    const k = n > h.maxNorm ? h.maxNorm / n : 1
    return [k === 1 ? g : P.scale(g, k), { lastNorm: n }]
  })
}

/**
 * Weight decay as a transformation: u = g + wd·x. Before an adaptive scaling it is L2
 * regularization; after it (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization",
 * i.e. AdamW) it is decoupled weight decay.
 */
export function addDecayedWeights(weightDecay: Hyper) {
  return withHyper({ weightDecay }, () => ({}), (g, b, h, x) => [P.axpy(g, h.weightDecay, x, 'addDecayedWeights'), b])
}

/**
 * AdaGrad (Duchi, Hazan & Singer 2011, JMLR): cache ← cache + g²; u = g/(√cache + ε).
 * Chain with scaleByLearningRate for x ← x − lr·g/(√cache + ε).
 */
export function scaleByRss(o: { eps?: Hyper; initialAccumulator?: number } = {}) {
  const a0 = o.initialAccumulator ?? 0
  return withHyper({ eps: o.eps ?? 1e-8 }, (x) => ({ cache: P.map(x, (t) => ({ shape: t.shape, data: new Float64Array(t.data.length).fill(a0) })) }), (g, b, h) => {
    const [cache, u] = P.perTensor('AdaGrad', [b.cache, g], (cd, gd) => rssKernel(cd, gd, h.eps))
    return [u, { cache }]
  })
}

/** cache ← cache + g²; u = g/(√cache + ε) (the new cache), in one pass. */
function rssKernel(cache0: Float64Array, g: Float64Array, eps: number): [Float64Array, Float64Array] {
  const cache = new Float64Array(g.length)
  const u = new Float64Array(g.length)
  for (let i = 0; i < u.length; i++) {
    const d = g[i]!
    const c = cache0[i]! + d * d
    cache[i] = c
    u[i] = d / (Math.sqrt(c) + eps)
  }
  return [cache, u]
}

/**
 * RMSProp (Tieleman & Hinton 2012, Coursera lecture 6.5): cache ← ρ·cache + (1−ρ)·g²;
 * u = g/(√cache + ε). (Not `cache += ρ·cache + …`, a typo in some transcriptions.)
 */
export function scaleByRms(o: { decay?: Hyper; eps?: Hyper } = {}) {
  return withHyper({ decay: o.decay ?? 0.99, eps: o.eps ?? 1e-8 }, (x) => ({ cache: P.zerosLike(x) }), (g, b, h) => {
    const [cache, u] = P.perTensor('RMSProp', [b.cache, g], (cd, gd) => rmsKernel(cd, gd, h.decay, h.eps))
    return [u, { cache }]
  })
}

/** cache ← ρ·cache + (1−ρ)·g²; u = g/(√cache + ε) (the new cache), in one pass. */
function rmsKernel(cache0: Float64Array, g: Float64Array, rho: number, eps: number): [Float64Array, Float64Array] {
  const cache = new Float64Array(g.length)
  const u = new Float64Array(g.length)
  const a = 1 - rho
  for (let i = 0; i < u.length; i++) {
    const d = g[i]!
    const c = rho * cache0[i]! + a * d * d
    cache[i] = c
    u[i] = d / (Math.sqrt(c) + eps)
  }
  return [cache, u]
}

/** Adam's hyperparameters: β1, β2, ε (numbers or schedules). */
export interface AdamOptions {
  readonly b1?: Hyper
  readonly b2?: Hyper
  readonly eps?: Hyper
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1; defaults β1 = 0.9, β2 = 0.999, ε = 1e-8 from the paper):
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; with t counted from 1, m̂ = m/(1−β1ᵗ),
 * v̂ = v/(1−β2ᵗ); u = m̂/(√v̂ + ε). m and v keep their uncorrected values. The products
 * β1ᵗ, β2ᵗ are kept in the state (`b1Power`, `b2Power`), so scheduled betas debias correctly.
 */
export function scaleByAdam(o: AdamOptions = {}) {
  const hs = { b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.999, eps: o.eps ?? 1e-8 }
  return withHyper(hs, (x) => ({ m: P.zerosLike(x), v: P.zerosLike(x), b1Power: 1, b2Power: 1 }), (g, b, h) => {
    const b1Power = b.b1Power * h.b1
    const b2Power = b.b2Power * h.b2
    const [m, v, u] = P.perTensor('Adam', [b.m, g, b.v], (md, gd, vd) => adamKernel(md, gd, vd, h.b1, h.b2, h.eps, 1 - b1Power, 1 - b2Power))
    return [u, { m, v, b1Power, b2Power }]
  })
}

/**
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; u = (m/c1)/(√(v/c2) + ε) with c1 = 1−β1ᵗ,
 * c2 = 1−β2ᵗ (the new m and v), in one pass.
 */
function adamKernel(
  m0: Float64Array, g: Float64Array, v0: Float64Array, b1: number, b2: number, eps: number, c1: number, c2: number,
): [Float64Array, Float64Array, Float64Array] {
  const m = new Float64Array(g.length)
  const v = new Float64Array(g.length)
  const u = new Float64Array(g.length)
  const a1 = 1 - b1
  const a2 = 1 - b2
  for (let i = 0; i < u.length; i++) {
    const d = g[i]!
    const mi = b1 * m0[i]! + a1 * d
    const vi = b2 * v0[i]! + a2 * d * d
    m[i] = mi
    v[i] = vi
    u[i] = mi / c1 / (Math.sqrt(vi / c2) + eps)
  }
  return [m, v, u]
}
