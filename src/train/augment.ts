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
    const src = x.data
    const span = 2 * maxShift + 1
    for (let i = 0; i < n; i++) {
      const dy = Math.min(span - 1, Math.floor(u[2 * i]! * span)) - maxShift
      const dx = Math.min(span - 1, Math.floor(u[2 * i + 1]! * span)) - maxShift
      const base = i * d
      // the columns whose source col − dx lies in the image, as one run of values per row
      const c0 = Math.max(0, dx)
      const len = (Math.min(w, w + dx) - c0) * c
      for (let r = 0; r < h; r++) {
        const sr = r - dy
        if (sr < 0 || sr >= h) continue
        const o = base + (r * w + c0) * c
        const from = base + (sr * w + c0 - dx) * c
        for (let j = 0; j < len; j++) out[o + j] = src[from + j]!
      }
    }
    return { shape: [n, d], data: out }
  }
}
