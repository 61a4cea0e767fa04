/**
 * A records module: your own op, layer and optimizer, loaded by the command line with `--with`
 * (nothing in src/ changes):
 *
 *   symgrad train --with examples/my-records.ts --config run.json      (run.json names isruDense and amsgrad)
 *   symgrad worker --with examples/my-records.ts --queue redis://…     (a worker can then run such trials)
 *
 *   - the op:        isru(x) = x/√(1 + x²) (Carlile et al. 2017, "Improving deep learning by inverse
 *                    square root linear units"), d isru = dx/(1 + x²)^{3/2}; smooth everywhere, with a
 *                    line of JavaScript and WebAssembly vector code, and an ONNX mapping;
 *   - the layer:     isruDense, y = isru(x·kernel + bias); its weight is `kernel` (declared
 *                    `weight: true`, so L2 and max-norm reach it whatever its name);
 *   - the optimizer: AMSGrad (Reddi, Kale & Kumar 2018, "On the Convergence of Adam and Beyond"):
 *                    m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; v̂ ← max(v̂, v); x ← x − lr·m/(√v̂ + ε).
 *
 * The module exports `records`: `{ ops, layers, optimizers, code, onnx }`, each a list of records
 * (code: the backends' table entries). A run config then names them: `"optimizer": "amsgrad"` and
 * `"layers": [{ "kind": "isruDense", "in": 2, "out": 16 }, { "kind": "dense", "in": 16, "out": 3 }]`.
 */
import {
  Tensor as T, add, apply, defineOp, div, matmul, mul, nn, optim, io, sqrt,
  type Expr, type Shape,
} from '../src/index.js'
import type { VectorCode } from '../src/kernels/index.js'
import type { OnnxEntry } from '../src/node/index.js'

const isruOf = (x: number): number => x / Math.sqrt(1 + x * x)

// ── isru ──  isru(x) = x/√(1 + x²);  d isru = dx/(1 + x²)^{3/2}
export const isruOp = defineOp({
  name: 'isru', arity: 1, lowering: 'elementwise',
  shape: ([s]) => s!,
  eval: ([t]) => T.map(t!, isruOf),
  scalar: () => isruOf,
  vjp: ({ args: [x], cot }) => {
    const r = add(1, mul(x!, x!))
    return [div(cot, mul(r, sqrt(r)))]
  },
  notation: { form: 'call', name: 'isru', latex: '\\operatorname{isru}' },
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: -4, hi: 4 }] },
})
export const isru = <S extends Shape.Shape>(x: Expr<S>): Expr<S> => apply(isruOp, [x]) as Expr<S>

/** isru's JavaScript line: the same IEEE operations, in the same order, as its vector code. */
export const isruScalar = ([x]: readonly string[]): string => `(${x} / Math.sqrt(${x} * ${x} + 1))`
/** isru's WebAssembly vector code: x / √(x·x + 1). */
export const isruVector: VectorCode = ([x], _, V) => [x!, x!, x!, V.mul, V.splatConst(1), V.add, V.sqrt, V.div]
/** isru in ONNX: x / Sqrt(x·x + 1). */
export const isruOnnx: OnnxEntry = {
  elementwise: true,
  emit: (c) => c.emit('Div', [c.args[0]!, c.emit('Sqrt', [c.emit('Add', [c.emit('Mul', [c.args[0]!, c.args[0]!]), c.float(1)])])]),
}

// ── isruDense ──  y = isru(x·kernel + bias), kernel [in, out] a weight, bias [out] not
export const isruDense = nn.defineLayer({
  kind: 'isruDense', options: { in: io.PositiveInt, out: io.PositiveInt }, defaults: {}, prefix: 'isru',
  params: (o) => ({ kernel: { shape: [o.in, o.out], weight: true }, bias: { shape: [o.out] } }),
  state: nn.noState,
  outShape: (o, inShape) => {
    if (inShape.length !== 1 || inShape[0] !== o.in) throw new RangeError(`isruDense expected input width ${o.in}, got [${inShape.join(',')}]`)
    return [o.out]
  },
  init: (o, key) => ({ params: { kernel: nn.initWeight(key, 'xavier', o.in, o.out), bias: T.zeros([o.out]) }, state: {} }),
  apply: (_, x, { params }) => ({ out: isru(add(matmul(x, params.kernel), params.bias)) }),
  inference: nn.keepLayer,
  describe: (o) => `isru dense ${o.in}→${o.out}`,
  example: { options: { in: 3, out: 2 }, inShape: [3] },
})

// ── amsgrad ──  Adam whose second moment never decreases: u = −lr·m/(√v̂ + ε), v̂ = max(v̂, v)
/** m, v, v̂ and the update in one pass. */
function amsgradKernel(m0: Float64Array, g: Float64Array, v0: Float64Array, h0: Float64Array, b1: number, b2: number, eps: number, lr: number): [Float64Array, Float64Array, Float64Array, Float64Array] {
  const [m, v, h, u] = [0, 1, 2, 3].map(() => new Float64Array(g.length)) as [Float64Array, Float64Array, Float64Array, Float64Array]
  for (let i = 0; i < g.length; i++) {
    const d = g[i]!
    m[i] = b1 * m0[i]! + (1 - b1) * d
    v[i] = b2 * v0[i]! + (1 - b2) * d * d
    h[i] = Math.max(h0[i]!, v[i]!)
    u[i] = (-lr * m[i]!) / (Math.sqrt(h[i]!) + eps)
  }
  return [m, v, h, u]
}
export const amsgrad = optim.defineOptimizer({
  name: 'amsgrad', summary: 'Adam with v̂ ← max(v̂, v): x ← x − lr·m/(√v̂ + ε)',
  hyper: { b1: io.UnitInterval, b2: io.UnitInterval, eps: io.PositiveNumber }, defaults: { b1: 0.9, b2: 0.999, eps: 1e-8 },
  build: (lr, h) => optim.withHyper({ learningRate: lr, b1: h.b1, b2: h.b2, eps: h.eps },
    (x) => ({ m: optim.params.zerosLike(x), v: optim.params.zerosLike(x), vHat: optim.params.zerosLike(x) }),
    (g, b, k) => {
      const [m, v, vHat, u] = optim.params.perTensor('amsgrad', [b.m, g, b.v, b.vHat], (md, gd, vd, hd) => amsgradKernel(md, gd, vd, hd, k.b1, k.b2, k.eps, k.learningRate))
      return [u, { m, v, vHat }]
    }),
})

/** What `symgrad … --with examples/my-records.ts` reads. */
export const records = {
  ops: [isruOp],
  layers: [isruDense],
  optimizers: [amsgrad],
  code: { elementwise: [[isruOp, isruScalar]], vector: [[isruOp, isruVector]] },
  onnx: [[isruOp, isruOnnx]],
} as const
