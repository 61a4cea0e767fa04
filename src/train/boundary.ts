/**
 * A 2-D classifier's decision regions: its scores on a grid over the data's extent (padded by a
 * tenth), reduced to the most probable class and its probability per cell. Pure. The grid is
 * scored in pieces, so memory stays bounded with thousands of classes.
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
  const cells = grid * grid
  // the grid is scored a few cells at a time: at most ~1 M scores exist at once, whatever the class count
  const chunk = Math.max(1, Math.min(cells, Math.floor(2 ** 20 / Math.max(1, ds.classes))))
  const cls = new Uint32Array(cells) // a class index per cell (bytes would wrap past 255 classes)
  const prob = new Float64Array(cells)
  for (let i0 = 0; i0 < cells; i0 += chunk) {
    const m = Math.min(chunk, cells - i0)
    const xs = new Float64Array(2 * m)
    for (let i = 0; i < m; i++) {
      const r = Math.floor((i0 + i) / grid)
      const c = (i0 + i) % grid
      xs[2 * i] = extent[0] + ((c + 0.5) / grid) * (extent[1] - extent[0])
      xs[2 * i + 1] = extent[3] - ((r + 0.5) / grid) * (extent[3] - extent[2])
    }
    const s = scores(T.make([m, 2], xs))
    const k = s.shape[1] ?? 1
    for (let i = 0; i < m; i++) {
      let best = 0
      for (let j = 1; j < k; j++) if (s.data[i * k + j]! > s.data[i * k + best]!) best = j
      let z = 0
      for (let j = 0; j < k; j++) z += Math.exp(s.data[i * k + j]! - s.data[i * k + best]!)
      cls[i0 + i] = best
      prob[i0 + i] = 1 / z
    }
  }
  return { extent, grid, cls, prob, points: { x: ds.x.data, y: ds.y.data }, classes: ds.classes }
}
