/**
 * chain (associativity, identity), schedules (closed forms, monotonicity), hyperparameters given
 * as schedules and read back from the state, clipping and weight decay.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as T from '../src/core/Tensor.js'
import type { AnyGradientTransformation, StatesOf } from '../src/optim/GradientTransformation.js'
import { chain, currentLearningRate, hyperparamsOf, identity, step } from '../src/optim/GradientTransformation.js'
import * as P from '../src/optim/params.js'
import type { Params } from '../src/optim/params.js'
import * as Sc from '../src/optim/schedules.js'
import { addDecayedWeights, clipByGlobalNorm, scale, scaleByAdam, scaleByLearningRate, scaleByRms, scaleByRss } from '../src/optim/transforms.js'
import { adam, momentum, nesterov, sgd } from '../src/optim/aliases.js'

const pool: (() => AnyGradientTransformation)[] = [
  () => scale(-0.3),
  () => clipByGlobalNorm(0.7),
  () => scaleByAdam(),
  () => scaleByRms({ decay: 0.8 }),
  () => scaleByRss(),
  () => addDecayedWeights(0.1),
  () => momentum(0.1, 0.9),
  () => scaleByLearningRate(Sc.inverseTimeDecay(0.5, 0.3)),
]

const gradArb = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 5, maxLength: 5 })
const toParams = (v: readonly number[]): Params => ({ a: T.of([v[0]!, v[1]!]), b: T.of([[v[2]!, v[3]!, v[4]!]]) })

function updates(opt: AnyGradientTransformation, x0: Params, grads: readonly Params[]): Params[] {
  let s = opt.init(x0)
  let x = x0
  const out: Params[] = []
  for (const g of grads) {
    const [u, s2] = opt.update(g, s, x)
    out.push(u)
    s = s2
    x = P.add(x, u)
  }
  return out
}

describe('chain', () => {
  it('is associative: chain(chain(a,b),c) ≡ chain(a,chain(b,c)) ≡ chain(a,b,c), update for update', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.nat(pool.length - 1), fc.nat(pool.length - 1), fc.nat(pool.length - 1)),
        gradArb,
        fc.array(gradArb, { minLength: 1, maxLength: 4 }),
        ([i, j, k], x0, gs) => {
          const [a, b, c] = [pool[i]!, pool[j]!, pool[k]!]
          const x = toParams(x0)
          const grads = gs.map(toParams)
          const left = updates(chain(chain(a(), b()), c()), x, grads)
          const right = updates(chain(a(), chain(b(), c())), x, grads)
          const flat = updates(chain(a(), b(), c()), x, grads)
          left.forEach((u, n) => {
            expect(P.equal(u, right[n]!)).toBe(true)
            expect(P.equal(u, flat[n]!)).toBe(true)
          })
        },
      ),
      { numRuns: 150 },
    )
  })

  it('has identity() as a unit on both sides', () => {
    fc.assert(
      fc.property(fc.nat(pool.length - 1), gradArb, fc.array(gradArb, { minLength: 1, maxLength: 3 }), (i, x0, gs) => {
        const x = toParams(x0)
        const grads = gs.map(toParams)
        const plain = updates(pool[i]!(), x, grads)
        const l = updates(chain(identity(), pool[i]!()), x, grads)
        const r = updates(chain(pool[i]!(), identity()), x, grads)
        plain.forEach((u, n) => expect(P.equal(u, l[n]!) && P.equal(u, r[n]!)).toBe(true))
      }),
      { numRuns: 60 },
    )
  })

  it('keeps a typed tuple of states', () => {
    const opt = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(0.1))
    const s = opt.init({ w: T.zeros([2]) })
    const lastNorm: number = s[0].lastNorm
    const m: Params = s[1].m
    const lr: number = s[2].hyperparams.learningRate
    // @ts-expect-error the clipping state has no `m`
    void s[0].m
    const first: StatesOf<[ReturnType<typeof clipByGlobalNorm>]>[0] = s[0]
    expect([lastNorm, P.count(m), lr, first.count]).toEqual([0, 2, 0.1, 0])
  })
})

describe('schedules', () => {
  const ts = Array.from({ length: 60 }, (_, t) => t)
  it('match their closed forms', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 1, noNaN: true }), fc.double({ min: 0.05, max: 0.99, noNaN: true }), fc.integer({ min: 1, max: 20 }), (lr0, r, k) => {
        for (const t of ts) {
          expect(Sc.constant(lr0)(t)).toBe(lr0)
          expect(Sc.stepDecay(lr0, r, k)(t)).toBeCloseTo(lr0 * r ** Math.floor(t / k), 14)
          expect(Sc.exponentialDecay(lr0, r, k)(t)).toBeCloseTo(lr0 * Math.exp((t / k) * Math.log(r)), 14)
          expect(Sc.exponentialDecay(lr0, r, k, true)(t)).toBe(Sc.stepDecay(lr0, r, k)(t))
          expect(Sc.inverseTimeDecay(lr0, r)(t)).toBeCloseTo(lr0 / (1 + r * t), 14)
        }
      }),
      { numRuns: 100 },
    )
    expect([0, 9, 10, 19, 20].map(Sc.stepDecay(0.1, 0.5, 10))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025])
    expect(Sc.inverseTimeDecay(1, 1)(3)).toBe(0.25)
  })

  it('decay monotonically: strictly for exponential and 1/t, stepwise for step decay', () => {
    const strict = [Sc.exponentialDecay(0.1, 0.9, 3), Sc.inverseTimeDecay(0.1, 0.5)]
    const weak = [Sc.stepDecay(0.1, 0.5, 7), Sc.exponentialDecay(0.1, 0.9, 3, true), Sc.constant(0.1)]
    for (const s of strict) for (const t of ts.slice(1)) expect(s(t)).toBeLessThan(s(t - 1))
    for (const s of weak) for (const t of ts.slice(1)) expect(s(t)).toBeLessThanOrEqual(s(t - 1))
    const up = Sc.linearWarmup(0, 0.1, 10)
    for (const t of ts.slice(1)) expect(up(t)).toBeGreaterThanOrEqual(up(t - 1))
  })

  it('drive any hyperparameter, and the state shows the values used by the last update', () => {
    const lr = Sc.inverseTimeDecay(0.2, 1)
    const opt = sgd(lr)
    const x0 = { w: T.of([1, -1]) }
    let s = opt.init(x0)
    expect(currentLearningRate(s)).toBe(0.2)
    let x: Params = x0
    for (let t = 0; t < 4; t++) {
      const g = { w: T.of([1, 2]) }
      const [u, s2] = opt.update(g, s, x)
      expect(Array.from(u['w']!.data)).toEqual([-lr(t), -2 * lr(t)])
      s = s2
      x = P.add(x, u)
      expect(currentLearningRate(s)).toBe(lr(t))
      expect(s.count).toBe(t + 1)
    }
    const a = adam(Sc.stepDecay(1e-3, 0.1, 2), { b1: Sc.constant(0.8) })
    let sa = a.init(x0)
    for (let t = 0; t < 3; t++) [, sa] = step(a, x0, { w: T.of([1, 1]) }, sa)
    expect(hyperparamsOf(sa)).toEqual({ b1: 0.8, b2: 0.999, eps: 1e-8, learningRate: 1e-4 })
    const n = nesterov(0.1, (t) => Math.min(0.99, 0.5 + 0.1 * t))
    let sn = n.init(x0)
    for (let t = 0; t < 3; t++) [, sn] = step(n, x0, { w: T.of([1, 1]) }, sn)
    expect(sn.hyperparams).toEqual({ learningRate: 0.1, momentum: 0.7 })
    expect(currentLearningRate(clipByGlobalNorm(1).init(x0))).toBeUndefined()
  })
})

describe('clipByGlobalNorm and addDecayedWeights', () => {
  it('clipping caps the global norm, keeps the direction, and leaves small gradients alone', () => {
    fc.assert(
      fc.property(gradArb, fc.double({ min: 0.01, max: 20, noNaN: true }), (v, c) => {
        const g = toParams(v)
        const clip = clipByGlobalNorm(c)
        const [u, s] = clip.update(g, clip.init(g), g)
        const n = P.globalNorm(g)
        expect(s.lastNorm).toBe(n)
        if (n <= c) expect(P.equal(u, g)).toBe(true)
        else {
          expect(Math.abs(P.globalNorm(u) - c)).toBeLessThan(1e-12 * c)
          expect(P.dot(u, g)).toBeCloseTo(c * n, 8)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('weight decay adds wd·x to the gradient', () => {
    const x = { w: T.of([2, -4]) }
    const wd = addDecayedWeights(0.5)
    const [u] = wd.update({ w: T.of([1, 1]) }, wd.init(x), x)
    expect(Array.from(u['w']!.data)).toEqual([2, -1])
  })

  it('structure mismatches between grads and params throw an error naming the key', () => {
    const x = { w: T.of([1, 2]) }
    const opt = momentum(0.1)
    expect(() => opt.update({ v: T.of([1, 2]) }, opt.init(x), x)).toThrow(/momentum: key 'w' is missing.*keys: v/)
    expect(() => opt.update({ w: T.of([1, 2, 3]) }, opt.init(x), x)).toThrow(/key 'w' has shape \[2\].*\[3\]/)
  })
})
