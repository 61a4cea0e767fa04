/**
 * A user's records, defined outside src/ as a records module would: softsign (an op with
 * JavaScript and WebAssembly vector code and an ONNX mapping), gain (a layer with a weight named
 * `g`), signSgd (an optimizer) and lecun (an initializer).
 */
import { Random as R, Tensor as T, broadcastTo, mul, nn, optim, io, type RecordsInput } from '../../src/index.js'
import { softsign, softsignOp, softsignVector } from '../../examples/09-wasm-op.js'

// softsign, its vector code and its record: examples/09-wasm-op.ts (the op as a user writes it)

/** y = softsign(x)·g, g a weight per feature starting at `start`. */
const gainLayer = nn.defineLayer({
  kind: 'gain', options: { start: io.FiniteNumber }, defaults: { start: 1 }, prefix: 'gain',
  params: (_, s) => ({ g: { shape: s, weight: true } }),
  state: nn.noState,
  outShape: (_, s) => s,
  init: (o, _, shapes) => ({ params: { g: T.fill(shapes.params.g, o.start) }, state: {} }),
  apply: (_, x, { params }) => ({ out: mul(softsign(x), broadcastTo(params.g, x.shape)) }),
  inference: nn.keepLayer,
  describe: (o) => `softsign·gain from ${o.start}`,
  example: { options: { start: 1 }, inShape: [3] },
})

/** x ← x − lr·sign(dx) (Bernstein et al. 2018, signSGD). */
const signOfGradient = (): optim.GradientTransformation<readonly []> => ({ init: () => [], update: (g, s) => [optim.params.map(g, (t) => T.map(t, Math.sign)), s] })
const signSgd = optim.defineOptimizer({
  name: 'signSgd', summary: 'x ← x − lr·sign(dx)', hyper: {}, defaults: {},
  build: (lr) => optim.chain(signOfGradient(), optim.scaleByLearningRate(lr)),
})

/** LeCun normal: N(0,1)/√fan_in (LeCun et al. 1998). */
const lecun = nn.defineInit({ name: 'lecun', formula: 'N(0,1)/√fan_in', std: (n) => n ** -0.5, draw: (key, fanIn, fanOut) => R.normal(key, [fanIn, fanOut], fanIn ** -0.5) })

const records: RecordsInput = {
  ops: [softsignOp],
  layers: [gainLayer],
  optimizers: [signSgd],
  inits: [lecun],
  code: { elementwise: [[softsignOp, ([x]) => `(${x} / (1 + Math.abs(${x})))`]], vector: [[softsignOp, softsignVector]] },
  onnx: [[softsignOp, { elementwise: true, emit: (c) => c.emit('Softsign', c.args) }]],
}

export const user = { softsignOp, softsign, softsignVector, gainLayer, signSgd, lecun, records }
