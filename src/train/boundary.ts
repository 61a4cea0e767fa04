/**
 * A 2-D classifier's decision regions: its scores on a grid over the data's extent (padded by a
 * tenth), reduced to the most probable class and its probability per cell. Pure.
 */
import * as T from '../core/Tensor.js'
import type { Tensor } from '../core/Tensor.js'
import type { Dataset } from '../data/Dataset.js'
import type { Boundary } from './report.js'

/** `scores` maps inputs [N, 2] to class scores [N, C]. */
export function decisionBoundary(ds: Dataset, scores: (x: Tensor) => Tensor, grid = 80): Boundary {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity]
  for (let i = 0; i < ds.x.data.length; i += 2) {
    x0 = Math.min(x0, ds.x.data[i]!)
    x1 = Math.max(x1, ds.x.data[i]!)
    y0 = Math.min(y0, ds.x.data[i + 1]!)
    y1 = Math.max(y1, ds.x.data[i + 1]!)
  }
  const pad = 0.1 * Math.max(x1 - x0, y1 - y0, 1e-9)
  const extent = [x0 - pad, x1 + pad, y0 - pad, y1 + pad] as const
  const xs = new Float64Array(2 * grid * grid)
  for (let r = 0; r < grid; r++)
    for (let c = 0; c < grid; c++) {
      xs[2 * (r * grid + c)] = extent[0] + ((c + 0.5) / grid) * (extent[1] - extent[0])
      xs[2 * (r * grid + c) + 1] = extent[3] - ((r + 0.5) / grid) * (extent[3] - extent[2])
    }
  const s = scores(T.make([grid * grid, 2], xs))
  const k = s.shape[1] ?? 1
  const cls = new Uint8Array(grid * grid)
  const prob = new Float64Array(grid * grid)
  for (let i = 0; i < grid * grid; i++) {
    let best = 0
    for (let j = 1; j < k; j++) if (s.data[i * k + j]! > s.data[i * k + best]!) best = j
    let z = 0
    for (let j = 0; j < k; j++) z += Math.exp(s.data[i * k + j]! - s.data[i * k + best]!)
    cls[i] = best
    prob[i] = 1 / z
  }
  return { extent, grid, cls, prob, points: { x: ds.x.data, y: ds.y.data }, classes: ds.classes }
}
