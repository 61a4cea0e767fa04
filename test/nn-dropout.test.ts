import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { dense, dropout, relu } from '../src/nn/layers.js'
import { sequential, toInference } from '../src/nn/model.js'
import { run } from './nn-check.js'

describe('inverted dropout', () => {
  const m = sequential(dense(4, 50), relu, dropout({ keep: 0.6 }), dense(50, 3))
  const { params } = m.init(R.key(1))
  const xi = ops.input('x', ['N', 4])

  it('declares its random inputs and draws them reproducibly from a key', () => {
    const a = m.apply(xi, 'train')
    expect(a.random.inputs).toEqual([{ name: 'dropout0.u', shape: ['N', 50], keep: 0.6 }])
    const b1 = a.random.bindings(R.key(5), 8)
    const b2 = a.random.bindings(R.key(5), 8)
    const b3 = a.random.bindings(R.key(6), 8)
    expect(T.equal(b1['dropout0.u']!, b2['dropout0.u']!)).toBe(true)
    expect(T.equal(b1['dropout0.u']!, b3['dropout0.u']!)).toBe(false)
    expect(b1['dropout0.u']!.shape).toEqual([8, 50])
  })
  it('masks are 0 or 1/keep, kept with probability keep', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1e6 }), (keep, seed) => {
        const x = ops.input('h', ['N', 100])
        const d = sequential(dense(100, 100), dropout({ keep: keep }))
        const a = d.apply(x, 'train')
        // the dropout layer's input and output give the mask
        const h = R.normal(R.key(seed), [40, 100])
        const [inp, out] = run([a.layers[0]!.out, a.out], { ...d.init(R.key(seed)).params, h, ...a.random.bindings(R.key(seed + 1), 40) })
        let kept = 0
        inp!.data.forEach((v, i) => {
          const r = out!.data[i]!
          if (r === 0) return
          kept++
          expect(Math.abs(r - v / keep)).toBeLessThanOrEqual(1e-15 * Math.abs(r))
        })
        const n = inp!.data.length
        expect(Math.abs(kept / n - keep)).toBeLessThan(5 * Math.sqrt((keep * (1 - keep)) / n) + 1e-12)
      }),
      { numRuns: 20 },
    )
  })
  it('preserves the expectation: the mean over many masks approaches the inference output', () => {
    const rows = 3
    const copies = 4000
    const x0 = R.normal(R.key(9), [rows, 4])
    // the same rows repeated: one evaluation draws `copies` masks per row
    const big = T.make([rows * copies, 4], Array.from({ length: rows * copies * 4 }, (_, i) => x0.data[i % (rows * 4)]!))
    const a = m.apply(xi, 'train')
    const [train] = run([a.out], { ...params, x: big, ...a.random.bindings(R.key(10), rows * copies) })
    const [inf] = run([toInference(m).apply(xi, 'train').out], { ...params, x: x0 })
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < 3; j++) {
        let s = 0
        let s2 = 0
        for (let c = 0; c < copies; c++) {
          const v = T.get(train!, c * rows + r, j)
          s += v
          s2 += v * v
        }
        const mean = s / copies
        const se = Math.sqrt((s2 / copies - mean * mean) / copies)
        expect(Math.abs(mean - T.get(inf!, r, j))).toBeLessThan(5 * se)
      }
  })
  it('is the identity in test mode and with keep = 1; toInference removes it', () => {
    const xb = R.normal(R.key(3), [5, 4])
    const [test] = run([m.apply(xi, 'test').out], { ...params, x: xb })
    const noDrop = sequential(dense(4, 50), relu, dense(50, 3))
    const p2 = { 'dense0.W': params['dense0.W']!, 'dense0.b': params['dense0.b']!, 'dense1.W': params['dense1.W']!, 'dense1.b': params['dense1.b']! }
    const [ref] = run([noDrop.apply(xi, 'test').out], { ...p2, x: xb })
    expect(T.equal(test!, ref!)).toBe(true)
    expect(m.apply(xi, 'test').random.inputs).toEqual([])
    const inf = toInference(m)
    expect(inf.spec.layers.map((l) => l.name)).toEqual(['dense0', 'relu0', 'dense1'])
    expect(inf.paramShapes).toEqual(m.paramShapes)
    const one = sequential(dense(4, 3), dropout({ keep: 1 }))
    expect(one.apply(xi, 'train').random.inputs).toEqual([])
    expect(() => dropout({ keep: 0 })).toThrow(/keep probability must be in \(0, 1\], got 0/)
    expect(() => dropout({ keep: 1.5 })).toThrow(/got 1.5/)
  })
})
