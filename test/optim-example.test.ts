/** examples/05-optimizers.ts runs and tells the story it claims: the race table and the noisy runs. */
import { describe, expect, it } from 'vitest'
import { run, svg } from '../examples/05-optimizers.js'

describe('examples/05-optimizers', () => {
  const res = run()
  const steps = (name: string) => {
    const row = res.table.find((r) => r.optimizer === name)!
    return row.stepsToTarget.startsWith('>') ? Infinity : Number(row.stepsToTarget)
  }

  it('races all seven optimizers; L-BFGS is fastest, momentum methods beat plain SGD', () => {
    expect(res.table.map((r) => r.optimizer)).toEqual(['SGD', 'Momentum', 'Nesterov', 'AdaGrad', 'RMSProp', 'Adam', 'L-BFGS'])
    for (const name of ['SGD', 'Momentum', 'Nesterov', 'Adam']) expect(steps('L-BFGS')).toBeLessThan(steps(name))
    expect(steps('Momentum')).toBeLessThan(steps('SGD'))
    expect(steps('Nesterov')).toBeLessThan(steps('SGD'))
  })

  it('L-BFGS wins full-batch and loses to Momentum and Adam on noisy estimates', () => {
    const at = (name: string, sigma: number) => res.noisy.find((r) => r.name === name && r.sigma === sigma)!
    expect(at('L-BFGS', 0).finalLoss).toBeLessThan(1e-6)
    for (const sigma of [0.1, 1]) {
      expect(at('L-BFGS', sigma).finalLoss).toBeGreaterThan(100 * at('Adam', sigma).finalLoss)
      expect(at('L-BFGS', sigma).finalLoss).toBeGreaterThan(100 * at('Momentum', sigma).finalLoss)
    }
  })

  it('draws an SVG with a contour layer and one trajectory and one loss curve per optimizer', () => {
    const s = svg(res)
    expect(s.startsWith('<svg')).toBe(true)
    expect(s.match(/<polyline/g)!.length).toBe(2 * res.runs.length)
    expect(s.match(/<line /g)!.length).toBeGreaterThan(500)
  })
})
