/**
 * Adadelta (src/optim/adadelta.ts) against the paper's Algorithm 1 written elementwise, and on the
 * ill-conditioned bowl. Its purity, zero-gradient and resume laws come from the registry
 * (optim-laws.test.ts).
 */
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { adadelta } from '../src/optim/registry.js'
import { applyUpdates } from '../src/optim/GradientTransformation.js'
import type { Params } from '../src/optim/params.js'
import { bowl } from './optim-fixtures.js'

describe('adadelta', () => {
  it('follows Zeiler 2012, Algorithm 1, elementwise (lr = 1), bit for bit', () => {
    const [rho, eps] = [0.9, 1e-6]
    const opt = adadelta(1, { rho, eps })
    const x: Params = { a: R.normal(R.key(1), [2, 3]), b: R.normal(R.key(2), [4]) }
    let s = opt.init(x)
    const eg: Record<string, number[]> = { a: Array(6).fill(0), b: Array(4).fill(0) }
    const ex: Record<string, number[]> = { a: Array(6).fill(0), b: Array(4).fill(0) }
    for (let t = 0; t < 12; t++) {
      const g: Params = { a: R.normal(R.foldIn(R.key(3), t), [2, 3]), b: R.normal(R.foldIn(R.key(4), t), [4]) }
      const [u, s2] = opt.update(g, s, x)
      s = s2
      for (const k of ['a', 'b']) {
        const want = Array.from(g[k]!.data, (gi, i) => {
          eg[k]![i] = rho * eg[k]![i]! + (1 - rho) * gi * gi
          const dx = -(Math.sqrt(ex[k]![i]! + eps) / Math.sqrt(eg[k]![i]! + eps)) * gi
          ex[k]![i] = rho * ex[k]![i]! + (1 - rho) * dx * dx
          return dx
        })
        // the rule keeps u = −Δx before the learning-rate link, which multiplies by −1: Δx exactly
        expect(Array.from(u[k]!.data), `step ${t}, ${k}`).toEqual(want)
      }
    }
  })

  it('descends the bowl f = ½(x² + 100y²) from (1, 1) without a tuned learning rate', () => {
    const pb = bowl()
    const opt = adadelta()
    let x = pb.x0
    let s = opt.init(x)
    const f0 = pb.objective(x)[0]
    for (let t = 0; t < 2000; t++) {
      const [u, s2] = opt.update(pb.objective(x)[1], s, x)
      ;[x, s] = [applyUpdates(x, u), s2]
    }
    expect(pb.objective(x)[0]).toBeLessThan(f0 * 1e-3)
    expect(T.isFinite(x['w']!)).toBe(true)
  })
})
