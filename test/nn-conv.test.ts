/**
 * Convolutional layers as records: summary lines with output shapes and parameter counts, misfits
 * named at construction, specs through JSON, spatial batch norm in both modes, and gradcheck on a
 * tiny convnet (conv, spatial batch norm, ReLU, max and average pooling, dense) at ≤ 1e-7.
 */
import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { gradcheck } from '../src/ad/gradcheck.js'
import { evaluateOrThrow } from '../src/eval/evaluate.js'
import { avgPool, conv, convnet, dense, maxPool, relu, sequential, smallConvnet, spatialBatchNorm, summary, type Model } from '../src/nn/index.js'
import { flatten, reshape } from '../src/nn/layers.js'
import { decodeModel, encodeSpec } from '../src/records/spec.js'
import { spatialBatchNormTrain } from '../src/nn/spatialBatchNorm.js'

const right = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left
  return e.right
}

describe('convolutional layers', () => {
  it('summary: output shapes and parameter counts per layer', () => {
    const s = summary(smallConvnet([28, 28, 1], 10))
    expect(s).toContain('conv0     conv 5×5, 1→8, stride 1, pad 0, init he')
    expect(s.split('\n').map((l) => l.replace(/\s+/g, ' ').trim())).toEqual(expect.arrayContaining([
      expect.stringMatching(/^conv0 .* \[N,8,24,24\] 208 0$/),
      expect.stringMatching(/^pool0 maxPool 2, stride 2 \[N,8,12,12\] 0 0$/),
      expect.stringMatching(/^conv1 .* \[N,16,8,8\] 3216 0$/),
      expect.stringMatching(/^dense0 dense 256→10, init xavier \[N,10\] 2570 0$/),
      expect.stringMatching(/^total \[N,10\] 5994 0$/),
    ]))
  })

  it('a shape that does not fit names the layer, the input shape and the formula', () => {
    expect(() => sequential({ ...reshape([1, 6, 6]), in: 36 }, conv(2, 3, { stride: 2 }), flatten, dense(8, 2))).toThrow(
      "sequential: layer 1 'conv0': conv: input [N,1,6,6]: (H + 2·pad − K)/stride + 1 = (6 + 2·0 − 3)/2 + 1: 2.5 is not an integer",
    )
    expect(() => sequential({ ...reshape([1, 4, 4]), in: 16 }, maxPool(3), flatten, dense(1, 2))).toThrow(
      "sequential: layer 1 'pool0': maxPool: input [N,1,4,4]: (H + 2·pad − K)/stride + 1 = (4 + 2·0 − 3)/3 + 1: 1.3333333333333333 is not an integer",
    )
    expect(() => sequential(dense(4, 8), conv(2, 3), flatten, dense(8, 2))).toThrow(
      "sequential: layer 1 'conv0': conv expects [N, C, H, W], got [N,8] (add a reshape layer before it)",
    )
  })

  it('specs with conv, pooling and spatial batch norm layers go through JSON and back', () => {
    const m = convnet([12, 12, 3], 4, { filters: [3], kernel: 3, pad: 1, batchNorm: true })
    const json = JSON.parse(JSON.stringify(encodeSpec(m.spec)))
    const back = right(decodeModel(json))
    expect(back.spec).toEqual(m.spec)
    expect(back.paramShapes).toEqual(m.paramShapes)
    expect(m.paramShapes['conv0.W']).toEqual([3, 3, 3, 3])
    expect(m.stateShapes['sbn0.runningMean']).toEqual([3])
    const bad = { ...json, layers: json.layers.map((l: { kind: string }) => (l.kind === 'conv' ? { ...l, stride: 0 } : l)) }
    expect(E.isLeft(decodeModel(bad))).toBe(true)
  })

  it('spatial batch norm normalizes each channel over N, H and W; test mode uses the running statistics', () => {
    const x = R.normal(R.key(3), [2, 3, 4, 5])
    const xi = ops.input('x', [2, 3, 4, 5])
    const bn = spatialBatchNormTrain(xi, ops.input('g', [3]), ops.input('b', [3]))
    const b = { x, g: T.ones([3]), b: T.zeros([3]) }
    const y = evaluateOrThrow(bn.out, b)
    for (let c = 0; c < 3; c++) {
      const v: number[] = []
      for (let n = 0; n < 2; n++) for (let i = 0; i < 20; i++) v.push(y.data[(n * 3 + c) * 20 + i]!)
      const mean = v.reduce((a, u) => a + u, 0) / v.length
      const varc = v.reduce((a, u) => a + (u - mean) ** 2, 0) / v.length
      expect(mean).toBeCloseTo(0, 12)
      expect(varc).toBeCloseTo(1, 4)
    }
    const m = sequential({ ...reshape([3, 4, 5]), in: 60 }, spatialBatchNorm(), flatten, dense(60, 2)) as Model
    const { params, state } = m.init(R.key(1))
    const train = m.apply(ops.input('x', [2, 60]), 'train')
    const rm = evaluateOrThrow(train.state['sbn0.runningMean']!, { ...params, ...state, x: T.reshape(x, [2, 60]) })
    expect(rm.shape).toEqual([3])
    const test = evaluateOrThrow(m.apply(ops.input('x', [2, 60]), 'test').out, { ...params, ...state, x: T.reshape(x, [2, 60]) })
    expect(test.shape).toEqual([2, 2])
  })
})

describe('gradcheck on a tiny convnet', () => {
  it('every parameter within 1e-7 of central differences', () => {
    const m = sequential(
      { ...reshape([2, 6, 6]), in: 72 },
      conv(3, 3, { pad: 1 }), spatialBatchNorm(), relu, maxPool(2),
      conv(2, 2), avgPool(2), flatten, dense(2, 3),
    ) as Model
    const { params, state } = m.init(R.key(5))
    const x = ops.input('x', [4, 72])
    const y = ops.input('y', [4])
    const loss = ops.mean(ops.neg(ops.gatherLabel(ops.logSoftmax(m.apply(x, 'train').out), y)))
    const b = { ...params, ...state, x: R.normal(R.key(6), [4, 72]), y: T.make([4], [0, 1, 2, 1]) }
    // h = 1e-5 (5-point stencil): at this point no difference step crosses ReLU's kink or a max-pool tie
    // (with the default h = 1e-3 one step of conv0.W does, and its difference is off by 1e-3)
    const r = right(gradcheck(loss, m.params(), b, { h: 1e-5 }))
    for (const p of r.params) expect(p.maxRelError, p.name).toBeLessThanOrEqual(1e-7)
    expect(r.ok).toBe(true)
  })
})
