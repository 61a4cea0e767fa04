/**
 * The origin of a NaN: a step re-run in the interpreter names the first non-finite node, forward or
 * backward, with its op, its inputs' ranges, the hazard and the rewrite; a diverging run (softmax
 * written by hand, learning rate 10) stops with that node in its message.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import type { Expr } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { nanOrigin } from '../src/compile/nanOrigin.js'
import { spiral } from '../src/data/index.js'
import { dense, relu, sequential } from '../src/nn/index.js'
import { sgd } from '../src/optim/index.js'
import { train } from '../src/train/index.js'

const naiveSoftmaxCE = (s: Expr, y: Expr): Expr => {
  const e = ops.exp(s)
  const p = ops.div(e, ops.broadcastTo(ops.keepShape(ops.sum(e, [1]), s.shape, [1]), s.shape))
  return ops.neg(ops.mean(ops.gatherLabel(ops.log(p), y)))
}

describe('nanOrigin', () => {
  it('names a forward origin: log of sigmoid(x) at x = −800', () => {
    const x = ops.input('x', [3])
    const r = nanOrigin(ops.sum(ops.log(ops.sigmoid(x))), [x], { x: T.make([3], [1, -800, 2]) })
    if (E.isLeft(r)) throw r.left
    const o = r.right!
    expect(o.pass).toBe('forward')
    expect(o.node.op).toBe(ops.logOp)
    expect(o.value).toBe(-Infinity)
    expect(o.hazard?.kind).toBe('at or across 0')
    expect(o.rewrite?.name).toBe('log(sigmoid) → −softplus(−x)')
    expect(o.message).toMatch(/^first non-finite node: log of σ\(x\) = -Infinity \(forward\), from \[0, 0\.8808\]/)
  })
  it('names a backward origin: the derivative of sqrt at the zero vector', () => {
    const x = ops.input('x', [2, 3])
    const loss = ops.sum(ops.sqrt(ops.sum(ops.square(x), [1])))
    const r = nanOrigin(loss, [x], { x: T.make([2, 3], [1, 2, 3, 0, 0, 0]) })
    if (E.isLeft(r)) throw r.left
    const o = r.right!
    expect(o.pass).toBe('backward')
    expect(o.of.op).toBe(ops.sqrtOp)
    expect(o.hazard?.kind).toBe('infinite derivative')
    expect(o.rewrite?.name).toBe('√(Σx²) → norm')
    expect(o.message).toContain('the derivative of sqrt of sum(')
  })
  it('finds nothing when every value is finite', () => {
    const x = ops.input('x', [2])
    const r = nanOrigin(ops.sum(ops.exp(x)), [x], { x: T.make([2], [1, 2]) })
    expect(E.isRight(r) && r.right === undefined).toBe(true)
  })
})

describe('a run made to diverge', () => {
  const data = spiral(R.key(1))
  const model = sequential(dense(2, 50), relu, dense(50, 50), relu, dense(50, 3))
  const config = { optimizer: sgd(10), epochs: 2, batchSize: 30, key: R.key(0) }
  it('stops with a message naming the node, with its hazard and rewrite, not only the parameter', () => {
    const st = train(model, { train: data }, { ...config, loss: naiveSoftmaxCE })
    expect(st.status).toBe('nonFinite')
    const m = st.nonFinite!.message
    expect(m).toMatch(/^training stopped at step \d+ \(epoch 0, batch \d+\): /)
    expect(m).toMatch(/first non-finite node: (exp|log) of .*dense2\.W/)
    expect(m).toContain('the rewrite log∘softmax → logSoftmax avoids it')
    expect(st.nonFinite!.origin).toBeDefined()
  })
  it('in float32, a step that is finite in float64 says the hazard is float32-only', () => {
    const loss = (sc: Expr, yy: Expr) => ops.add(ops.mean(ops.gatherLabel(sc, yy)), 1e39)
    const st = train(model, { train: data }, { ...config, loss, dtype: 'float32' })
    expect(st.status).toBe('nonFinite')
    expect(st.nonFinite!.message).toContain('the step re-run in float64 (the interpreter) is finite: a float32-only hazard')
  })
  it('runs on with the library loss at the same learning rate', () => {
    const st = train(model, { train: data }, config)
    expect(st.status).toBe('done')
  })
})
