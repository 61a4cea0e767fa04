/**
 * Update rules: hand-computed steps, trajectories against independent implementations of the
 * formulas, and the laws (each optimizer decreases the loss on every problem, momentum(μ=0) ≡ SGD,
 * a zero gradient from rest is a fixed point, Adam's first step ≈ lr per coordinate, purity).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { freeze } from 'immer'
import * as T from '../src/core/Tensor.js'
import type { AnyGradientTransformation } from '../src/optim/GradientTransformation.js'
import { applyUpdates, step } from '../src/optim/GradientTransformation.js'
import * as P from '../src/optim/params.js'
import type { Params } from '../src/optim/params.js'
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from '../src/optim/aliases.js'
import { clipByGlobalNorm } from '../src/optim/transforms.js'
import { chain } from '../src/optim/GradientTransformation.js'
import { bowl, multiKey, rosenbrock, snapshot, type Problem } from './optim-fixtures.js'

type Opt = AnyGradientTransformation

/** Runs `opt` for `n` steps on a problem, returning the iterates' losses and the last params. */
function run(opt: Opt, pb: Problem, n: number): { losses: number[]; params: Params; trail: Params[] } {
  let x = pb.x0
  let s = opt.init(x)
  const losses = [pb.objective(x)[0]]
  const trail = [x]
  for (let i = 0; i < n; i++) {
    const [, g] = pb.objective(x)
    ;[x, s] = step(opt, x, g, s)
    losses.push(pb.objective(x)[0])
    trail.push(x)
  }
  return { losses, params: x, trail }
}

// ── independent implementations of the formulas, over plain number arrays ──
type Ref = (x: number[], g: number[], s: Record<string, number[]>, t: number) => number[]
const refs: Record<string, (lr: number) => Ref> = {
  sgd: (lr) => (x, g) => x.map((xi, i) => xi - lr * g[i]!),
  momentum: (lr) => (x, g, s) => {
    s['v'] = s['v']!.map((v, i) => 0.9 * v - lr * g[i]!)
    return x.map((xi, i) => xi + s['v']![i]!)
  },
  nesterov: (lr) => (x, g, s) => {
    const vPrev = s['v']!
    s['v'] = vPrev.map((v, i) => 0.9 * v - lr * g[i]!)
    return x.map((xi, i) => xi - 0.9 * vPrev[i]! + 1.9 * s['v']![i]!)
  },
  adagrad: (lr) => (x, g, s) => {
    s['c'] = s['c']!.map((c, i) => c + g[i]! ** 2)
    return x.map((xi, i) => xi - (lr * g[i]!) / (Math.sqrt(s['c']![i]!) + 1e-8))
  },
  rmsprop: (lr) => (x, g, s) => {
    s['c'] = s['c']!.map((c, i) => 0.9 * c + 0.1 * g[i]! ** 2)
    return x.map((xi, i) => xi - (lr * g[i]!) / (Math.sqrt(s['c']![i]!) + 1e-8))
  },
  adam: (lr) => (x, g, s, t) => {
    s['m'] = s['m']!.map((m, i) => 0.9 * m + 0.1 * g[i]!)
    s['v'] = s['v']!.map((v, i) => 0.999 * v + 0.001 * g[i]! ** 2)
    return x.map((xi, i) => {
      const mh = s['m']![i]! / (1 - 0.9 ** t)
      const vh = s['v']![i]! / (1 - 0.999 ** t)
      return xi - (lr * mh) / (Math.sqrt(vh) + 1e-8)
    })
  },
}
const ours: Record<string, (lr: number) => Opt> = {
  sgd: (lr) => sgd(lr),
  momentum: (lr) => momentum(lr, 0.9),
  nesterov: (lr) => nesterov(lr, 0.9),
  adagrad: (lr) => adagrad(lr),
  rmsprop: (lr) => rmsprop(lr, { decay: 0.9 }),
  adam: (lr) => adam(lr),
}

describe('hand-computed steps: x = [1, 2], g₁ = [0.5, −1], g₂ = [1, 1], lr = 0.1, μ = 0.9, ρ = 0.9', () => {
  const expected: Record<string, [number[], number[]]> = {
    sgd: [[0.95, 2.1], [0.85, 2.0]],
    momentum: [[0.95, 2.1], [0.805, 2.09]],
    nesterov: [[0.905, 2.19], [0.6745, 2.081]],
    adagrad: [[0.9, 2.1], [0.8105572809000084, 2.0292893218813455]],
    rmsprop: [[0.683772234, 2.316227766], [NaN, NaN]],
    adam: [[0.900000002, 2.099999999], [0.8034818006385094, 2.0947368411578946]],
  }
  for (const name of Object.keys(ours)) {
    it(name, () => {
      const opt = ours[name]!(0.1)
      const x0 = { w: T.of([1, 2]) }
      const [x1, s1] = step(opt, x0, { w: T.of([0.5, -1]) }, opt.init(x0))
      const [x2] = step(opt, x1, { w: T.of([1, 1]) }, s1)
      const [e1, e2] = expected[name]!
      e1.forEach((v, i) => expect(x1['w']!.data[i]).toBeCloseTo(v, 7))
      if (!Number.isNaN(e2[0]!)) e2.forEach((v, i) => expect(x2['w']!.data[i]).toBeCloseTo(v, 7))
    })
  }
})

describe('trajectories equal the formulas implemented independently (Rosenbrock, 50 steps)', () => {
  const lrs: Record<string, number> = { sgd: 1e-3, momentum: 1e-4, nesterov: 1e-4, adagrad: 0.1, rmsprop: 1e-3, adam: 0.01 }
  for (const name of Object.keys(ours)) {
    it(name, () => {
      const pb = rosenbrock()
      const ourTrail = run(ours[name]!(lrs[name]!), pb, 50).trail
      const ref = refs[name]!(lrs[name]!)
      let x = Array.from(pb.x0['w']!.data)
      const s: Record<string, number[]> = { v: [0, 0], c: [0, 0], m: [0, 0] }
      for (let t = 1; t <= 50; t++) {
        const g = Array.from(pb.objective({ w: T.of(x) })[1]['w']!.data)
        x = ref(x, g, s, t)
        expect(T.maxRelError(ourTrail[t]!['w']!, T.of(x))).toBeLessThan(1e-12)
      }
    })
  }
})

const table: { name: string; make: (pb: string) => Opt }[] = [
  { name: 'sgd', make: (pb) => sgd(pb === 'rosenbrock' ? 1e-3 : 0.015) },
  { name: 'momentum', make: (pb) => momentum(pb === 'rosenbrock' ? 1e-4 : 0.005, 0.9) },
  { name: 'nesterov', make: (pb) => nesterov(pb === 'rosenbrock' ? 1e-4 : 0.005, 0.9) },
  { name: 'adagrad', make: (pb) => adagrad(pb === 'rosenbrock' ? 0.1 : 0.5) },
  { name: 'rmsprop', make: (pb) => rmsprop(pb === 'rosenbrock' ? 1e-3 : 0.01) },
  { name: 'adam', make: (pb) => adam(pb === 'rosenbrock' ? 0.01 : 0.05) },
  { name: 'adamw', make: (pb) => adamw(pb === 'rosenbrock' ? 0.01 : 0.05, 1e-4) },
  { name: 'clip+momentum', make: (pb) => chain(clipByGlobalNorm(1), momentum(pb === 'rosenbrock' ? 1e-3 : 0.005, 0.9)) },
]
const problems = [bowl(1, 100), rosenbrock(), multiKey()]

describe('every optimizer decreases the loss at least 5× on every problem (300 steps)', () => {
  for (const pb of problems)
    for (const o of table)
      it(`${o.name} on ${pb.name}`, () => {
        const { losses } = run(o.make(pb.name === 'rosenbrock' ? 'rosenbrock' : 'other'), pb, 300)
        expect(losses.every(Number.isFinite)).toBe(true)
        expect(losses[300]!).toBeLessThan(0.2 * losses[0]!)
      })
})

describe('laws', () => {
  it('momentum(μ=0) and nesterov(μ=0) equal SGD, step for step', () => {
    for (const pb of problems)
      for (const lr of [1e-4, 5e-4, 1e-3]) {
        const a = run(sgd(lr), pb, 30).trail
        const b = run(momentum(lr, 0), pb, 30).trail
        const c = run(nesterov(lr, 0), pb, 30).trail
        a.forEach((x, i) => {
          expect(P.equal(x, b[i]!)).toBe(true)
          expect(P.maxRelError(x, c[i]!)).toBeLessThan(1e-15)
        })
      }
  })

  it('a zero gradient from rest is a fixed point of every optimizer', () => {
    for (const pb of problems)
      for (const o of table) {
        const opt = o.make('other')
        let x = pb.x0
        let s = opt.init(x)
        for (let i = 0; i < 5; i++) [x, s] = step(opt, x, P.zerosLike(x), s)
        if (o.name === 'adamw') expect(P.maxRelError(x, pb.x0, 1)).toBeLessThan(1e-3) // decay pulls toward 0
        else expect(P.equal(x, pb.x0)).toBe(true)
      }
  })

  it("Adam's first step has magnitude ≈ lr in every coordinate", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.double({ min: 1e-4, max: 1, noNaN: true }),
        (mags, signs, lr) => {
          const g = T.of(mags.map((m, i) => (signs[i] ? m : -m)))
          const x = { w: T.zeros([mags.length]) }
          const opt = adam(lr)
          const [u] = opt.update({ w: g }, opt.init(x), x)
          u['w']!.data.forEach((ui, i) => {
            expect(Math.abs(Math.abs(ui) - lr) / lr).toBeLessThan(1e-4)
            expect(Math.sign(ui)).toBe(-Math.sign(g.data[i]!))
          })
        },
      ),
      { numRuns: 100 },
    )
  })

  it('update is pure: deep-frozen inputs, data unchanged byte for byte, same result twice', () => {
    for (const o of table) {
      const pb = multiKey()
      const opt = o.make('other')
      let x = pb.x0
      let s = opt.init(x)
      for (let i = 0; i < 3; i++) [x, s] = step(opt, x, pb.objective(x)[1], s) // non-trivial state
      const g = pb.objective(x)[1]
      freeze(x, true)
      freeze(g, true)
      freeze(s, true)
      const before = snapshot([x, g, s])
      const [u1, s1] = opt.update(g, s, x)
      const [u2, s2] = opt.update(g, s, x)
      const x1 = applyUpdates(x, u1)
      expect(snapshot([x, g, s])).toEqual(before)
      expect(P.equal(u1, u2)).toBe(true)
      expect(snapshot(s1)).toEqual(snapshot(s2))
      expect(P.isFinite(x1)).toBe(true)
      expect(JSON.parse(JSON.stringify(s1, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v)))).toBeTruthy()
    }
  })

  it('states are plain data: objects, arrays, numbers and Tensors only, surviving a JSON round trip', () => {
    const isPlain = (v: unknown): boolean => {
      if (typeof v === 'number') return true
      if (Array.isArray(v)) return v.every(isPlain)
      if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false
      const r = v as Record<string, unknown>
      if (r['data'] instanceof Float64Array) return Array.isArray(r['shape']) && Object.keys(r).length === 2
      return Object.values(r).every(isPlain)
    }
    const toJson = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (x instanceof Float64Array ? Array.from(x) : x))
    for (const o of table) {
      const pb = multiKey()
      const opt = o.make('other')
      let x = pb.x0
      let s = opt.init(x)
      expect(isPlain(s)).toBe(true)
      for (let i = 0; i < 3; i++) [x, s] = step(opt, x, pb.objective(x)[1], s)
      expect(isPlain(s)).toBe(true)
      // revive: tensors come back with Float64Array data and give the same next update
      const revived = JSON.parse(toJson(s), (_k, v: unknown) =>
        v !== null && typeof v === 'object' && 'data' in v && 'shape' in v ? { shape: (v as { shape: number[] }).shape, data: Float64Array.from((v as { data: number[] }).data) } : v)
      const g = pb.objective(x)[1]
      expect(P.equal(opt.update(g, revived, x)[0], opt.update(g, s, x)[0])).toBe(true)
    }
  })
})
