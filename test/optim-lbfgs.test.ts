/**
 * L-BFGS: Rosenbrock from (−1.2, 1) to f < 1e-10, quadratics, history size, the two-loop recursion
 * against the explicit BFGS inverse-Hessian formula, determinism and purity.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { freeze } from 'immer'
import * as T from '../src/core/Tensor.js'
import * as P from '../src/optim/params.js'
import type { Params } from '../src/optim/params.js'
import { direction, lbfgs, lbfgsInit, lbfgsStep, type Objective } from '../src/optim/lbfgs.js'
import { bowl, multiKey, rosenbrock, snapshot } from './optim-fixtures.js'

/** Extended Rosenbrock in n dimensions: Σ (1−x_i)² + 100(x_{i+1} − x_i²)². */
const rosenbrockN: Objective = (p) => {
  const x = p['x']!.data
  const g = new Float64Array(x.length)
  let f = 0
  for (let i = 0; i + 1 < x.length; i++) {
    const r = x[i + 1]! - x[i]! ** 2
    f += (1 - x[i]!) ** 2 + 100 * r * r
    g[i] = g[i]! - 2 * (1 - x[i]!) - 400 * x[i]! * r
    g[i + 1] = g[i + 1]! + 200 * r
  }
  return [f, { x: T.make([x.length], g) }]
}

describe('lbfgs', () => {
  it('reaches f < 1e-10 on 2-D Rosenbrock from (−1.2, 1), with a monotone loss', () => {
    const pb = rosenbrock()
    const r = lbfgs(pb.objective, pb.x0)
    expect(r.loss).toBeLessThan(1e-10)
    expect(r.reason).toBe('gradient tolerance reached')
    expect(T.maxRelError(r.params['w']!, T.of([1, 1]))).toBeLessThan(1e-6)
    expect(r.iterations).toBeLessThan(60)
    r.losses.slice(1).forEach((f, i) => expect(f).toBeLessThan(r.losses[i]!))
    console.log(`L-BFGS on Rosenbrock: f = ${r.loss.toExponential(2)} after ${r.iterations} iterations, ${r.evaluations} evaluations`)
  })

  it('reaches f < 1e-10 on 10-D Rosenbrock for history sizes 1, 3, 10', () => {
    for (const m of [1, 3, 10]) {
      const x0 = { x: T.of([-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1]) }
      const r = lbfgs(rosenbrockN, x0, { history: m, maxIter: 2000 })
      expect(r.loss).toBeLessThan(1e-10)
    }
  })

  it('keeps at most m curvature pairs, each with sᵀy > 0', () => {
    const pb = rosenbrock()
    let st = lbfgsInit(pb.objective, pb.x0)
    for (let i = 0; i < 20; i++) {
      st = lbfgsStep(pb.objective, st, { history: 4 })
      expect(st.s.length).toBeLessThanOrEqual(4)
      st.s.forEach((s, j) => expect(P.dot(s, st.y[j]!)).toBeGreaterThan(0))
    }
  })

  it('solves quadratic bowls and multi-tensor parameter records', () => {
    for (const pb of [bowl(1, 100), bowl(1, 1e4), multiKey()]) {
      const r = lbfgs(pb.objective, pb.x0)
      expect(r.loss).toBeLessThan(1e-18)
      expect(r.iterations).toBeLessThan(20)
    }
  })

  it('the two-loop recursion equals −H·g with H from the explicit BFGS updates', () => {
    const vec = fc.array(fc.integer({ min: -2000, max: 2000 }).map((i) => i / 1000), { minLength: 3, maxLength: 3 })
    // y = c·s + 0.3·p: mostly positive curvature sᵀy, as the steps of a descent on a convex bowl give
    const pair = fc.tuple(vec, vec, fc.integer({ min: 1, max: 20 })).map(([s, p, c]) => [s, s.map((si, i) => (c / 10) * si + 0.3 * p[i]!)] as [number[], number[]])
    let withPairs = 0
    fc.assert(
      fc.property(vec, fc.array(pair, { minLength: 0, maxLength: 3 }), (g, pairs) => {
        // keep only pairs with sᵀy clearly positive, as lbfgsStep does
        const ok = pairs.filter(([s, y]) => s.reduce((a, si, i) => a + si * y[i]!, 0) > 0.1)
        if (ok.length > 0) withPairs++
        const toP = (v: number[]): Params => ({ v: T.of(v) })
        const d = direction(toP(g), ok.map(([s]) => toP(s)), ok.map(([, y]) => toP(y)))
        // H₀ = γI, then H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ for each pair, oldest first
        const last = ok[ok.length - 1]
        const dot = (a: number[], b: number[]) => a.reduce((s, ai, i) => s + ai * b[i]!, 0)
        const gamma = last ? dot(last[0], last[1]) / dot(last[1], last[1]) : 1
        let H = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? gamma : 0)))
        for (const [s, y] of ok) {
          const rho = 1 / dot(s, y)
          const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? 1 : 0) - rho * s[i]! * y[j]!))
          const AH = A.map((row) => [0, 1, 2].map((j) => dot(row, H.map((r) => r[j]!))))
          // (A·H·Aᵀ)ᵢⱼ = Σₖ (A·H)ᵢₖ·Aⱼₖ: row j of A is column j of Aᵀ
          H = AH.map((row, i) => [0, 1, 2].map((j) => dot(row, A[j]!) + rho * s[i]! * s[j]!))
        }
        const expected = H.map((row) => -dot(row, g))
        expected.forEach((e, i) => expect(Math.abs(d['v']!.data[i]! - e)).toBeLessThan(1e-9 * (1 + Math.abs(e))))
      }),
      { numRuns: 200 },
    )
    // the recursion is exercised with curvature pairs, not only as d = −g
    expect(withPairs).toBeGreaterThan(50)
  })

  it('is deterministic and pure', () => {
    const pb = rosenbrock()
    const x0 = freeze({ w: T.of([-1.2, 1]) }, true)
    const before = snapshot(x0)
    const a = lbfgs(pb.objective, x0)
    const b = lbfgs(pb.objective, x0)
    expect(snapshot(x0)).toEqual(before)
    expect(P.equal(a.params, b.params)).toBe(true)
    expect(a.losses).toEqual(b.losses)
    const st = freeze(lbfgsStep(pb.objective, lbfgsInit(pb.objective, x0)), true)
    const snap = snapshot(st)
    lbfgsStep(pb.objective, st)
    expect(snapshot(st)).toEqual(snap)
  })

  it('stops with a named reason when the line search cannot make progress', () => {
    // a loss that jumps up at every step away from x0: no step satisfies sufficient decrease
    const cliff: Objective = (p) => {
      const x = p['x']!.data[0]!
      return [x === 0 ? 0 : 1 + x * x, { x: T.of([1]) }]
    }
    const r = lbfgs(cliff, { x: T.of([0]) })
    expect(r.reason).toMatch(/^line search failed/)
    expect(r.params['x']!.data[0]).toBe(0)
  })

  it('fixedStep: no line search, one evaluation per iteration, converges on a quadratic', () => {
    const quad: Objective = (p) => [0.5 * P.dot(p, p), p]
    const r = lbfgs(quad, { x: T.of([3, -4]) }, { fixedStep: 0.5, maxIter: 60, gradTol: 1e-9 })
    expect(r.reason).toBe('gradient tolerance reached')
    expect(r.evaluations).toBe(r.iterations + 1)
    const blowup = lbfgs((p) => { const v = p['x']!.data[0]!; return [Math.exp(v * v), { x: T.of([2 * v * Math.exp(v * v)]) }] }, { x: T.of([2]) }, { fixedStep: 1000 })
    expect(blowup.reason).toMatch(/^fixed step 1000 gave a non-finite loss/)
  })

  it('fixedStep: the first step (d = −g, no curvature yet) is scaled by min(1, 1/‖g‖), as the line search\'s first trial', () => {
    const pb = rosenbrock()
    const [f0, g0] = pb.objective(pb.x0)
    const gn = P.globalNorm(g0)
    expect(gn).toBeGreaterThan(200)
    const st = lbfgsStep(pb.objective, lbfgsInit(pb.objective, pb.x0), { fixedStep: 1 })
    // x1 = x0 − g/‖g‖ (the unscaled step gave f ≈ 2.1e11 at the first iterate)
    const x1 = P.axpy(pb.x0, -1 / gn, g0)
    expect(T.maxRelError(st.x['w']!, x1['w']!)).toBeLessThan(1e-15)
    expect(st.f).toBe(pb.objective(x1)[0])
    expect(st.f).toBeLessThan(200)
    expect(pb.objective(P.axpy(pb.x0, -1, g0))[0]).toBeGreaterThan(2e11)
    expect(f0).toBeCloseTo(24.2, 10)
  })

  it('fTol and xTol stop on a small change of f or x, with the reason named', () => {
    const pb = rosenbrock()
    const f = lbfgs(pb.objective, pb.x0, { fTol: 1e-3 })
    const x = lbfgs(pb.objective, pb.x0, { xTol: 1e-2 })
    const full = lbfgs(pb.objective, pb.x0)
    expect([f.reason, x.reason]).toEqual(['function change tolerance reached', 'step tolerance reached'])
    expect(f.iterations).toBeLessThan(full.iterations)
    expect(x.iterations).toBeLessThan(full.iterations)
    expect(f.losses).toHaveLength(f.iterations + 1)
  })

  it('a failed line search restarts from steepest descent instead of stopping', () => {
    const quad: Objective = (p) => [0.5 * P.dot(p, p), p]
    const x0 = { x: T.of([1, 1]) }
    // a stale pair that makes the direction 1e-12 times too short: no step within 25 doublings satisfies the curvature condition
    const st = { ...lbfgsInit(quad, x0), s: [{ x: T.of([1e-12, 0]) }], y: [{ x: T.of([1, 0]) }] }
    const next = lbfgsStep(quad, st)
    expect([next.stopped, next.restarts, next.iteration]).toEqual([null, 1, 1])
    expect(next.f).toBeLessThan(st.f)
  })
})
