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
import type { GraphForm, UpdateRule } from './graphForm.js'

/** The common part of a transformation's state: updates applied so far and the hyperparameters used last. */
export type Counted<H extends string> = {
  readonly count: number
  readonly hyperparams: Readonly<Record<H, number>>
}

/**
 * The graph form of a `withHyper` rule (graphForm.ts): which buffers hold a tensor per parameter,
 * the scalars one update reads (default: the hyperparameters at the count) with the other buffers
 * after it (Adam's β powers), and the elementwise rule.
 */
export interface HyperGraph<H extends string, B> {
  /** The buffers that hold a tensor per parameter (Adam's `m` and `v`). */
  readonly tensors: readonly (keyof B & string)[]
  /** The scalars one update reads, from the hyperparameters at the count and the buffers, and the other buffers after it (default: the hyperparameters, nothing else). */
  readonly feed?: (h: Readonly<Record<H, number>>, buffers: B) => { readonly scalars: Readonly<Record<string, number>>; readonly buffers?: Partial<B> }
  /** The update of one parameter, elementwise, reading `scalars` by the names `feed` gives. */
  readonly rule: UpdateRule
}

/**
 * Builds a transformation whose hyperparameters `hs` are read at the step count on each update.
 * Numbers are checked at once against their domain (domains.ts: `b1` in [0, 1), `learningRate`
 * positive…), a schedule's value at each step (finite): a bad one throws a SymgradError naming it.
 * With `graph`, the transformation also gives its update in graph form.
 */
export function withHyper<H extends string, B extends object>(
  hs: Readonly<Record<H, Hyper>>,
  initBuffers: (params: Params) => B,
  rule: (grads: Params, buffers: B, h: Readonly<Record<H, number>>, params: Params, count: number) => readonly [Params, B],
  graph?: HyperGraph<H, B>,
): GradientTransformation<Counted<H> & B> {
  checkHypers(hs)
  const hyperAt = (count: number) => {
    const h = valuesAt(hs, count)
    checkScheduled(h, count)
    return h
  }
  return {
    init: (params) => ({ count: 0, hyperparams: valuesAt(hs, 0), ...initBuffers(params) }),
    update: (grads, state, params) => {
      const h = hyperAt(state.count)
      const { count, hyperparams: _, ...buffers } = state
      const [u, b] = rule(grads, buffers as unknown as B, h, params, count)
      return [u, { count: count + 1, hyperparams: h, ...b }]
    },
    ...(graph !== undefined ? { graph: hyperGraphForm(graph, hyperAt) } : {}),
  }
}

function hyperGraphForm<H extends string, B extends object>(g: HyperGraph<H, B>, hyperAt: (count: number) => Record<H, number>): GraphForm<Counted<H> & B> {
  type S = Counted<H> & B
  return {
    buffers: (state) => Object.fromEntries(g.tensors.map((k) => [k, (state as Record<string, unknown>)[k] as Params])),
    advance: (state) => {
      const h = hyperAt(state.count)
      const { count, hyperparams: _, ...rest } = state
      const f = g.feed?.(h, rest as unknown as B) ?? { scalars: h }
      return { scalars: f.scalars, state: { count: count + 1, hyperparams: h, ...rest, ...f.buffers } as unknown as S }
    },
    withBuffers: (state, buffers) => {
      const out: Record<string, unknown> = { ...state }
      for (const k of g.tensors) out[k] = buffers[k]
      return out as S
    },
    rule: g.rule,
  }
}

/** u = k·g */
export function scale(k: Hyper) {
  return withHyper({ scale: k }, () => ({}), (g, b, h) => [P.scale(g, h.scale), b], {
    tensors: [],
    rule: (o, { g, scalars: s }) => ({ u: o.mul(g, s['scale']!), buffers: {} }),
  })
}

/** u = −lr·g: the descent direction times the learning rate (the last link of most chains). */
export function scaleByLearningRate(lr: Hyper) {
  return withHyper({ learningRate: lr }, () => ({}), (g, b, h) => [P.scale(g, -h.learningRate), b], {
    tensors: [],
    feed: (h) => ({ scalars: { negLr: -h.learningRate } }),
    rule: (o, { g, scalars: s }) => ({ u: o.mul(g, s['negLr']!), buffers: {} }),
  })
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
  return withHyper({ weightDecay }, () => ({}), (g, b, h, x) => [P.axpy(g, h.weightDecay, x, 'addDecayedWeights'), b], {
    tensors: [],
    rule: (o, { g, x, scalars: s }) => ({ u: o.add(g, o.mul(s['weightDecay']!, x)), buffers: {} }),
  })
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
  }, {
    tensors: ['cache'],
    rule: (o, { g, buffers: b, scalars: s }) => {
      const c = o.add(b['cache']!, o.mul(g, g))
      return { u: o.div(g, o.add(o.sqrt(c), s['eps']!)), buffers: { cache: c } }
    },
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
  }, {
    tensors: ['cache'],
    feed: (h) => ({ scalars: { decay: h.decay, a: 1 - h.decay, eps: h.eps } }),
    rule: (o, { g, buffers: b, scalars: s }) => {
      const c = o.add(o.mul(s['decay']!, b['cache']!), o.mul(o.mul(s['a']!, g), g))
      return { u: o.div(g, o.add(o.sqrt(c), s['eps']!)), buffers: { cache: c } }
    },
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
    const { b1Power, b2Power } = adamPowers(b, h)
    const [m, v, u] = P.perTensor('Adam', [b.m, g, b.v], (md, gd, vd) => adamKernel(md, gd, vd, h.b1, h.b2, h.eps, 1 - b1Power, 1 - b2Power))
    return [u, { m, v, b1Power, b2Power }]
  }, {
    tensors: ['m', 'v'],
    feed: (h, b) => {
      const p = adamPowers(b, h)
      return { scalars: { b1: h.b1, a1: 1 - h.b1, b2: h.b2, a2: 1 - h.b2, eps: h.eps, c1: 1 - p.b1Power, c2: 1 - p.b2Power }, buffers: p }
    },
    // the order of adamKernel's operations, so that both give the same bits in float64
    rule: (o, { g, buffers: b, scalars: s }) => {
      const m = o.add(o.mul(s['b1']!, b['m']!), o.mul(s['a1']!, g))
      const v = o.add(o.mul(s['b2']!, b['v']!), o.mul(o.mul(s['a2']!, g), g))
      return { u: o.div(o.div(m, s['c1']!), o.add(o.sqrt(o.div(v, s['c2']!)), s['eps']!)), buffers: { m, v } }
    },
  })
}

/** β1ᵗ and β2ᵗ after one more update. */
function adamPowers(b: { readonly b1Power: number; readonly b2Power: number }, h: { readonly b1: number; readonly b2: number }) {
  return { b1Power: b.b1Power * h.b1, b2Power: b.b2Power * h.b2 }
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
