/**
 * The one-pass update loops (Params.perTensor and the per-rule kernels) against the rules written
 * elementwise with Params.zipWith, one formula per pass: bit for bit, updates and states, over
 * random multi-key records and several steps (so the state buffers feed back). Also perTensor's
 * own contract: structure errors naming the place, fresh outputs, an empty record.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
import { applyUpdates } from '../src/optim/GradientTransformation.js'
import type { AnyGradientTransformation } from '../src/optim/GradientTransformation.js'
import * as P from '../src/optim/params.js'
import type { Params } from '../src/optim/params.js'
import { adagrad, adam, adamw, momentum, nesterov, rmsprop } from '../src/optim/aliases.js'
import { emaAverage, polyakAverage } from '../src/optim/averaging.js'
import { arraysIn } from './optim-fixtures.js'

const bits = (v: unknown): string[] => arraysIn(v).map((a) => Array.from(a, (x) => (Object.is(x, -0) ? '-0' : String(x))).join(','))

// ── the rules, one closure pass per formula (the reference) ──
type Ref = (g: Params, s: Record<string, Params>, x: Params, t: number) => Params
const lr = 0.05
const mu = 0.9
const refs: Record<string, { make: () => AnyGradientTransformation; state: (x: Params) => Record<string, Params>; step: Ref }> = {
  momentum: {
    make: () => momentum(lr, mu), state: (x) => ({ v: P.zerosLike(x) }),
    step: (g, s) => (s['v'] = P.zipWith(s['v']!, g, (v, d) => mu * v - lr * d)),
  },
  nesterov: {
    make: () => nesterov(lr, mu), state: (x) => ({ v: P.zerosLike(x) }),
    step: (g, s) => {
      const prev = s['v']!
      s['v'] = P.zipWith(prev, g, (v, d) => mu * v - lr * d)
      return P.zipWith(prev, s['v'], (p, v) => -mu * p + (1 + mu) * v)
    },
  },
  adagrad: {
    make: () => adagrad(lr), state: (x) => ({ c: P.zerosLike(x) }),
    step: (g, s) => {
      s['c'] = P.zipWith(s['c']!, g, (c, d) => c + d * d)
      return P.scale(P.zipWith(g, s['c'], (d, c) => d / (Math.sqrt(c) + 1e-8)), -lr)
    },
  },
  rmsprop: {
    make: () => rmsprop(lr, { decay: 0.9 }), state: (x) => ({ c: P.zerosLike(x) }),
    step: (g, s) => {
      s['c'] = P.zipWith(s['c']!, g, (c, d) => 0.9 * c + (1 - 0.9) * d * d)
      return P.scale(P.zipWith(g, s['c'], (d, c) => d / (Math.sqrt(c) + 1e-8)), -lr)
    },
  },
  adam: {
    make: () => adam(lr), state: (x) => ({ m: P.zerosLike(x), v: P.zerosLike(x) }),
    step: (g, s, _x, t) => {
      s['m'] = P.zipWith(s['m']!, g, (m, d) => 0.9 * m + (1 - 0.9) * d)
      s['v'] = P.zipWith(s['v']!, g, (v, d) => 0.999 * v + (1 - 0.999) * d * d)
      const [c1, c2] = debias(t)
      return P.scale(P.zipWith(s['m'], s['v'], (m, v) => m / c1 / (Math.sqrt(v / c2) + 1e-8)), -lr)
    },
  },
  adamw: {
    make: () => adamw(lr, 0.01), state: (x) => ({ m: P.zerosLike(x), v: P.zerosLike(x) }),
    step: (g, s, x, t) => {
      s['m'] = P.zipWith(s['m']!, g, (m, d) => 0.9 * m + (1 - 0.9) * d)
      s['v'] = P.zipWith(s['v']!, g, (v, d) => 0.999 * v + (1 - 0.999) * d * d)
      const [c1, c2] = debias(t)
      const u = P.zipWith(s['m'], s['v'], (m, v) => m / c1 / (Math.sqrt(v / c2) + 1e-8))
      return P.scale(P.zipWith(u, x, (ui, xi) => ui + 0.01 * xi), -lr)
    },
  },
}

/** 1−β1ᵗ and 1−β2ᵗ with the powers formed as running products, as Adam's state keeps them. */
function debias(t: number): [number, number] {
  let p1 = 1
  let p2 = 1
  for (let i = 0; i < t; i++) [p1, p2] = [p1 * 0.9, p2 * 0.999]
  return [1 - p1, 1 - p2]
}

const shapes: Record<string, number[]> = { W: [3, 2], b: [2], c: [] }
const recordArb = (lo: number, hi: number): fc.Arbitrary<Params> =>
  fc.record(Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k,
    fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: T.size(T.zeros(s)), maxLength: T.size(T.zeros(s)) })
      .map((a): Tensor => T.make(s, a))])))

describe('one-pass rules equal the elementwise formulas bit for bit', () => {
  for (const [name, r] of Object.entries(refs))
    it(name, () => {
      fc.assert(
        fc.property(recordArb(-3, 3), fc.array(recordArb(-10, 10), { minLength: 1, maxLength: 6 }), (x0, gs) => {
          const opt = r.make()
          let s = opt.init(x0)
          let x = x0
          let xr = x0
          const sr = r.state(x0)
          gs.forEach((g, i) => {
            const [u, s2] = opt.update(g, s, x)
            const ur = r.step(g, sr, xr, i + 1)
            expect(bits(u)).toEqual(bits(ur))
            x = applyUpdates(x, u)
            xr = P.zipWith(xr, ur, (a, b) => a + b)
            s = s2
          })
          expect(bits(x)).toEqual(bits(xr))
          const buffers = arraysIn(s)
          expect(buffers.map((a) => a.length)).toEqual(arraysIn(Object.values(sr)).map((a) => a.length))
        }),
        { numRuns: 40 },
      )
    })

  it('polyak and EMA averages', () => {
    fc.assert(
      fc.property(recordArb(-3, 3), fc.array(recordArb(-3, 3), { minLength: 1, maxLength: 5 }), (x0, xs) => {
        const pa = polyakAverage()
        const ea = emaAverage(0.8)
        let ps = pa.init(x0)
        let es = ea.init(x0)
        let pr = x0
        let er = x0
        xs.forEach((x, i) => {
          ps = pa.update(x, ps)
          es = ea.update(x, es)
          pr = P.zipWith(pr, x, (a, y) => a + (y - a) / (i + 2))
          er = P.zipWith(er, x, (a, y) => 0.8 * a + (1 - 0.8) * y)
        })
        expect(bits(pa.average(ps))).toEqual(bits(pr))
        expect(bits(ea.average(es))).toEqual(bits(er))
      }),
      { numRuns: 40 },
    )
  })
})

describe('Params.perTensor', () => {
  const a = { w: T.of([1, 2]), b: T.of([[3], [4]]) }
  const b = { w: T.of([10, 20]), b: T.of([[30], [40]]) }
  const sumDiff = (x: Float64Array, y: Float64Array) => {
    const s = new Float64Array(x.length)
    const d = new Float64Array(x.length)
    for (let i = 0; i < x.length; i++) {
      s[i] = x[i]! + y[i]!
      d[i] = x[i]! - y[i]!
    }
    return [s, d] as const
  }

  it('returns one record per output, keys sorted, shapes of the first input, inputs untouched', () => {
    const before = bits([a, b])
    const [s, d] = P.perTensor('test', [a, b], sumDiff)
    expect(Object.keys(s)).toEqual(['b', 'w'])
    expect(T.toNested(s['w']!)).toEqual([11, 22])
    expect(T.toNested(d['b']!)).toEqual([[-27], [-36]])
    expect(s['b']!.shape).toEqual([2, 1])
    expect(bits([a, b])).toEqual(before)
    for (const out of [s, d]) for (const k of ['w', 'b']) expect(out[k]!.data).not.toBe(a[k as 'w']!.data)
  })

  it('an empty record gives empty records, one per output', () => {
    expect(P.perTensor('test', [{}, {}], sumDiff)).toEqual([{}, {}])
  })

  it('structure mismatches throw a ShapeError naming the place, the key and the shapes', () => {
    expect(() => P.perTensor('here', [a, { w: T.of([1, 2]) }], sumDiff)).toThrow(/here: key 'b' is missing in the second record/)
    expect(() => P.perTensor('here', [a, { ...b, w: T.of([1, 2, 3]) }], sumDiff)).toThrow(/here: key 'w' has shape \[2\].*\[3\]/)
    expect(() => P.perTensor('here', [a], (x) => [x.subarray(1)])).toThrow(/here: output 0 for key 'b' has 1 values, expected 2/)
  })
})
