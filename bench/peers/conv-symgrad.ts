/** symgrad peer of bench:conv: the compiled loss+gradient program of the small convnet, plain SGD. */
import * as sg from '../../src/ops/index.js'
import type { Tensor } from '../../src/core/Tensor.js'
import { compile, valueAndGrad } from '../../src/compile/index.js'
import { softmaxCrossEntropy } from '../../src/nn/losses.js'
import { argmaxAccuracy, type Batch, type Trainer } from '../common.js'
import { convGraph, convShapes, type ConvParam } from '../convnet.js'

export function symgradConv(init: Record<ConvParam, Float64Array>, lr: number): Trainer {
  const x = sg.input('x', ['N', 1, 28, 28])
  const y = sg.input('y', ['N'])
  const { scores, params } = convGraph(x)
  const vg = valueAndGrad(softmaxCrossEntropy(scores, y), params)
  const fwd = compile([scores])
  const p = Object.fromEntries(Object.entries(convShapes).map(([k, s]) => [k, { shape: s, data: init[k as ConvParam].slice() }])) as unknown as Record<ConvParam, Tensor>
  const img = (b: Batch) => ({ shape: [b.n, 1, 28, 28], data: b.x })
  return {
    step: (b) => {
      const g = vg.runOwned({ ...p, x: img(b), y: { shape: [b.n], data: b.y } }).grads
      for (const k in p) {
        const d = p[k as ConvParam].data
        const gd = g[k as ConvParam].data
        for (let i = 0; i < d.length; i++) d[i] = d[i]! - lr * gd[i]!
      }
    },
    accuracy: (b) => argmaxAccuracy(fwd.runOrThrow({ ...p, x: img(b) })[0]!.data, b.y, 10),
  }
}
