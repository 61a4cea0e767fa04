/**
 * The classic optimizers (aliases.ts) as records: the hyperparameters each takes besides the
 * learning rate, their defaults (the papers'), and the builder. The registry list is registry.ts.
 */
import { hyperDomains as D } from './domains.js'
import { defineOptimizer } from './OptimizerDef.js'
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from './aliases.js'

const adamHyper = { b1: D.b1!, b2: D.b2!, eps: D.eps! }
const adamDefaults = { b1: 0.9, b2: 0.999, eps: 1e-8 }

/** The `sgd` optimizer record. */
export const sgdDef = defineOptimizer({
  name: 'sgd', summary: 'x ← x − lr·dx',
  hyper: {}, defaults: {},
  build: (lr) => sgd(lr),
})

/** The `momentum` optimizer record. */
export const momentumDef = defineOptimizer({
  name: 'momentum', summary: 'v ← μ·v − lr·dx; x ← x + v',
  hyper: { momentum: D.momentum! }, defaults: { momentum: 0.9 },
  build: (lr, h) => momentum(lr, h.momentum),
})

/** The `nesterov` optimizer record. */
export const nesterovDef = defineOptimizer({
  name: 'nesterov', summary: 'Nesterov momentum, look-ahead form',
  hyper: { momentum: D.momentum! }, defaults: { momentum: 0.9 },
  build: (lr, h) => nesterov(lr, h.momentum),
})

/** The `adagrad` optimizer record. */
export const adagradDef = defineOptimizer({
  name: 'adagrad', summary: 'cache += dx²; x ← x − lr·dx/(√cache + ε)',
  hyper: { eps: D.eps! }, defaults: { eps: 1e-8 },
  build: (lr, h) => adagrad(lr, { eps: h.eps }),
})

/** The `rmsprop` optimizer record. */
export const rmspropDef = defineOptimizer({
  name: 'rmsprop', summary: 'cache ← ρ·cache + (1−ρ)·dx²; x ← x − lr·dx/(√cache + ε)',
  hyper: { decay: D.decay!, eps: D.eps! }, defaults: { decay: 0.99, eps: 1e-8 },
  build: (lr, h) => rmsprop(lr, { decay: h.decay, eps: h.eps }),
})

/** The `adam` optimizer record. */
export const adamDef = defineOptimizer({
  name: 'adam', summary: 'bias-corrected moments: x ← x − lr·m̂/(√v̂ + ε)',
  hyper: adamHyper, defaults: adamDefaults,
  build: (lr, h) => adam(lr, { b1: h.b1, b2: h.b2, eps: h.eps }),
})

/** The `adamw` optimizer record. */
export const adamwDef = defineOptimizer({
  name: 'adamw', summary: 'Adam with decoupled weight decay: x ← x − lr·(m̂/(√v̂+ε) + wd·x)',
  hyper: { ...adamHyper, weightDecay: D.weightDecay! }, defaults: { ...adamDefaults, weightDecay: 1e-4 },
  build: (lr, h) => adamw(lr, h.weightDecay, { b1: h.b1, b2: h.b2, eps: h.eps }),
  zeroGradientMoves: 'decoupled weight decay shrinks x by lr·wd·x even where the gradient is zero',
})
