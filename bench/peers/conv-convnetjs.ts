/**
 * ConvNetJS peer of bench:conv (float64): conv 5×5×8 relu, pool 2, conv 5×5×16 relu, pool 2,
 * fc 10 + softmax; SGD with momentum 0 and no decay, its Trainer averaging over `batch` samples.
 * ConvNetJS volumes are [x, y, depth] (index ((W·y) + x)·depth + d); weights are copied over from
 * our [F, C, KH, KW] filters and NCHW-flattened dense rows.
 */
import { createRequire } from 'node:module'
import type { Batch, Trainer } from '../common.js'
import type { ConvParam } from '../convnet.js'

interface Vol { w: Float64Array; sx: number; sy: number; depth: number }
interface Layer { filters?: Vol[]; biases?: Vol; layer_type: string }
interface Net { makeLayers(defs: object[]): void; forward(v: Vol, training?: boolean): Vol; layers: Layer[] }
interface CnnJs {
  Net: new () => Net
  Vol: new (sx: number, sy: number, depth: number, c?: number) => Vol
  Trainer: new (net: Net, opts: object) => { train(v: Vol, y: number): unknown }
}

export function convnetjsConv(init: Record<ConvParam, Float64Array>, lr: number, batch: number): Trainer {
  const cnn = createRequire(import.meta.url)('convnetjs') as CnnJs
  const net = new cnn.Net()
  net.makeLayers([
    { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
    { type: 'conv', sx: 5, filters: 8, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'softmax', num_classes: 10 },
  ])
  const convs = net.layers.filter((l) => l.layer_type === 'conv')
  convs.forEach((layer, l) => {
    const W = init[`conv${l}.W` as ConvParam]
    const c = l === 0 ? 1 : 8
    layer.filters!.forEach((f, o) => {
      for (let d = 0; d < c; d++) for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) f.w[(5 * y + x) * c + d] = W[((o * c + d) * 5 + y) * 5 + x]!
    })
    layer.biases!.w.set(init[`conv${l}.b` as ConvParam])
  })
  const fc = net.layers.find((l) => l.layer_type === 'fc')!
  fc.filters!.forEach((f, j) => {
    for (let d = 0; d < 16; d++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) f.w[(4 * y + x) * 16 + d] = init['dense.W'][(d * 16 + y * 4 + x) * 10 + j]!
  })
  fc.biases!.w.set(init['dense.b'])
  const trainer = new cnn.Trainer(net, { method: 'sgd', learning_rate: lr, momentum: 0, l2_decay: 0, batch_size: batch })
  const vol = (x: Float64Array, i: number): Vol => {
    const v = new cnn.Vol(28, 28, 1, 0)
    v.w.set(x.subarray(i * 784, (i + 1) * 784))
    return v
  }
  return {
    step: (b: Batch) => {
      for (let i = 0; i < b.n; i++) trainer.train(vol(b.x, i), b.y[i]!)
    },
    accuracy: (b: Batch) => {
      let ok = 0
      for (let i = 0; i < b.n; i++) {
        const p = net.forward(vol(b.x, i)).w
        let best = 0
        for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c
        if (best === b.y[i]) ok++
      }
      return ok / b.n
    },
  }
}
