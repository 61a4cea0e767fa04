/**
 * modelLaws near zero: a bias feeding batch norm has an exactly zero gradient (and Hessian), so its
 * central differences are rounding noise (~1e-14); the laws accept them through an absolute
 * tolerance instead of reporting a failure. (laws.test.ts checks that a wrong rule still fails.)
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { batchNorm, dense, tanh } from '../src/nn/layers.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { sequential } from '../src/nn/model.js'
import { modelLaws } from '../laws/modelLaws.js'

describe('model laws with an exactly zero gradient', () => {
  const m = sequential(dense(3, 4), batchNorm(), tanh, dense(4, 2))
  const x = ops.input('x', [6, 3])
  const y = ops.input('y', [6])
  const loss = softmaxCrossEntropy(m.apply(x, 'train').out, y)
  const { params, state } = m.init(R.key(1))
  const data = { ...params, ...state, x: R.normal(R.key(2), [6, 3]), y: T.of([0, 1, 1, 0, 1, 0]) }
  const bias = m.params()['dense0.b']!

  it('a bias feeding batch norm passes every law, alone and with the other parameters', () => {
    for (const wrt of [[bias], Object.values(m.params())])
      for (const p of modelLaws(loss, wrt, data, { numRuns: 6, seed: 11 })) fc.assert(p.property, p.params)
  })
  it('with no absolute tolerance the same draws fail on differencing noise alone', () => {
    const second = modelLaws(loss, [bias], data, { numRuns: 6, seed: 11, atol: 0 }).find((p) => p.name === 'secondOrder')!
    const r = fc.check(second.property, second.params)
    expect(r.failed).toBe(true)
    expect(String(r.errorInstance)).toMatch(/gradient of 'dense0\.b': numeric .*e-1\d.* vs analytic 0, 0/)
  })
})
