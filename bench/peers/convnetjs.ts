/**
 * ConvNetJS (float64): fc-relu-fc-softmax, plain SGD with momentum 0 and no weight decay; its
 * Trainer averages gradients over `batch_size` samples, so one step is `batch` calls to train().
 */
import { createRequire } from 'node:module'
import { LR, type Batch, type Config, type Init, type Trainer } from '../common.js'

interface Vol { w: Float64Array; sx: number; sy: number; depth: number }
interface Layer { filters?: Vol[]; biases?: Vol; layer_type: string }
interface Net { makeLayers(defs: object[]): void; forward(v: Vol, training?: boolean): Vol; layers: Layer[] }
interface CnnJs {
  Net: new () => Net
  Vol: new (sx: number, sy: number, depth: number, c?: number) => Vol
  Trainer: new (net: Net, opts: object) => { train(v: Vol, y: number): unknown }
}

export async function convnetjs(cfg: Config, init: Init): Promise<Trainer> {
  const require = createRequire(import.meta.url)
  const cnn = require('convnetjs') as CnnJs
  const net = new cnn.Net()
  const defs: object[] = [{ type: 'input', out_sx: 1, out_sy: 1, out_depth: cfg.sizes[0] }]
  for (let l = 1; l + 1 < cfg.sizes.length; l++) defs.push({ type: 'fc', num_neurons: cfg.sizes[l], activation: 'relu' })
  defs.push({ type: 'softmax', num_classes: cfg.sizes[cfg.sizes.length - 1] })
  net.makeLayers(defs)
  // same initial weights: filters[j].w[i] = W[i, j]
  const fcs = net.layers.filter((l) => l.layer_type === 'fc')
  fcs.forEach((layer, l) => {
    const fo = cfg.sizes[l + 1]!
    layer.filters!.forEach((f, j) => {
      for (let i = 0; i < f.w.length; i++) f.w[i] = init.W[l]![i * fo + j]!
    })
    layer.biases!.w.set(init.b[l]!)
  })
  const trainer = new cnn.Trainer(net, { method: 'sgd', learning_rate: LR, momentum: 0, l2_decay: 0, batch_size: cfg.batch })
  const vol = (x: Float64Array, i: number): Vol => {
    const v = new cnn.Vol(1, 1, cfg.sizes[0]!, 0)
    v.w.set(x.subarray(i * cfg.sizes[0]!, (i + 1) * cfg.sizes[0]!))
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
