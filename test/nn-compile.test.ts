import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { grad } from '../src/ad/grad.js'
import { compile } from '../src/compile/index.js'
import { batchNorm, dense, dropout, elu, leakyRelu, maxout } from '../src/nn/layers.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { sequential } from '../src/nn/model.js'
import { l2Half } from '../src/nn/regularizers.js'
import { run } from './nn-check.js'

describe('nn graphs compile: one compiled function per model, fresh dropout masks each call', () => {
  it('loss, gradients and new running statistics agree with the reference interpreter for several keys', () => {
    const m = sequential(dense(6, 8), batchNorm(), leakyRelu(0.1), dropout({ keep: 0.8 }), maxout(8, 5, 2), elu(), dense(5, 3))
    const x = ops.input('x', ['N', 6])
    const y = ops.input('y', ['N'])
    const a = m.apply(x, 'train')
    const loss = ops.add(softmaxCrossEntropy(a.out, y), l2Half(m.weights(), 1e-3))
    const g = grad(loss, m.params())
    const outs = [loss, ...Object.values(g), ...Object.values(a.state)]
    const fn = compile(outs)
    const { params, state } = m.init(R.key(1))
    const xb = R.normal(R.key(2), [10, 6])
    const yb = T.make([10], Array.from({ length: 10 }, (_, i) => i % 3))
    const losses: number[] = []
    for (const step of [0, 1, 2]) {
      const b = { ...params, ...state, x: xb, y: yb, ...a.random.bindings(R.foldIn(R.key(3), step), 10) }
      const got = fn(b)
      expect(E.isRight(got)).toBe(true)
      if (E.isLeft(got)) return
      const ref = run(outs, b)
      got.right.forEach((t, i) => expect(T.maxRelError(t, ref[i]!, 1e-12)).toBeLessThan(1e-10))
      losses.push(T.item(got.right[0]!))
    }
    // different keys, different masks, different losses
    expect(new Set(losses).size).toBe(3)
  })
})
