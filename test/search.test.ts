/**
 * Search spaces: random search is a function of (space, key, trial) only; grid covers every
 * combination; refine narrows around the best; the table is deterministic; trials on worker
 * threads give the same table with 1 or 2 workers.
 */
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import { choice, formatTable, gridSearch, logUniform, randomPoint, randomSearch, rank, refine, spaceProblem, uniform, type Space, type TrialResult } from '../src/train/search.js'
import { defaultRunConfig } from '../src/train/config.js'
import { runTrials } from '../src/cli/pool.js'

const space: Space = { learningRate: logUniform(1e-4, 1), l2: logUniform(1e-6, 1e-2), hidden: choice(50, 100, 200), momentum: uniform(0.5, 0.99) }

describe('search spaces', () => {
  it('random search: same key → same points; trial i alone equals the i-th of the list; values in range', () => {
    const a = randomSearch(space, R.key(3), 20)
    expect(randomSearch(space, R.key(3), 20)).toEqual(a)
    expect(randomSearch(space, R.key(4), 20)).not.toEqual(a)
    expect(randomPoint(space, R.key(3), 13)).toEqual(a[13])
    for (const p of a) {
      expect(p['learningRate']).toBeGreaterThanOrEqual(1e-4)
      expect(p['learningRate']).toBeLessThanOrEqual(1)
      expect([50, 100, 200]).toContain(p['hidden'])
      expect(p['momentum']).toBeGreaterThanOrEqual(0.5)
    }
    // log-uniform: about half the draws of 1e-4..1 fall under 1e-2
    const lrs = randomSearch({ lr: logUniform(1e-4, 1) }, R.key(9), 400).map((p) => p['lr'] as number)
    const under = lrs.filter((v) => v < 1e-2).length / lrs.length
    expect(under).toBeGreaterThan(0.4)
    expect(under).toBeLessThan(0.6)
  })

  it('random search tries more distinct values of each dimension than a grid of the same size', () => {
    const g = gridSearch({ a: uniform(0, 1), b: uniform(0, 1) }, 3)
    const r = randomSearch({ a: uniform(0, 1), b: uniform(0, 1) }, R.key(1), 9)
    expect(new Set(g.map((p) => p['a'])).size).toBe(3)
    expect(new Set(r.map((p) => p['a'])).size).toBe(9)
  })

  it('grid search: every combination, ends included, log spacing on logUniform', () => {
    const g = gridSearch({ lr: logUniform(1e-3, 1e-1), h: choice('a', 'b') }, 3)
    expect(g).toHaveLength(6)
    const lrs = [...new Set(g.map((p) => p['lr'] as number))]
    expect(lrs[0]).toBeCloseTo(1e-3, 12)
    expect(lrs[1]).toBeCloseTo(1e-2, 12)
    expect(lrs[2]).toBeCloseTo(1e-1, 12)
  })

  it('refine narrows each range around the best trials and keeps their choices', () => {
    const pts = randomSearch(space, R.key(5), 30)
    // score: best near lr = 1e-2, l2 = 1e-4
    const results: TrialResult[] = pts.map((point, trial) => ({
      trial, point,
      score: 1 - Math.abs(Math.log10(point['learningRate'] as number) + 2) / 10 - Math.abs(Math.log10(point['l2'] as number) + 4) / 10,
    }))
    const fine = refine(space, results, { top: 3 })
    const best = rank(results).slice(0, 3)
    for (const k of ['learningRate', 'l2', 'momentum'] as const) {
      const d = fine[k]!
      const o = space[k]!
      if (d.kind === 'choice' || o.kind === 'choice') throw new Error('numeric')
      expect(d.lo).toBeGreaterThanOrEqual(o.lo)
      expect(d.hi).toBeLessThanOrEqual(o.hi)
      expect(d.hi - d.lo).toBeLessThan(o.hi - o.lo)
      for (const r of best) {
        expect(r.point[k]).toBeGreaterThanOrEqual(d.lo)
        expect(r.point[k]).toBeLessThanOrEqual(d.hi)
      }
    }
    const lr = fine['learningRate']!
    if (lr.kind === 'choice') throw new Error('numeric')
    expect(lr.lo).toBeLessThan(1e-2 * 3)
    expect(lr.hi).toBeGreaterThan(1e-2 / 3)
    const h = fine['hidden']!
    expect(h.kind === 'choice' && h.values.every((v) => best.some((r) => r.point['hidden'] === v))).toBe(true)
    expect(refine(space, [{ trial: 0, point: {}, score: NaN }])).toEqual(space)
  })

  it('rank puts failures last and breaks ties by trial; the table is deterministic', () => {
    const rs: TrialResult[] = [
      { trial: 0, point: { lr: 0.1 }, score: 0.5 },
      { trial: 1, point: { lr: 10 }, score: NaN, error: 'non-finite at step 3' },
      { trial: 2, point: { lr: 0.01 }, score: 0.9 },
      { trial: 3, point: { lr: 0.02 }, score: 0.5 },
    ]
    expect(rank(rs).map((r) => r.trial)).toEqual([2, 0, 3, 1])
    const t = formatTable(rs)
    expect(formatTable([...rs].reverse())).toBe(t)
    expect(t.split('\n')[2]).toMatch(/^1\s+2\s+0\.0100\s+90\.0%/)
    expect(t).toContain('non-finite at step 3')
  })

  it('spaceProblem names the bad dimension', () => {
    expect(spaceProblem(space)).toBeUndefined()
    expect(spaceProblem({ lr: logUniform(0, 1) })).toBe("search space 'lr': logUniform needs lo > 0, got 0")
    expect(spaceProblem({ x: uniform(2, 1) })).toBe("search space 'x': expected lo ≤ hi, got 2..1")
  })
})

describe('parallel trials', () => {
  it('the same seed gives the same table with 1 or 2 worker threads', async () => {
    const base = { ...defaultRunConfig, data: 'spiral' as const, preprocess: 'none' as const, shift: 0, epochs: 3, batchSize: 32, hidden: [20] }
    const points = randomSearch({ learningRate: logUniform(1e-3, 0.3), l2: logUniform(1e-6, 1e-2) }, R.key(11), 4)
    const one = await runTrials(base, points, { workers: 1 })
    const two = await runTrials(base, points, { workers: 2 })
    expect(two).toEqual(one)
    expect(formatTable(two)).toBe(formatTable(one))
    expect(one.every((r) => r.score > 0)).toBe(true)
  }, 60_000)
})
