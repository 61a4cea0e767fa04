/**
 * Contour lines of a function of two variables by marching squares: sample the function on a
 * grid, then in every cell connect the points where the level crosses the cell's edges (linear
 * interpolation along the edge). Pure data out — line segments in the function's coordinates —
 * so any writer (SVG, canvas) can draw them.
 */

export interface Grid {
  readonly xs: Float64Array
  readonly ys: Float64Array
  /** values[j * xs.length + i] = f(xs[i], ys[j]) */
  readonly values: Float64Array
}

/** A segment [x1, y1, x2, y2]. */
export type Segment = readonly [number, number, number, number]

/** The contour lines of one level: segments of a sampled function. */
export interface Contour {
  readonly level: number
  readonly segments: readonly Segment[]
}

function linspace(lo: number, hi: number, n: number): Float64Array {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = lo + ((hi - lo) * i) / (n - 1)
  return out
}

/** f sampled on an nx × ny grid over [x0, x1] × [y0, y1]. */
export function sampleGrid(
  f: (x: number, y: number) => number,
  [x0, x1]: readonly [number, number],
  [y0, y1]: readonly [number, number],
  nx = 120, ny = 120,
): Grid {
  const xs = linspace(x0, x1, nx)
  const ys = linspace(y0, y1, ny)
  const values = new Float64Array(nx * ny)
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) values[j * nx + i] = f(xs[i]!, ys[j]!)
  return { xs, ys, values }
}

// For each case (bit k set when corner k is at or above the level; corners 0:(i,j) 1:(i+1,j)
// 2:(i+1,j+1) 3:(i,j+1)), the pairs of crossed edges (edge k joins corner k and k+1 mod 4).
const cases: readonly (readonly (readonly [number, number])[])[] = [
  [], [[3, 0]], [[0, 1]], [[3, 1]], [[1, 2]], [[3, 0], [1, 2]], [[0, 2]], [[3, 2]],
  [[2, 3]], [[0, 2]], [[0, 1], [2, 3]], [[1, 2]], [[1, 3]], [[0, 1]], [[3, 0]], [],
]

/** The contour lines of a sampled grid at each level. */
export function contours(g: Grid, levels: readonly number[]): Contour[] {
  const nx = g.xs.length
  const ny = g.ys.length
  return levels.map((level) => {
    const segments: Segment[] = []
    for (let j = 0; j + 1 < ny; j++)
      for (let i = 0; i + 1 < nx; i++) {
        const cx = [g.xs[i]!, g.xs[i + 1]!, g.xs[i + 1]!, g.xs[i]!]
        const cy = [g.ys[j]!, g.ys[j]!, g.ys[j + 1]!, g.ys[j + 1]!]
        const v = [g.values[j * nx + i]!, g.values[j * nx + i + 1]!, g.values[(j + 1) * nx + i + 1]!, g.values[(j + 1) * nx + i]!]
        if (!v.every(Number.isFinite)) continue
        let c = 0
        v.forEach((vk, k) => (c |= vk >= level ? 1 << k : 0))
        let pairs = cases[c]!
        // saddle cells: decide by the mean of the corners which diagonal is connected
        if ((c === 5 || c === 10) && (v[0]! + v[1]! + v[2]! + v[3]!) / 4 >= level)
          pairs = c === 5 ? [[0, 1], [2, 3]] : [[3, 0], [1, 2]]
        const point = (e: number): [number, number] => {
          // interpolate from the lower corner, so neighbouring cells compute bit-identical points
          const [a, b] = v[e]! <= v[(e + 1) % 4]! ? [e, (e + 1) % 4] : [(e + 1) % 4, e]
          const t = (level - v[a]!) / (v[b]! - v[a]!)
          return [cx[a]! + t * (cx[b]! - cx[a]!), cy[a]! + t * (cy[b]! - cy[a]!)]
        }
        for (const [e1, e2] of pairs) {
          const [x1, y1] = point(e1)
          const [x2, y2] = point(e2)
          // a grid point on the level (up to rounding) gives vanishing segments in the cells around it
          if (Math.hypot(x2 - x1, y2 - y1) > 1e-9 * Math.hypot(cx[1]! - cx[0]!, cy[3]! - cy[0]!)) segments.push([x1, y1, x2, y2])
        }
      }
    return { level, segments }
  })
}
