import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as D from '../src/data/Dataset.js'
import type { Dataset } from '../src/data/Dataset.js'
import { spiral, xor } from '../src/data/datasets.js'
import { split, sizesFromFractions } from '../src/data/split.js'
import { batches, batchIndices, countBatches } from '../src/data/batches.js'
import { accuracy, argmax } from '../src/data/metrics.js'

const right = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left
  return e.right
}
const leftMessage = <A>(e: E.Either<Error, A>): string => (E.isLeft(e) ? e.left.message : `expected Left, got Right`)

/** A dataset whose row i has features [i, −i] and label i mod classes. */
function counting(n: number, classes = 3): Dataset {
  const x = new Float64Array(2 * n)
  for (let i = 0; i < n; i++) [x[2 * i], x[2 * i + 1]] = [i, -i]
  return { name: 'counting', x: { shape: [n, 2], data: x }, y: T.make([n], Array.from({ length: n }, (_, i) => i % classes)), classes }
}

describe('Dataset.make', () => {
  it('accepts consistent fields and keeps the image shape', () => {
    const ds = right(D.make({ name: 'ok', x: T.zeros([2, 4]), y: T.of([0, 1]), classes: 2, shape: [2, 2, 1] }))
    expect(ds.shape).toEqual([2, 2, 1])
    expect(D.size(ds)).toBe(2)
    expect(D.features(ds)).toBe(4)
  })
  it('refuses NaN and Inf naming the row and column', () => {
    const x = T.make([3, 2], [0, 1, 2, 3, Infinity, 5])
    expect(leftMessage(D.make({ name: 'bad', x, y: T.of([0, 0, 0]), classes: 1 }))).toBe(
      "dataset 'bad': x has a non-finite value Infinity at row 2, column 0",
    )
    const y = T.make([3, 2], [0, 1, 2, NaN, 4, 5])
    expect(leftMessage(D.make({ name: 'bad', x: y, y: T.of([0, 0, 0]), classes: 1 }))).toContain('NaN at row 1, column 1')
  })
  it('findNonFinite finds the first non-finite entry anywhere (blocks of 1024, their tails, huge finite values)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 7 }), fc.constantFrom(NaN, Infinity, -Infinity), fc.nat(), fc.nat(),
      (rows, cols, bad, at, later) => {
        const n = rows * cols
        const data = Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1.7e308 : i % 3) * (i % 2 ? -1 : 1))
        expect(D.findNonFinite({ shape: [rows, cols], data })).toBeUndefined()
        const i = at % n
        data[i] = bad
        if (i + 1 + (later % 2000) < n) data[i + 1 + (later % 2000)] = NaN
        const f = D.findNonFinite({ shape: [rows, cols], data })
        expect(f).toEqual({ row: Math.floor(i / cols), col: i % cols, value: bad })
      }), { numRuns: 200 })
  })
  it('refuses labels out of range or not integers, and mismatched shapes', () => {
    const x = T.zeros([2, 2])
    expect(leftMessage(D.make({ name: 'L', x, y: T.of([0, 3]), classes: 3 }))).toBe(
      "dataset 'L': label at row 1 must be an integer in 0..2, got 3",
    )
    expect(leftMessage(D.make({ name: 'L', x, y: T.of([0.5, 1]), classes: 3 }))).toContain('row 0')
    expect(leftMessage(D.make({ name: 'L', x, y: T.of([0, 1, 2]), classes: 3 }))).toContain('y must have shape [2]')
    expect(leftMessage(D.make({ name: 'L', x, y: T.of([0, 1]), classes: 3, shape: [3, 1] }))).toContain('image shape [3,1]')
  })
})

describe('take', () => {
  it('takes the rows at the indices, in that order; refuses an index outside the examples or not an integer, naming its position', () => {
    const ds = counting(5)
    const t = D.take(ds, [4, 0, 4])
    expect([...t.x.data]).toEqual([4, -4, 0, -0, 4, -4])
    expect([...t.y.data]).toEqual([1, 0, 1])
    for (const [indices, message] of [
      [[0, 5], 'take: index 1 is 5, outside the examples 0..4'],
      [[-1], 'take: index 0 is -1, outside the examples 0..4'],
      [[1, 2, 1.5], 'take: index 2 is 1.5, outside the examples 0..4'],
      [[NaN], 'take: index 0 is NaN, outside the examples 0..4'],
    ] as [number[], string][])
      expect(() => D.take(ds, indices)).toThrow(message)
  })
})

describe('xor and spiral', () => {
  it('xor: four points, labels a XOR b, optional bias column', () => {
    const ds = xor()
    expect(T.toNested(ds.x)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]])
    expect(Array.from(ds.y.data)).toEqual([0, 1, 1, 0])
    const b = xor({ bias: true })
    expect(T.toNested(b.x)).toEqual([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    expect(E.isRight(D.make(b))).toBe(true)
  })
  it('spiral: K·N points, labels by arm, radius i/(N−1), same key → same points', () => {
    const ds = spiral(R.key(3), { classes: 4, perClass: 50 })
    expect(ds.x.shape).toEqual([200, 2])
    expect(D.classCounts(ds)).toEqual([50, 50, 50, 50])
    for (let j = 0; j < 4; j++)
      for (let i = 0; i < 50; i++) {
        const r = Math.hypot(T.get(ds.x, j * 50 + i, 0), T.get(ds.x, j * 50 + i, 1))
        expect(Math.abs(r - i / 49)).toBeLessThan(1e-12)
      }
    expect(T.equal(spiral(R.key(3), { classes: 4, perClass: 50 }).x, ds.x)).toBe(true)
    expect(T.equal(spiral(R.key(4), { classes: 4, perClass: 50 }).x, ds.x)).toBe(false)
    expect(E.isRight(D.make(ds))).toBe(true)
  })
  it('spiral with zero noise puts point i of arm j at angle 4j + 4i/(N−1)', () => {
    const ds = spiral(R.key(0), { classes: 3, perClass: 5, noise: 0 })
    const [x, y] = [T.get(ds.x, 2 * 5 + 3, 0), T.get(ds.x, 2 * 5 + 3, 1)]
    const t = 8 + 3
    expect(x).toBeCloseTo(0.75 * Math.sin(t), 14)
    expect(y).toBeCloseTo(0.75 * Math.cos(t), 14)
  })
})

describe('split', () => {
  it('parts are disjoint, of the requested sizes, and fixed by the key', () => {
    const ds = counting(100)
    const s = right(split(ds, R.key(5), { train: 70, validation: 20, test: 10 }))
    const ids = (p: Dataset) => Array.from({ length: D.size(p) }, (_, i) => T.get(p.x, i, 0))
    const all = [...ids(s.train), ...ids(s.validation), ...ids(s.test)]
    expect([D.size(s.train), D.size(s.validation), D.size(s.test)]).toEqual([70, 20, 10])
    expect(new Set(all).size).toBe(100)
    for (const p of [s.train, s.validation, s.test])
      for (let i = 0; i < D.size(p); i++) expect(p.y.data[i]).toBe(T.get(p.x, i, 0) % 3) // labels travel with rows
    const again = right(split(ds, R.key(5), { train: 70, validation: 20, test: 10 }))
    expect(T.equal(again.test.x, s.test.x)).toBe(true)
    expect(T.equal(right(split(ds, R.key(6), { train: 70, validation: 20, test: 10 })).test.x, s.test.x)).toBe(false)
  })
  it('refuses sizes that exceed the data', () => {
    expect(leftMessage(split(counting(10), R.key(0), { train: 8, validation: 2, test: 1 }))).toBe(
      "split 'counting': train+validation+test = 11 exceeds the 10 examples available",
    )
  })
  it('sizesFromFractions uses all n when fractions sum to 1, and never more than n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), (n) => {
        const s = sizesFromFractions(n, { train: 0.8, validation: 0.1, test: 0.1 })
        const t = sizesFromFractions(n, { train: 0.5, validation: 0.15, test: 0.15 })
        return (
          s.train + s.validation + s.test === n &&
          s.validation === Math.floor(n * 0.1) &&
          t.train + t.validation + t.test <= n &&
          t.train === Math.round(n * 0.5)
        )
      }),
    )
  })
})

describe('batches', () => {
  it('every example exactly once per epoch; same key and epoch → same order; epochs differ', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 70 }), fc.nat(1000), fc.nat(20), (n, b, seed, epoch) => {
        const ds = counting(n)
        const bs = batches(ds, b, R.key(seed), epoch)
        const seen = [...bs].flatMap((batch) => Array.from({ length: batch.x.shape[0]! }, (_, i) => T.get(batch.x, i, 0)))
        expect(seen.slice().sort((p, q) => p - q)).toEqual(Array.from({ length: n }, (_, i) => i))
        expect(bs.length).toBe(Math.ceil(n / b))
        const sizes = [...bs].map((x) => x.y.shape[0])
        expect(sizes.slice(0, -1).every((s) => s === b)).toBe(true)
        const again = [...batches(ds, b, R.key(seed), epoch)].flatMap((x) => Array.from(x.indices))
        expect(again).toEqual([...bs].flatMap((x) => Array.from(x.indices)))
      }),
      { numRuns: 60 },
    )
    const orders = [0, 1, 2].map((e) => batchIndices(50, 50, R.key(1), e)[0]!.join(','))
    expect(new Set(orders).size).toBe(3)
  })
  it("remainder 'drop' keeps only full batches; shuffle false keeps dataset order", () => {
    const ds = counting(10)
    const dropped = batches(ds, 4, R.key(0), 0, { remainder: 'drop' })
    expect(dropped.length).toBe(2)
    expect([...dropped].every((b) => b.x.shape[0] === 4)).toBe(true)
    expect(countBatches(10, 4, 'drop')).toBe(2)
    expect(countBatches(10, 4)).toBe(3)
    expect(countBatches(3, 4, 'drop')).toBe(0)
    const ordered = batches(ds, 4, R.key(0), 0, { shuffle: false })
    expect(Array.from(ordered.at(2).indices)).toEqual([8, 9])
    expect(T.toNested(ordered.at(0).y)).toEqual([0, 1, 2, 0])
    expect(() => batches(ds, 0, R.key(0), 0)).toThrow(/batchSize must be a positive integer, got 0/)
  })
  it('batch rows are copies: changing a batch leaves the dataset alone', () => {
    const ds = counting(5)
    const before = ds.x.data.slice()
    const b = batches(ds, 5, R.key(0), 0).at(0)
    b.x.data.fill(-1)
    expect(Array.from(ds.x.data)).toEqual(Array.from(before))
  })
})

describe('argmax and accuracy', () => {
  it('argmax picks the first largest entry per row; accuracy counts matches', () => {
    const s = T.of([[1, 3, 3], [5, 0, 1], [0, 0, 7], [2, 9, 1]])
    expect(Array.from(argmax(s).data)).toEqual([1, 0, 2, 1])
    expect(accuracy(s, T.of([1, 0, 0, 1]))).toBe(0.75)
    expect(accuracy(s, T.of([1, 0, 2, 1]))).toBe(1)
    expect(() => accuracy(s, T.of([1, 0]))).toThrow(/labels must have shape \[4\]/)
  })
  it('accuracy equals the fraction of rows whose label has the strictly largest score', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 2, max: 6 }), fc.nat(10000), (n, c, seed) => {
        const [k1, k2] = R.split(R.key(seed))
        const scores = R.normal(k1!, [n, c])
        const labels = T.make([n], Array.from({ length: n }, (_, i) => R.int(R.foldIn(k2!, i), 0, c)))
        let hits = 0
        for (let i = 0; i < n; i++) {
          const row = Array.from(scores.data.subarray(i * c, (i + 1) * c))
          if (row.every((v, j) => j === labels.data[i] || v < row[labels.data[i]!]!)) hits++
        }
        return accuracy(scores, labels) === hits / n
      }),
      { numRuns: 50 },
    )
  })
})
