/** randomShift's result computed one pixel and channel at a time: the reference its fast forms are checked against. */
import * as R from '../../src/core/Random.js'
import type { Tensor } from '../../src/core/Tensor.js'

/** The shift, one pixel and channel at a time, with the shifts the augment draws from `key`. */
export function shiftReference(x: Tensor, [h, w, c]: readonly [number, number, number], s: number, key: R.Key): Float64Array {
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
