/**
 * randomShift: each image moved by whole pixels (dy, dx in −s..s from the key), zeros shifted in,
 * checked against a pixel-by-pixel reference; the same key gives the same batch, the input is only read.
 */
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import { randomShift } from '../src/train/augment.js'

/** The shift, one pixel and channel at a time, with the shifts the augment draws from `key`. */
function reference(x: Tensor, [h, w, c]: readonly [number, number, number], s: number, key: R.Key): Float64Array {
  const [n, d] = x.shape as [number, number]
  const u = R.uniform(key, [n, 2]).data
  const span = 2 * s + 1
  const out = new Float64Array(n * d)
  for (let i = 0; i < n; i++) {
    const dy = Math.min(span - 1, Math.floor(u[2 * i]! * span)) - s
    const dx = Math.min(span - 1, Math.floor(u[2 * i + 1]! * span)) - s
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++)
        for (let k = 0; k < c; k++) {
          const sr = r - dy, sc = col - dx
          out[i * d + (r * w + col) * c + k] = sr >= 0 && sr < h && sc >= 0 && sc < w ? x.data[i * d + (sr * w + sc) * c + k]! : 0
        }
  }
  return out
}

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
})
