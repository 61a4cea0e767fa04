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
    const velocity = P.zipWith(b.velocity, g, (v, d) => h.momentum * v - h.learningRate * d, 'momentum')
    return [velocity, { velocity }]
  })
}

/**
 * Nesterov momentum (Nesterov 1983; Sutskever et al. 2013) in the look-ahead form of Bengio et
 * al. 2012 used by the lecture: v_prev ← v; v ← μ·v − lr·dx; x ← x − μ·v_prev + (1+μ)·v.
 * The gradient is taken at the stored x, which stands for the look-ahead point.
 */
export function nesterov(learningRate: Hyper, mu: Hyper = 0.9) {
  return withHyper({ learningRate, momentum: mu }, (x) => ({ velocity: P.zerosLike(x) }), (g, b, h) => {
    const velocity = P.zipWith(b.velocity, g, (v, d) => h.momentum * v - h.learningRate * d, 'nesterov')
    const u = P.zipWith(b.velocity, velocity, (vPrev, v) => -h.momentum * vPrev + (1 + h.momentum) * v)
    return [u, { velocity }]
  })
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
