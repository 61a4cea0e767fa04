import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as R from '../src/core/Random.js'
import * as S from '../src/core/Shape.js'
import * as T from '../src/core/Tensor.js'
import { add, constant, input, mul, param } from '../src/ops/index.js'

describe('Random keys', () => {
  it('the same key gives the same numbers bit for bit; drawing never changes the key', () => {
    const k = R.key(42)
    const a = R.normal(k, [100])
    const b = R.normal(k, [100])
    expect(T.equal(a, b)).toBe(true)
    expect(k).toEqual([42, 0])
  })
  it('split keys are distinct and give different streams', () => {
    const [k1, k2] = R.split(R.key(1))
    expect(k1).not.toEqual(k2)
    const a = R.uniform(k1!, [50])
    const b = R.uniform(k2!, [50])
    expect(T.equal(a, b)).toBe(false)
    expect(R.split(R.key(1))).toEqual(R.split(R.key(1)))
  })
  it('nearby seeds are decorrelated', () => {
    const a = R.uniformArray(R.key(1), 2000)
    const b = R.uniformArray(R.key(2), 2000)
    let sa = 0, sb = 0, sab = 0
    for (let i = 0; i < a.length; i++) { sa += a[i]!; sb += b[i]!; sab += a[i]! * b[i]! }
    const n = a.length
    const cov = sab / n - (sa / n) * (sb / n)
    expect(Math.abs(cov / (1 / 12))).toBeLessThan(0.1)
  })
  it('uniform lies in [0,1) with mean ≈ 1/2; normal has mean ≈ 0 and std ≈ 1', () => {
    const u = R.uniformArray(R.key(7), 20000)
    expect(u.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(Math.abs(u.reduce((s, x) => s + x, 0) / u.length - 0.5)).toBeLessThan(0.01)
    const z = R.normalArray(R.key(8), 20000)
    const m = z.reduce((s, x) => s + x, 0) / z.length
    const v = z.reduce((s, x) => s + (x - m) ** 2, 0) / z.length
    expect(Math.abs(m)).toBeLessThan(0.03)
    expect(Math.abs(Math.sqrt(v) - 1)).toBeLessThan(0.03)
  })
  it('permutation is a permutation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 200 }), (seed, n) => {
        const p = Array.from(R.permutation(R.key(seed), n)).sort((a, b) => a - b)
        return p.every((v, i) => v === i)
      }),
      { numRuns: 50 },
    )
  })
  it('foldIn gives distinct per-step keys', () => {
    const k = R.key(3)
    const ks = new Set(Array.from({ length: 100 }, (_, i) => R.foldIn(k, i).join(',')))
    expect(ks.size).toBe(100)
  })
})

describe('Shape', () => {
  it('binds symbolic dims consistently', () => {
    const env = S.bind(['N', 3], [5, 3], {})
    expect(env).toEqual({ N: 5 })
    expect(S.bind(['N', 'N'], [5, 4], {})).toMatch(/N=5/)
    expect(S.bind(['N', 3], [5, 4], {})).toMatch(/expected \[N,3\], got \[5,4\]/)
  })
  it('broadcasts numpy-style', () => {
    expect(S.broadcast([3, 1], [4])).toEqual([3, 4])
    expect(S.broadcast(['N', 10], [10])).toEqual(['N', 10])
    expect(S.broadcast([3], [4])).toBeUndefined()
  })
})

describe('Tensor', () => {
  it('round-trips nested arrays', () => {
    const x = [[1, 2, 3], [4, 5, 6]]
    expect(T.toNested(T.of(x))).toEqual(x)
    expect(T.of(x).shape).toEqual([2, 3])
  })
  it('rejects ragged arrays and wrong sizes with a message', () => {
    expect(() => T.of([[1, 2], [3]])).toThrow(/ragged/)
    expect(() => T.make([2, 2], [1, 2, 3])).toThrow(/needs 4 values, got 3/)
  })
})

describe('Expr interning', () => {
  it('structurally equal expressions are the same node', () => {
    const a = add(mul(input('x', [3]), param('w', [3])), 1)
    const b = add(mul(input('x', [3]), param('w', [3])), 1)
    expect(a).toBe(b)
    expect(a).not.toBe(add(mul(input('x', [3]), param('w', [3])), 2))
    expect(Object.isFrozen(a)).toBe(true)
  })
  it('numbers are lifted to constants of the broadcast shape', () => {
    const e = add(input('x', ['N', 3]), 1)
    expect(e.args[1]).toBe(constant(1, ['N', 3]))
  })
})
