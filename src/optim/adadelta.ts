/**
 * Adadelta (Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method", Algorithm 1; defaults
 * ρ = 0.95, ε = 1e-6 from the paper's experiments):
 *   E[g²] ← ρ·E[g²] + (1−ρ)·g²
 *   Δx    = −(√(E[Δx²] + ε) / √(E[g²] + ε))·g
 *   E[Δx²] ← ρ·E[Δx²] + (1−ρ)·Δx²
 * The step's units come from the running RMS of past steps, so the paper needs no learning rate;
 * here the learning rate scales Δx as in every kind (1 gives the paper's rule, as optax does).
 * The record below is the whole of it: the registry lists it, and the laws, configs, --help and
 * checkpoints follow.
 */
import { hyperDomains as D } from './domains.js'
import * as P from './params.js'
import { chain } from './GradientTransformation.js'
import { defineOptimizer } from './OptimizerDef.js'
import type { Hyper } from './schedules.js'
import { scaleByLearningRate, withHyper } from './transforms.js'

/** u = √(E[Δx²] + ε)/√(E[g²] + ε)·g (the paper's −Δx), with both running averages in the state. */
export function scaleByAdadelta(o: { rho?: Hyper; eps?: Hyper } = {}) {
  return withHyper({ rho: o.rho ?? 0.95, eps: o.eps ?? 1e-6 }, (x) => ({ gradSq: P.zerosLike(x), stepSq: P.zerosLike(x) }), (g, b, h) => {
    const [gradSq, stepSq, u] = P.perTensor('Adadelta', [b.gradSq, g, b.stepSq], (ed, gd, sd) => adadeltaKernel(ed, gd, sd, h.rho, h.eps))
    return [u, { gradSq, stepSq }]
  }, {
    tensors: ['gradSq', 'stepSq'],
    feed: (h) => ({ scalars: { rho: h.rho, a: 1 - h.rho, eps: h.eps } }),
    // adadeltaKernel's operations in its order
    rule: (o, { g, buffers: b, scalars: s }) => {
      const e = o.add(o.mul(s['rho']!, b['gradSq']!), o.mul(o.mul(s['a']!, g), g))
      const step = o.mul(o.div(o.sqrt(o.add(b['stepSq']!, s['eps']!)), o.sqrt(o.add(e, s['eps']!))), g)
      return { u: step, buffers: { gradSq: e, stepSq: o.add(o.mul(s['rho']!, b['stepSq']!), o.mul(o.mul(s['a']!, step), step)) } }
    },
  })
}

/** The new E[g²], E[Δx²] and u in one pass. */
function adadeltaKernel(eg0: Float64Array, g: Float64Array, ex0: Float64Array, rho: number, eps: number): [Float64Array, Float64Array, Float64Array] {
  const eg = new Float64Array(g.length)
  const ex = new Float64Array(g.length)
  const u = new Float64Array(g.length)
  const a = 1 - rho
  for (let i = 0; i < u.length; i++) {
    const d = g[i]!
    const e = rho * eg0[i]! + a * d * d
    const step = (Math.sqrt(ex0[i]! + eps) / Math.sqrt(e + eps)) * d
    eg[i] = e
    ex[i] = rho * ex0[i]! + a * step * step
    u[i] = step
  }
  return [eg, ex, u]
}

/** Adadelta: x ← x − lr·√(E[Δx²] + ε)/√(E[g²] + ε)·dx (lr = 1 is the paper's). */
export function adadelta(learningRate: Hyper = 1, o: { rho?: Hyper; eps?: Hyper } = {}) {
  return chain(scaleByAdadelta(o), scaleByLearningRate(learningRate))
}

/** The `adadelta` optimizer record. */
export const adadeltaDef = defineOptimizer({
  name: 'adadelta', summary: 'x ← x − lr·√(E[Δx²]+ε)/√(E[g²]+ε)·dx (lr = 1: the paper)',
  hyper: { rho: D.rho!, eps: D.eps! }, defaults: { rho: 0.95, eps: 1e-6 },
  build: (lr, h) => adadelta(lr, { rho: h.rho, eps: h.eps }),
})
