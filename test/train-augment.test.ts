/**
 * randomShift: each image moved by whole pixels (dy, dx in −s..s from the key), zeros shifted in,
 * checked against a pixel-by-pixel reference; the same key gives the same batch, the input is only read.
 */
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import { randomShift } from '../src/train/augment.js'
import { shiftReference as reference } from './support/shiftReference.js'

describe('randomShift', () => {
  for (const [image, s] of [[[6, 5, 1], 1], [[4, 7, 3], 2], [[3, 3, 2], 1]] as const)
    it(`${image.join('×')} images, shifts up to ${s}: equals the pixel-by-pixel reference`, () => {
      const d = image[0] * image[1] * image[2]
      const x = R.uniform(R.key(1), [40, d], -1, 1)
      const before = x.data.slice()
      for (let k = 0; k < 5; k++) {
        const key = R.key(100 + k)
        const got = randomShift(image, s)(x, key)
        expect(got.shape).toEqual([40, d])
        expect([...got.data]).toEqual([...reference(x, image, s, key)])
        expect([...randomShift(image, s)(x, key).data]).toEqual([...got.data])
      }
      expect(x.data).toEqual(before)
    })

  it('refuses an image shape or a maxShift it cannot shift by whole pixels, in one line naming the value', () => {
    for (const image of [[0, 28, 1], [28, 0, 1], [2, 2, 0], [-1, 2, 1], [1.5, 2, 1], [NaN, 1, 1], [Infinity, 1, 1], [2, 2]] as unknown as [number, number, number][])
      expect(() => randomShift(image), String(image)).toThrow(/^randomShift: the image shape must be \[height, width, channels\] of positive integers, got \[/)
    for (const m of [1.5, -1, NaN, Infinity, 2 ** 60])
      expect(() => randomShift([4, 4, 1], m), String(m)).toThrow(`randomShift: maxShift must be a whole number of pixels, 0 or more, got ${String(m)}`)
    // 0 is no shift at all; a shift as large as the image moves every pixel out
    const x = R.uniform(R.key(2), [3, 16], -1, 1)
    expect([...randomShift([4, 4, 1], 0)(x, R.key(3)).data]).toEqual([...x.data])
    expect(randomShift([4, 4, 1], 40)(x, R.key(3)).shape).toEqual([3, 16])
  })
})
