/**
 * The classic optimizers, in the forms of the CS231n lecture notes ("Neural Networks Part 3"),
 * dx being the gradient. Each one is a GradientTransformation; put `clipByGlobalNorm` or
 * `addDecayedWeights` in front of one with `chain`. Momentum and Nesterov keep the learning rate
 * inside the velocity, exactly as written, so a scheduled learning rate acts as in the lecture.
 */
import { chain } from './GradientTransformation.js'
import * as P from './params.js'
import type { Hyper } from './schedules.js'
import type { AdamOptions } from './transforms.js'
import { addDecayedWeights, scaleByAdam, scaleByLearningRate, scaleByRms, scaleByRss, withHyper } from './transforms.js'

/** SGD (Robbins & Monro 1951): x ← x − lr·dx. */
export function sgd(learningRate: Hyper) {
  return scaleByLearningRate(learningRate)
}

/** Momentum, heavy ball (Polyak 1964): v ← μ·v − lr·dx; x ← x + v. */
export function momentum(learningRate: Hyper, mu: Hyper = 0.9) {
  return withHyper({ learningRate, momentum: mu }, (x) => ({ velocity: P.zerosLike(x) }), (g, b, h) => {
    const [velocity] = P.perTensor('momentum', [b.velocity, g], (vd, gd) => [velocityKernel(vd, gd, h.momentum, h.learningRate)])
    return [velocity, { velocity }]
  }, {
    tensors: ['velocity'],
    rule: (o, { g, buffers: b, scalars: s }) => {
      const v = o.sub(o.mul(s['momentum']!, b['velocity']!), o.mul(s['learningRate']!, g))
      return { u: v, buffers: { velocity: v } }
    },
  })
}

/** v ← μ·v − lr·dx (a fresh array) */
function velocityKernel(v0: Float64Array, g: Float64Array, mu: number, lr: number): Float64Array {
  const v = new Float64Array(g.length)
  for (let i = 0; i < v.length; i++) v[i] = mu * v0[i]! - lr * g[i]!
  return v
}

/**
 * Nesterov momentum (Nesterov 1983; Sutskever et al. 2013) in the look-ahead form of Bengio et
 * al. 2012 used by the lecture: v_prev ← v; v ← μ·v − lr·dx; x ← x − μ·v_prev + (1+μ)·v.
 * The gradient is taken at the stored x, which stands for the look-ahead point.
 */
export function nesterov(learningRate: Hyper, mu: Hyper = 0.9) {
  return withHyper({ learningRate, momentum: mu }, (x) => ({ velocity: P.zerosLike(x) }), (g, b, h) => {
    const [velocity, u] = P.perTensor('nesterov', [b.velocity, g], (vd, gd) => nesterovKernel(vd, gd, h.momentum, h.learningRate))
    return [u, { velocity }]
  }, {
    tensors: ['velocity'],
    feed: (h) => ({ scalars: { mu: h.momentum, negMu: -h.momentum, k: 1 + h.momentum, learningRate: h.learningRate } }),
    rule: (o, { g, buffers: b, scalars: s }) => {
      const p = b['velocity']!
      const v = o.sub(o.mul(s['mu']!, p), o.mul(s['learningRate']!, g))
      return { u: o.add(o.mul(s['negMu']!, p), o.mul(s['k']!, v)), buffers: { velocity: v } }
    },
  })
}

/** v ← μ·v_prev − lr·dx; u = −μ·v_prev + (1+μ)·v, in one pass. */
function nesterovKernel(vPrev: Float64Array, g: Float64Array, mu: number, lr: number): [Float64Array, Float64Array] {
  const v = new Float64Array(g.length)
  const u = new Float64Array(g.length)
  const k = 1 + mu
  for (let i = 0; i < u.length; i++) {
    const p = vPrev[i]!
    const vi = mu * p - lr * g[i]!
    v[i] = vi
    u[i] = -mu * p + k * vi
  }
  return [v, u]
}

/** AdaGrad (Duchi, Hazan & Singer 2011): cache += dx²; x ← x − lr·dx/(√cache + ε). */
export function adagrad(learningRate: Hyper, o: { eps?: Hyper; initialAccumulator?: number } = {}) {
  return chain(scaleByRss(o), scaleByLearningRate(learningRate))
}

/** RMSProp (Tieleman & Hinton 2012): cache ← ρ·cache + (1−ρ)·dx²; x ← x − lr·dx/(√cache + ε). */
export function rmsprop(learningRate: Hyper, o: { decay?: Hyper; eps?: Hyper } = {}) {
  return chain(scaleByRms(o), scaleByLearningRate(learningRate))
}

/** Adam (Kingma & Ba 2015) with bias correction: x ← x − lr·m̂/(√v̂ + ε). */
export function adam(learningRate: Hyper = 1e-3, o: AdamOptions = {}) {
  return chain(scaleByAdam(o), scaleByLearningRate(learningRate))
}

/** AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, x ← x − lr·(m̂/(√v̂+ε) + wd·x). */
export function adamw(learningRate: Hyper, weightDecay: Hyper = 1e-4, o: AdamOptions = {}) {
  return chain(scaleByAdam(o), addDecayedWeights(weightDecay), scaleByLearningRate(learningRate))
}
