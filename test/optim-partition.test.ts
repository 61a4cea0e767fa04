/**
 * masked / multiTransform / setToZero (src/optim/partition.ts): optax's semantics, each part's
 * state made on its own parameters, and one-line errors for labels that do not fit.
 */
import { describe, expect, it } from 'vitest'
import * as T from '../src/core/Tensor.js'
import { adam, sgd } from '../src/optim/aliases.js'
import { applyUpdates, chain } from '../src/optim/GradientTransformation.js'
import { masked, multiTransform, setToZero } from '../src/optim/partition.js'
import { scale } from '../src/optim/transforms.js'

const x = { a: T.make([2], [1, -0]), b: T.make([2], [3, 4]), c: T.make([1], [5]) }
const g = { a: T.make([2], [0.5, 0.5]), b: T.make([2], [1, -1]), c: T.make([1], [2]) }

describe('masked', () => {
  it('applies the inner transformation where the mask is true and passes the other updates through unchanged (not zero)', () => {
    const opt = masked(sgd(0.1), { a: true, b: false, c: true })
    const [u] = opt.update(g, opt.init(x), x)
    expect([...u['a']!.data]).toEqual([-0.05, -0.05])
    expect(u['b']).toBe(g.b) // the incoming update, as optax.masked does
    expect([...u['c']!.data]).toEqual([-0.2])
  })
  it('keeps the inner state on the masked parameters only', () => {
    const s = masked(adam(0.1), (k) => k === 'b').init(x) as unknown as readonly [{ m: Record<string, unknown> }, unknown]
    expect(Object.keys(s[0].m)).toEqual(['b'])
  })
  it('refuses a mask record that leaves a parameter out or names one that is not there', () => {
    const opt = masked(sgd(0.1), { a: true, b: false })
    expect(() => opt.init(x)).toThrow("masked: no mask bit for parameter 'c' (the record names a, b)")
    expect(() => masked(sgd(0.1), { a: true, b: true, c: true, d: true }).init(x)).toThrow("masked: the mask bit record names 'd', which is not a parameter (parameters: a, b, c)")
  })
})

describe('multiTransform', () => {
  it('freezes with setToZero: frozen parameters keep their bits (−0 included), the others train', () => {
    const opt = multiTransform({ train: adam(0.1), frozen: setToZero() }, { a: 'frozen', b: 'train', c: 'frozen' })
    let [p, s] = [x as Readonly<Record<string, T.Tensor>>, opt.init(x)]
    for (let i = 0; i < 3; i++) {
      const [u, s2] = opt.update(g, s, p)
      ;[p, s] = [applyUpdates(p, u), s2]
    }
    expect(Object.is(p['a']!.data[1], -0)).toBe(true)
    expect([...p['a']!.data]).toEqual([1, -0])
    expect([...p['c']!.data]).toEqual([5])
    expect(p['b']!.data[0]).not.toBe(3)
    expect(Object.keys(s)).toEqual(['train', 'frozen'])
    expect(s.frozen).toEqual([])
  })
  it('gives a learning-rate multiplier through chain(…, scale(k)): the slow part moves k times as far', () => {
    const opt = multiTransform({ base: sgd(0.1), slow: chain(sgd(0.1), scale(0.1)) }, (k) => (k === 'a' ? 'slow' : 'base'))
    const [u] = opt.update(g, opt.init(x), x)
    expect(u['a']!.data[0]).toBeCloseTo(-0.005, 15)
    expect(u['b']!.data[0]).toBeCloseTo(-0.1, 15)
  })
  it('refuses a label with no transformation, naming the parameter and the labels', () => {
    const opt = multiTransform({ train: sgd(0.1), frozen: setToZero() }, (k) => (k === 'c' ? 'slow' : 'train'))
    expect(() => opt.init(x)).toThrow(`multiTransform: parameter 'c' has label "slow", which has no transformation (labels: train, frozen)`)
  })
  it('does not write its arguments and returns the updates in the parameters\' order', () => {
    const opt = multiTransform({ train: adam(0.1), frozen: setToZero() }, (k) => (k === 'b' ? 'frozen' : 'train'))
    const before = JSON.stringify([x, g].map((r) => Object.values(r).map((t) => [...t.data])))
    const [u] = opt.update(g, opt.init(x), x)
    expect(Object.keys(u)).toEqual(['a', 'b', 'c'])
    expect(JSON.stringify([x, g].map((r) => Object.values(r).map((t) => [...t.data])))).toBe(before)
  })
})
