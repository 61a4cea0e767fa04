/**
 * TensorFlow.js peers (float32, its only dtype): the `cpu` backend and the WebAssembly SIMD backend.
 * The step is the idiomatic one: tensors in, `optimizer.minimize` inside `tidy`.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { argmaxAccuracy, LR, type Batch, type Config, type Init, type Trainer } from '../common.js'

let wasmReady = false
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm' && !wasmReady) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm')
    const require = createRequire(import.meta.url)
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + '/')
    wasmReady = true
  }
  await tf.setBackend(name)
  await tf.ready()
}

export async function tfjs(backend: 'cpu' | 'wasm', cfg: Config, init: Init): Promise<Trainer> {
  await useBackend(backend)
  const W = init.W.map((w, l) => tf.variable(tf.tensor2d(Float32Array.from(w), [cfg.sizes[l]!, cfg.sizes[l + 1]!])))
  const b = init.b.map((v) => tf.variable(tf.tensor1d(Float32Array.from(v))))
  const opt = tf.train.sgd(LR)
  const forward = (x: tf.Tensor2D): tf.Tensor2D => {
    let h = x
    for (let l = 0; l < W.length; l++) {
      h = tf.add(tf.matMul(h, W[l]!), b[l]!)
      if (l + 1 < W.length) h = tf.relu(h)
    }
    return h
  }
  return {
    step: (bt: Batch) => {
      tf.tidy(() => {
        const x = tf.tensor2d(bt.x32, [bt.n, 784])
        const y = tf.tensor2d(bt.y1h32, [bt.n, 10])
        const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x)) as tf.Scalar, true)
        cost?.dataSync()
      })
    },
    accuracy: (bt: Batch) => tf.tidy(() => argmaxAccuracy(forward(tf.tensor2d(bt.x32, [bt.n, 784])).dataSync(), bt.y, 10)),
  }
}
