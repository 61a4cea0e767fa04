import { describe, expect, it } from 'vitest'
import { run } from '../examples/00-tour.js'

describe('examples/00-tour (the README tour)', () => {
  it('prints ∂f/∂z = x + y, trains the spiral and passes the gradient check', () => {
    const r = run()
    expect(r.dzText).toBe('x + y')
    expect(r.first).toBeGreaterThan(1) // ≈ log 3 at init
    expect(r.last).toBeLessThan(0.4)
    expect(r.acc).toBeGreaterThan(0.9)
    expect(r.worst).toBeLessThan(1e-7)
  })
})
