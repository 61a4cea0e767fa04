/**
 * TensorFlow.js peers of bench:conv (float32, NHWC): the same convnet through tf.conv2d and
 * tf.maxPool, `optimizer.minimize` inside `tidy`.
 *
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so it cannot train a conv layer. For
 * this benchmark a stand-in is registered, built from the backend's own Transpose and Conv2D
 * kernels (valid for stride 1, no padding, the only geometry here):
 *   dW[p, q, c, f] = Σ_{n,i,j} x[n, i+p, j+q, c] · dy[n, i, j, f]
 *                  = conv2d(xᵀ [C, H, W, N], dyᵀ [OH, OW, N, F]) [c, p, q, f], transposed to [KH, KW, C, F].
 */
import * as tf from '@tensorflow/tfjs'
import { argmaxAccuracy, type Batch, type Trainer } from '../common.js'
import type { ConvParam } from '../convnet.js'
import { useBackend } from './tfjs.js'

let standIn = false
function registerBackpropFilterStandIn(): void {
  if (standIn) return
  standIn = true
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend: b }) => {
      const backend = b as { disposeData(id: object): void }
      const { strides, pad, filterShape } = attrs as unknown as { strides: number | [number, number]; pad: unknown; filterShape: [number, number, number, number] }
      const s = typeof strides === 'number' ? [strides, strides] : strides
      if (s[0] !== 1 || s[1] !== 1 || pad !== 'valid') throw new Error('Conv2DBackpropFilter stand-in: only stride 1 and valid padding')
      const kernel = (name: string) => tf.getKernel(name, 'wasm')!.kernelFunc as (a: object) => tf.TensorInfo
      const transpose = (x: tf.TensorInfo, perm: number[]) => kernel('Transpose')({ inputs: { x }, backend, attrs: { perm } })
      const xt = transpose(inputs['x']!, [3, 1, 2, 0])
      const dyt = transpose(inputs['dy']!, [1, 2, 0, 3])
      const conv = kernel('Conv2D')({
        inputs: { x: xt, filter: dyt }, backend,
        attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
      })
      const out = transpose(conv, [1, 2, 0, 3])
      for (const t of [xt, dyt, conv]) backend.disposeData(t.dataId)
      if (out.shape.join() !== filterShape.join()) throw new Error(`Conv2DBackpropFilter stand-in: got ${out.shape}, expected ${filterShape}`)
      return out
    },
  })
}

/** Our [F, C, KH, KW] filters as tfjs's [KH, KW, C, F]; the dense rows from NCHW to NHWC flattening order. */
function toTf(init: Record<ConvParam, Float64Array>): Record<ConvParam, tf.Tensor> {
  const filt = (w: Float64Array, f: number, c: number) => {
    const out = new Float32Array(w.length)
    for (let o = 0; o < f; o++) for (let i = 0; i < c; i++) for (let p = 0; p < 5; p++) for (let q = 0; q < 5; q++) out[((p * 5 + q) * c + i) * f + o] = w[((o * c + i) * 5 + p) * 5 + q]!
    return tf.tensor4d(out, [5, 5, c, f])
  }
  const dense = new Float32Array(256 * 10)
  for (let d = 0; d < 16; d++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let j = 0; j < 10; j++) dense[((y * 4 + x) * 16 + d) * 10 + j] = init['dense.W'][(d * 16 + y * 4 + x) * 10 + j]!
  return {
    'conv0.W': filt(init['conv0.W'], 8, 1), 'conv0.b': tf.tensor1d(Float32Array.from(init['conv0.b'])),
    'conv1.W': filt(init['conv1.W'], 16, 8), 'conv1.b': tf.tensor1d(Float32Array.from(init['conv1.b'])),
    'dense.W': tf.tensor2d(dense, [256, 10]), 'dense.b': tf.tensor1d(Float32Array.from(init['dense.b'])),
  }
}

export async function tfjsConv(backend: 'cpu' | 'wasm', init: Record<ConvParam, Float64Array>, lr: number): Promise<Trainer> {
  await useBackend(backend)
  if (backend === 'wasm') registerBackpropFilterStandIn()
  const v = Object.fromEntries(Object.entries(toTf(init)).map(([k, t]) => [k, tf.variable(t)])) as Record<ConvParam, tf.Variable>
  const opt = tf.train.sgd(lr)
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    const block = (h: tf.Tensor4D, l: 0 | 1) =>
      tf.maxPool(tf.relu(tf.add(tf.conv2d(h, v[`conv${l}.W`] as tf.Tensor4D, 1, 'valid'), v[`conv${l}.b`])), 2, 2, 'valid') as tf.Tensor4D
    const h = block(block(x, 0), 1)
    return tf.add(tf.matMul(tf.reshape(h, [x.shape[0], 256]), v['dense.W'] as tf.Tensor2D), v['dense.b'])
  }
  const img = (b: Batch) => tf.tensor4d(b.x32, [b.n, 28, 28, 1])
  return {
    step: (b: Batch) => {
      tf.tidy(() => {
        const x = img(b)
        const y = tf.tensor2d(b.y1h32, [b.n, 10])
        const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x)) as tf.Scalar, true)
        cost?.dataSync()
      })
    },
    accuracy: (b: Batch) => tf.tidy(() => argmaxAccuracy(forward(img(b)).dataSync(), b.y, 10)),
  }
}
