/**
 * ONNX export, checked by running the exported file in onnxruntime-node (float32) against symgrad's
 * own predictions (float64) for an MLP with batch norm and dropout trained briefly on MNIST.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as ort from 'onnxruntime-node'
import { afterAll, describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as D from '../src/data/Dataset.js'
import { saveCheckpoint } from '../src/records/files.js'
import { loadData } from '../src/runner/data.js'
import { runCli } from '../src/cli/main.js'
import { mlp } from '../src/nn/model.js'
import { convnet } from '../src/nn/convnets.js'
import { modelToOnnx } from '../src/onnx/model.js'
import * as ops from '../src/ops/index.js'
import * as O from '../src/optim/index.js'
import { train } from '../src/train/loop.js'
import onnxProto from 'onnx-proto'
import { readFileSync } from 'node:fs'
import { toOnnx } from '../src/onnx/export.js'
import { softmaxRows } from '../src/train/programs.js'
import { evaluateOrThrow } from '../src/eval/evaluate.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-onnx-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Largest |a − b| / max(|b|, floor) over all entries. */
function worstRelative(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  let w = 0
  for (let i = 0; i < b.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor))
  return w
}

function argmaxRows(d: ArrayLike<number>, cols: number): number[] {
  const out: number[] = []
  for (let r = 0; r < d.length / cols; r++) {
    let best = 0
    for (let j = 1; j < cols; j++) if (d[r * cols + j]! > d[r * cols + best]!) best = j
    out.push(best)
  }
  return out
}

describe('symgrad export --onnx', () => {
  it('an MLP with batch norm and dropout gives the same predictions in onnxruntime on 1,000 MNIST test digits', async () => {
    const data = loadData({ data: 'mnist' })
    if (E.isLeft(data)) throw data.left
    const { train: tr, validation, test } = data.right
    const model = mlp([784, 100, 50, 10], { batchNorm: true, keep: 0.8 })
    const st = train(model, { train: tr, validation }, { optimizer: O.adam(1e-3), epochs: 1, batchSize: 100, key: R.key(3), maxSteps: 150, evalTrainSize: 0 })
    expect(Object.keys(st.modelState).filter((k) => /running(Mean|Var)$/.test(k))).toHaveLength(4)
    const ckpt = join(dir, 'run.json')
    expect(E.isRight(saveCheckpoint(ckpt, { spec: model.spec, state: st }))).toBe(true)
    const file = join(dir, 'model.onnx')
    const cli = await runCli(['export', '--onnx', file, ckpt])
    expect(cli, cli.stderr).toEqual({ code: 0, stderr: '' })

    const n = 1000
    const x = T.make([n, 784], test.x.data.subarray(0, n * 784))
    const mine = model.predict(st.params, st.modelState, x)
    if (E.isLeft(mine)) throw mine.left
    const session = await ort.InferenceSession.create(file)
    const got = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x.data), [n, 784]) })
    const scores = got['scores']!.data as Float32Array
    const proba = got['probabilities']!.data as Float32Array
    expect(got['scores']!.dims).toEqual([n, 10])
    expect(argmaxRows(scores, 10)).toEqual(Array.from(mine.right.labels.data))
    expect(argmaxRows(proba, 10)).toEqual(Array.from(mine.right.labels.data))
    const scoreErr = worstRelative(scores, mine.right.scores.data, 1)
    const probaErr = worstRelative(proba, softmaxRows(mine.right.scores).data, 1)
    const strict = worstRelative(scores, mine.right.scores.data, 1e-300)
    console.log(`onnx vs symgrad on ${n} test digits: argmax equal on all; worst |Δ|/max(|v|,1): scores ${scoreErr.toExponential(2)}, probabilities ${probaErr.toExponential(2)}; worst |Δ|/|v| of scores ${strict.toExponential(2)}`)
    expect(scoreErr).toBeLessThan(1e-5)
    expect(probaErr).toBeLessThan(1e-5)
    // the exported graph is the inference form: dense layers as Gemm, batch norm as BatchNormalization, no dropout
    const proto = onnxProto.onnx.ModelProto.decode(readFileSync(file))
    expect(proto.graph!.node!.map((n) => n.opType)).toEqual(['Gemm', 'BatchNormalization', 'Relu', 'Gemm', 'BatchNormalization', 'Relu', 'Gemm', 'Identity', 'Softmax'])
    expect(proto.graph!.input!.map((i) => i.name)).toEqual(['x'])
  }, 120_000)

  it('convolution, padding, pooling, reshape and elementwise ops agree with onnxruntime (Conv, Pad, MaxPool, AveragePool)', async () => {
    const key = R.key(9)
    const x = ops.input('x', ['N', 2, 8, 8])
    const w = ops.param('w', [4, 2, 3, 3])
    const b = ops.param('b', [4])
    const v = ops.param('v', [16, 3])
    const conv = ops.conv2d(ops.pad(x, [[0, 0], [0, 0], [1, 1], [1, 1]]), w, { stride: [1, 1], pad: [0, 0] })
    const biased = ops.add(conv, ops.broadcastTo(ops.reshape(b, [4, 1, 1]), conv.shape))
    const act = ops.tanh(ops.maximum(biased, ops.mul(0.1, biased)))
    const pooled = ops.avgPool2d(ops.maxPool2d(act, { window: [2, 2] }), { window: [2, 2], stride: [2, 2] })
    const flat = ops.reshape(pooled, ['N', 16])
    const out = ops.sigmoid(ops.matmul(flat, v))
    const values = { w: R.normal(R.foldIn(key, 1), [4, 2, 3, 3]), b: R.normal(R.foldIn(key, 2), [4]), v: R.normal(R.foldIn(key, 3), [16, 3]) }
    const r = toOnnx({ inputs: [x], outputs: { y: out }, values })
    if (E.isLeft(r)) throw r.left
    expect(r.right.opTypes).toEqual(expect.arrayContaining(['Pad', 'Conv', 'MaxPool', 'AveragePool', 'Reshape', 'MatMul', 'Max', 'Tanh', 'Sigmoid']))
    const xs = R.normal(R.foldIn(key, 4), [5, 2, 8, 8])
    const want = evaluateOrThrow(out, { ...values, x: xs })
    const session = await ort.InferenceSession.create(r.right.bytes)
    const got = await session.run({ x: new ort.Tensor('float32', Float32Array.from(xs.data), [5, 2, 8, 8]) })
    expect(got['y']!.dims).toEqual([5, 3])
    expect(worstRelative(got['y']!.data as Float32Array, want.data, 1)).toBeLessThan(1e-5)
  })

  it('a convnet with spatial batch norm (conv, BN, ReLU, max pooling, dense) gives the same predictions in onnxruntime', async () => {
    const data = loadData({ data: 'mnist-sample' })
    if (E.isLeft(data)) throw data.left
    const { train: tr, validation, test } = data.right
    const model = convnet([28, 28, 1], 10, { filters: [4, 8], kernel: 5, batchNorm: true })
    const st = train(model, { train: tr, validation }, { optimizer: O.adam(1e-3), epochs: 1, batchSize: 32, key: R.key(5), maxSteps: 20, evalTrainSize: 0 })
    const r = modelToOnnx(model, st.params, st.modelState)
    if (E.isLeft(r)) throw r.left
    expect(r.right.opTypes).toEqual(expect.arrayContaining(['Reshape', 'Conv', 'Relu', 'MaxPool', 'Gemm', 'Softmax']))
    const n = 200
    const x = T.make([n, 784], test.x.data.subarray(0, n * 784))
    const mine = model.predict(st.params, st.modelState, x)
    if (E.isLeft(mine)) throw mine.left
    const session = await ort.InferenceSession.create(r.right.bytes)
    const got = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x.data), [n, 784]) })
    expect(argmaxRows(got['scores']!.data as Float32Array, 10)).toEqual(Array.from(mine.right.labels.data))
    const err = worstRelative(got['scores']!.data as Float32Array, mine.right.scores.data, 1)
    console.log(`convnet: onnx vs symgrad on ${n} test digits: argmax equal on all; worst |Δ|/max(|v|,1) of scores ${err.toExponential(2)}`)
    expect(err).toBeLessThan(1e-5)
  }, 120_000)

  it('an op with no ONNX mapping is refused, naming it', () => {
    const y = ops.input('y', ['N'])
    const r = toOnnx({ inputs: [y], outputs: { z: ops.relu(ops.oneHot(y, 3)) }, values: {} })
    expect(E.isLeft(r) && r.left.message).toMatch(/^onnx export: op 'oneHot' has no ONNX mapping/)
  })
})
