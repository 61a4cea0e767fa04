/**
 * Data augmentation for image rows: each image of a batch shifted by a whole number of pixels,
 * drawn from a key (pure: the same key gives the same shifts). Pixels shifted in are 0.
 */
import * as R from '../core/Random.js'
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'

/** A batch transform applied to the training features of each step, from that step's key. */
export type Augment = (x: Tensor, key: Key) => Tensor

/**
 * Random translations of images stored as rows [N, H·W·C] (channels last), each by dy, dx drawn
 * uniformly from −maxShift..maxShift. A fresh tensor; `x` is not written.
 */
export function randomShift(image: readonly [h: number, w: number, c: number], maxShift = 1): Augment {
  const [h, w, c] = image
  return (x, key) => {
    const [n, d] = x.shape as [number, number]
    if (d !== h * w * c) throw new RangeError(`randomShift: rows have ${d} values, expected ${h}·${w}·${c} = ${h * w * c}`)
    const u = R.uniform(key, [n, 2]).data
    const out = new Float64Array(n * d)
    const span = 2 * maxShift + 1
    for (let i = 0; i < n; i++) {
      const dy = Math.min(span - 1, Math.floor(u[2 * i]! * span)) - maxShift
      const dx = Math.min(span - 1, Math.floor(u[2 * i + 1]! * span)) - maxShift
      const base = i * d
      for (let r = 0; r < h; r++) {
        const sr = r - dy
        if (sr < 0 || sr >= h) continue
        for (let col = 0; col < w; col++) {
          const sc = col - dx
          if (sc < 0 || sc >= w) continue
          for (let k = 0; k < c; k++) out[base + (r * w + col) * c + k] = x.data[base + (sr * w + sc) * c + k]!
        }
      }
    }
    return { shape: [n, d], data: out }
  }
}
