/** symgrad peers of bench:conv: the compiled loss+gradient program of the small convnet, plain SGD. */
import * as sg from '../../src/ops/index.js'
import type { Tensor } from '../../src/core/Tensor.js'
import { grad } from '../../src/ad/grad.js'
import { compile, valueAndGrad } from '../../src/compile/index.js'
import { threadPool } from '../../src/runner/threads.js'
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

/**
 * Float32 on the WebAssembly backend (threads > 1: with a thread pool): the SGD update is part of
 * the compiled step and the new parameters are carried back into the function's memory, so they
 * stay float32 there from step to step; only the batch is converted on the way in.
 */
export function symgradConvF32(init: Record<ConvParam, Float64Array>, lr: number, threads: number): Trainer {
  const x = sg.input('x', ['N', 1, 28, 28])
  const y = sg.input('y', ['N'])
  const { scores, params } = convGraph(x)
  const keys = Object.keys(params) as ConvParam[]
  const gs = grad(softmaxCrossEntropy(scores, y), params)
  const pool = threads > 1 ? threadPool(threads) : undefined
  const opts = { dtype: 'float32' as const, ...(pool ? { threads: pool } : {}) }
  const loss = softmaxCrossEntropy(scores, y)
  const step = compile([loss, ...keys.map((k) => sg.sub(params[k], sg.mul(lr, gs[k])))], { ...opts, carry: Object.fromEntries(keys.map((k, i) => [k, i + 1])) })
  const fwd = compile([scores], opts)
  for (const k of keys) step.load(k, { shape: [...convShapes[k]], data: init[k].slice() })
  const img = (b: Batch) => ({ shape: [b.n, 1, 28, 28], data: b.x })
  return {
    step: (b) => void step.runOwned({ x: img(b), y: { shape: [b.n], data: b.y } }),
    accuracy: (b) => {
      for (const k of keys) fwd.load(k, step.read(k))
      return argmaxAccuracy(fwd.runOrThrow({ x: img(b) })[0]!.data, b.y, 10)
    },
  }
}
