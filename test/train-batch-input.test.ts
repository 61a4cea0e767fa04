/**
 * A step's batch: gathering and shifting in one pass (randomShift's gathered form, through
 * stepBatch) gives the bits of the two-pass path (take the rows, then shift them pixel by pixel:
 * support/shiftReference.ts) for several keys, steps, batch sizes, image shapes and the short
 * last batch; tensors are fresh each step; runs with shifts resume bit for bit in float32
 * and float64.
 */
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as D from '../src/data/Dataset.js'
import type { Dataset } from '../src/data/Dataset.js'
import { batches } from '../src/data/batches.js'
import { mlp } from '../src/nn/model.js'
import { adam, momentum } from '../src/optim/aliases.js'
import { stepDecay } from '../src/optim/schedules.js'
import { randomShift, type Augment } from '../src/train/augment.js'
import { stepBatch, type Scratch } from '../src/train/batchInput.js'
import { augmentKey, shuffleKey, train } from '../src/train/loop.js'
import { shiftReference } from './support/shiftReference.js'
import type { TrainState } from '../src/train/TrainState.js'

const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)
const sameBits = (a: Tensor, b: Tensor): boolean => JSON.stringify(a.shape) === JSON.stringify(b.shape) && bytes(a).equals(bytes(b))

/** `n` images of `image` with values from the key, a −0 and a few zeros among them, labels 0..2. */
function images(n: number, image: readonly [number, number, number], seed: number): Dataset {
  const d = image[0] * image[1] * image[2]
  const x = R.normal(R.key(seed), [n, d]).data
  x[3] = -0
  x[d + 1] = 0
  const y = Float64Array.from({ length: n }, (_, i) => i % 3)
  const ds = D.make({ name: 'images', x: { shape: [n, d], data: x }, y: { shape: [n], data: y }, classes: 3, shape: [...image] })
  if (ds._tag === 'Left') throw ds.left
  return ds.right
}

describe('stepBatch with randomShift', () => {
  const cases: { image: readonly [number, number, number]; maxShift: number; n: number; batch: number }[] = [
    { image: [28, 28, 1], maxShift: 1, n: 200, batch: 64 }, // last batch of 8
    { image: [5, 6, 3], maxShift: 2, n: 23, batch: 5 }, // last batch of 3
    { image: [4, 4, 1], maxShift: 3, n: 10, batch: 10 }, // shifts beyond half the image: some rows all zero
    { image: [3, 7, 2], maxShift: 1, n: 9, batch: 1 },
    { image: [2, 3, 2], maxShift: 4, n: 30, batch: 7 }, // shifts past the whole image
  ]
  for (const { image, maxShift, n, batch } of cases) {
    it(`gathers and shifts in one pass with the two-pass bits: images ${image.join('×')}, shifts ±${maxShift}, ${n} rows in batches of ${batch}`, () => {
      const ds = images(n, image, n + batch)
      const before = bytes(ds.x).slice()
      const shift = randomShift(image, maxShift)
      expect(shift.gathered).toBeDefined()
      for (const seed of [0, 5, 123456]) {
        const key = R.key(seed)
        for (const epoch of [0, 3]) {
          const bs = batches(ds, batch, shuffleKey(key), epoch)
          for (let i = 0; i < bs.length; i++) {
            const step = epoch * bs.length + i
            const k = augmentKey(key, step)
            const got = stepBatch(ds, bs, i, shift, k)
            const taken = D.take(ds, bs.rows(i))
            expect(got.x.shape).toEqual([i === bs.length - 1 && n % batch !== 0 ? n % batch : batch, ds.x.shape[1]])
            expect(sameBits(got.x, { shape: taken.x.shape, data: shiftReference(taken.x, image, maxShift, k) })).toBe(true)
            expect(sameBits(got.y, taken.y)).toBe(true)
            // the plain call shifts a gathered batch the same way
            expect(sameBits(shift(taken.x, k), got.x)).toBe(true)
            // written into a reused buffer (here full of NaN): the same bits, in that buffer
            const buf = new Float64Array(got.x.data.length).fill(NaN)
            const into = stepBatch(ds, bs, i, shift, k, ((len: number, kind: string) => (kind === 'floats' && len === buf.length ? buf : new Uint8Array(0))) as Scratch)
            expect(into.x.data).toBe(buf)
            expect(sameBits(into.x, got.x)).toBe(true)
          }
        }
      }
      expect(bytes(ds.x).equals(before)).toBe(true)
    })
  }

  it('gives fresh tensors each call, and an augmentation without a gathered form is applied after gathering', () => {
    const image = [6, 6, 1] as const
    const ds = images(20, image, 9)
    const bs = batches(ds, 8, R.key(1), 0)
    const shift = randomShift(image)
    const a = stepBatch(ds, bs, 1, shift, R.key(2))
    const b = stepBatch(ds, bs, 1, shift, R.key(2))
    expect(a.x.data).not.toBe(b.x.data)
    expect(a.y.data).not.toBe(b.y.data)
    expect(sameBits(a.x, b.x)).toBe(true)
    const plain: Augment = (x, key) => shift(x, key)
    expect(sameBits(stepBatch(ds, bs, 1, plain, R.key(2)).x, a.x)).toBe(true)
    const none = stepBatch(ds, bs, 1, undefined, R.key(2))
    expect(sameBits(none.x, D.take(ds, bs.rows(1)).x)).toBe(true)
  })

  it("batches' rows(i) are batch i's indices, a copy each call, refused outside the epoch", () => {
    const ds = images(11, [2, 2, 1], 3)
    const bs = batches(ds, 4, R.key(8), 2)
    for (let i = 0; i < bs.length; i++) expect(Array.from(bs.rows(i))).toEqual(Array.from(bs.at(i).indices))
    const r = bs.rows(0)
    r[0] = 99
    expect(bs.rows(0)[0]).not.toBe(99)
    expect(() => bs.rows(3)).toThrow('batches: batch 3 out of range 0..2')
  })

  it('refuses rows outside the matrix and rows of the wrong width', () => {
    const shift = randomShift([2, 2, 1])
    const x: Tensor = { shape: [3, 4], data: new Float64Array(12) }
    expect(() => shift.gathered!(x, [0, 3], R.key(0))).toThrow('randomShift: row 1 of the batch is 3, outside 0..2')
    expect(() => shift.gathered!(x, [1.5], R.key(0))).toThrow('randomShift: row 0 of the batch is 1.5, outside 0..2')
    expect(() => shift.gathered!(x, [0, 1], R.key(0), new Float64Array(4))).toThrow('randomShift: the output buffer holds 4 numbers, 2 rows of 4 need 8')
    expect(() => shift.gathered!({ shape: [2, 5], data: new Float64Array(10) }, [0], R.key(0))).toThrow('randomShift: rows have 5 values, expected 2·2·1 = 4')
  })
})

const same = (a: TrainState, b: TrainState) => Object.keys(a.params).every((k) => sameBits(a.params[k]!, b.params[k]!))

describe('a run with shifts resumes bit for bit', () => {
  const image = [6, 6, 1] as const
  const ds = images(90, image, 4)
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: 5 steps, then 9 more (across an epoch's end), = 14 steps in one go`, () => {
      const model = mlp([36, 12, 3])
      const base = { optimizer: adam(0.01), epochs: 3, batchSize: 16, key: R.key(11), augment: randomShift(image), dtype }
      const whole = train(model, { train: ds }, { ...base, maxSteps: 14 })
      const first = train(model, { train: ds }, { ...base, maxSteps: 5 })
      const rest = train(model, { train: ds }, { ...base, maxSteps: 14 }, structuredClone(first))
      expect([rest.step, rest.epoch, rest.batch]).toEqual([14, 2, 2])
      expect(same(rest, whole)).toBe(true)
      expect(rest.history).toEqual(whole.history)
      // the same run with the two-pass batches (an augmentation without a gathered form)
      const shift = randomShift(image)
      const twoPass = train(model, { train: ds }, { ...base, augment: (x, k) => shift(x, k), maxSteps: 14 })
      expect(same(twoPass, whole)).toBe(true)
    })
  }
})

describe('a run with shifts stops at a non-finite step as the JavaScript form does', () => {
  it('float32: a step overflowing float32 stops as the update in JavaScript does (the fused step replays the steps before it on batches of their own)', () => {
    const image = [6, 6, 1] as const
    const ds = images(90, image, 5)
    const model = mlp([36, 12, 3])
    const plain = momentum(3e38, 0.9)
    const base = { epochs: 2, batchSize: 16, key: R.key(12), augment: randomShift(image), dtype: 'float32' as const, regularization: { kind: 'l2', lambda: 10 } as const }
    const st = train(model, { train: ds }, { ...base, optimizer: momentum(3e38, 0.9) })
    const js = train(model, { train: ds }, { ...base, optimizer: { init: plain.init, update: (g, s, x) => plain.update(g, s, x) } })
    expect(st.status).toBe('nonFinite')
    expect(st.step).toBeGreaterThan(0)
    expect(st.nonFinite).toEqual(js.nonFinite)
    expect(same(st, js)).toBe(true)
    expect(st.optState).toEqual(js.optState)
  })
})
