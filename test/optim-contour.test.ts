/** Marching squares (src/plot/contour.ts), used by the optimizer race picture. */
import { describe, expect, it } from 'vitest'
import { contours, sampleGrid } from '../src/plot/contour.js'

describe('contours', () => {
  it('puts every segment end on the level set of a circle paraboloid, closing the loop', () => {
    const g = sampleGrid((x, y) => x * x + y * y, [-2, 2], [-2, 2], 81, 81)
    const [c] = contours(g, [1])
    const segs = c!.segments
    let length = 0
    for (const [x1, y1, x2, y2] of segs) {
      expect(Math.abs(Math.hypot(x1, y1) - 1)).toBeLessThan(5e-3)
      expect(Math.abs(Math.hypot(x2, y2) - 1)).toBeLessThan(5e-3)
      length += Math.hypot(x2 - x1, y2 - y1)
    }
    expect(Math.abs(length - 2 * Math.PI)).toBeLessThan(1e-2)
    // a closed curve: every end point is shared by exactly two segments
    const key = (x: number, y: number) => `${x.toFixed(9)},${y.toFixed(9)}`
    const ends = new Map<string, number>()
    for (const [x1, y1, x2, y2] of segs) for (const k of [key(x1, y1), key(x2, y2)]) ends.set(k, (ends.get(k) ?? 0) + 1)
    expect([...ends.values()].every((n) => n === 2)).toBe(true)
  })

  it('gives no segments for a level outside the range, and resolves saddles without crossings', () => {
    const g = sampleGrid((x, y) => x * y, [-1, 1], [-1, 1], 21, 21)
    expect(contours(g, [5])[0]!.segments).toHaveLength(0)
    for (const [x1, y1, x2, y2] of contours(g, [0.25])[0]!.segments) {
      expect(x1 * y1).toBeCloseTo(0.25, 1)
      expect(x2 * y2).toBeCloseTo(0.25, 1)
    }
  })
})
