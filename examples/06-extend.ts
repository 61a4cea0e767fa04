/**
 * Extending symgrad without touching src/: an op, a layer and an optimizer of your own, each one
 * record, then a model that uses all three — the layer also inside a residual block — trained on
 * the spiral by the same `train` fold as every built-in, saved as a checkpoint and loaded back
 * through your registries.
 *
 *   - the op:        swish(x) = x·σ(x) (Ramachandran, Zoph & Le 2017), with its vjp, a scalar
 *                    function, code for the JavaScript backend's table and vector code for the
 *                    WebAssembly backend's fused SIMD loops; its laws checked;
 *   - the layer:     gatedSwish, y = swish(x·K)·g with a learned square kernel K (declared a weight:
 *                    L2 and max-norm reach it, whatever its name) and a gate g per feature (starts
 *                    at 1; not a weight);
 *   - the optimizer: Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"):
 *                    u = sign(β1·m + (1−β1)·g); m ← β2·m + (1−β2)·g; x ← x − lr·u.
 *
 * Run: npx tsx examples/06-extend.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import {
  Data, Random, Registries, ShapeError, Tensor as T, io, nn, optim, train as tr,
  add, apply, broadcastTo, compile, defineOp, grad, input, jsBackend, matmul, mul, sigmoid, simplifyOne, stages, sub, toInfix,
  wasmBackend, withCode,
  type Backend, type Expr, type ScalarCode, type Shape,
} from '../src/index.js'
import type { VectorCode } from '../src/kernels/index.js'
import { loadCheckpoint, saveCheckpoint } from '../src/node/index.js'
import { assertLayerLaws, assertOpLaws, assertOptimizerLaws } from '../laws/index.js'

const sigma = (x: number) => 1 / (1 + Math.exp(-x))

// ── 1. the op: one record (shape, eval, scalar code, derivative, printing, where its laws draw) ──
// d swish = σ(x)·(1 + x·(1 − σ(x)))
export const swishOp = defineOp({
  name: 'swish', arity: 1, lowering: 'elementwise',
  shape: ([s]) => s!,
  eval: ([t]) => T.map(t!, (x) => x * sigma(x)),
  scalar: () => (x) => x * sigma(x),
  vjp: ({ args: [x], cot }) => [mul(cot, mul(sigmoid(x!), add(1, mul(x!, sub(1, sigmoid(x!))))))],
  notation: { form: 'call', name: 'swish', latex: '\\operatorname{swish}' },
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }] },
})
export const swish = <S extends Shape.Shape>(x: Expr<S>): Expr<S> => apply(swishOp, [x]) as Expr<S>
/** The JavaScript backend with swish's own line of code. */
const swishScalar: ScalarCode = ([v]) => `(${v} / (1 + Math.exp(-${v})))`
export const backend = withCode(jsBackend, { elementwise: [[swishOp, swishScalar]] })
/**
 * swish's vector code: x / (1 + e^(−x)) in lane instructions (`symgrad/kernels`). float32 lanes have
 * `exp`; float64 lanes do not, so there the code is undefined and swish runs in a JavaScript loop
 * of its own between the WebAssembly loops around it.
 */
export const swishVector: VectorCode = ([x], _, V) => (V.exp === undefined ? undefined : [x!, V.splatConst(1), x!, V.neg, V.exp, V.add, V.div])
/** The WebAssembly backend of a dtype with swish in both its tables (undefined without WebAssembly SIMD). */
export function wasmSwish(dtype: 'float32' | 'float64'): Backend | undefined {
  const wasm = wasmBackend({ dtype })
  return wasm && withCode(wasm, { elementwise: [[swishOp, swishScalar]], vector: [[swishOp, swishVector]] })
}

// ── 2. the layer: one record (options, parameter shapes, init, apply, inference, summary) ─────────
// kernel [d, d] is a weight by declaration (its name says nothing); gate [d] is not
export const gatedSwish = nn.defineLayer({
  kind: 'gatedSwish', options: {}, defaults: {}, prefix: 'gswish',
  params: (_, s) => ({ kernel: { shape: [s[0]!, s[0]!], weight: true }, gate: { shape: s } }),
  state: nn.noState,
  outShape: (_, s) => {
    if (s.length !== 1) throw new ShapeError(`gatedSwish takes feature rows [N, d], got [N, ${s.join(', ')}]`)
    return s
  },
  init: (_, key, { inShape, params }) => ({ params: { kernel: Random.normal(key, [...params.kernel], inShape[0]! ** -0.5), gate: T.fill(params.gate, 1) }, state: {} }),
  apply: (_, x, { params }) => ({ out: mul(swish(matmul(x as Expr<[number, number]>, params.kernel as Expr<[number, number]>)), broadcastTo(params.gate, x.shape)) }),
  inference: nn.keepLayer,
  describe: () => 'swish(x·kernel)·gate',
  example: { options: {}, inShape: [4] },
})

// ── 3. the optimizer: one record (hyperparameters with codecs and defaults, builder) ──────────────
/** m ← β2·m + (1−β2)·g and u = −lr·sign(β1·m_prev + (1−β1)·g), in one pass. */
function lionKernel(m0: Float64Array, g: Float64Array, b1: number, b2: number, lr: number): [Float64Array, Float64Array] {
  const m = new Float64Array(g.length)
  const u = new Float64Array(g.length)
  for (let i = 0; i < g.length; i++) {
    u[i] = -lr * Math.sign(b1 * m0[i]! + (1 - b1) * g[i]!)
    m[i] = b2 * m0[i]! + (1 - b2) * g[i]!
  }
  return [m, u]
}
export const lion = optim.defineOptimizer({
  name: 'lion', summary: 'u = sign(β1·m + (1−β1)·dx); m ← β2·m + (1−β2)·dx; x ← x − lr·u',
  hyper: { b1: io.UnitInterval, b2: io.UnitInterval }, defaults: { b1: 0.9, b2: 0.99 },
  build: (lr, h) => optim.withHyper({ learningRate: lr, b1: h.b1, b2: h.b2 }, (x) => ({ m: optim.params.zerosLike(x) }), (g, b, k) => {
    const [m, u] = optim.params.perTensor('lion', [b.m, g], (md, gd) => lionKernel(md, gd, k.b1, k.b2, k.learningRate))
    return [u, { m }]
  }),
})
/** The records graphs, specs, checkpoints and run configs may name: the built-ins and the three above. */
export const registries = Registries.extendOrThrow(Registries.builtins, { ops: [swishOp], layers: [gatedSwish], optimizers: [lion] })

/** The model: built-in layers, the user's layer, and a residual block x + f(x) holding both. */
export const model = nn.sequentialWith(registries)(
  nn.dense(2, 32, { init: 'he' }), { kind: 'gatedSwish' },
  nn.residual({ kind: 'gatedSwish' }, nn.dense(32, 32, { init: 'he' })),
  nn.dense(32, 3),
)

const right = <A>(r: E.Either<Error, A>): A => {
  if (E.isLeft(r)) throw r.left
  return r.right
}

/** A fused loop of a compiled graph: the ops it holds, and whether it is WebAssembly. */
export interface LoopReport {
  readonly ops: readonly string[]
  readonly native: boolean
}
/** The fused loops of `outs` compiled for `backend`. */
export const loopsOf = (outs: readonly Expr[], b: Backend): LoopReport[] =>
  stages(outs, { backend: b }).generated.loops.map((l) => ({ ops: l.ops.map((op) => op.name), native: l.native }))

export interface ExtendResult {
  /** d swish(x)/dx, simplified and printed. */
  readonly derivative: string
  /** swish(2x + 1) in float32 on the WebAssembly backend with swish's vector code (undefined without SIMD). */
  readonly swishLoops: readonly LoopReport[] | undefined
  /** The model's weights (what L2 and max-norm reach): the user layer's kernels among them. */
  readonly weights: readonly string[]
  /** Mean loss (data loss + L2) of the first and the last epoch. */
  readonly meanLoss: readonly [number, number]
  readonly trainAccuracy: number
  readonly steps: number
  /** The run stopped halfway, saved, loaded through the registries and continued equals the uninterrupted run, bit for bit. */
  readonly resumedEqual: boolean
  /** The model's summary, with the user's layer and the residual block. */
  readonly summary: string
  /** The inference graph decoded through the op registry is the same graph. */
  readonly graphRoundTrip: boolean
  readonly lawsChecked: readonly string[]
}

export function run(o: { readonly epochs?: number; readonly log?: (line: string) => void } = {}): ExtendResult {
  const log = o.log ?? (() => {})
  // laws: the op's (vjp vs central differences, second order, compiled vs interpreted), the layer's, the optimizer's
  assertOpLaws(swishOp, { numRuns: 10, interpreters: [{ name: 'compiled with swish\'s code', prepare: (outs) => compile(outs, { backend }) }] })
  assertLayerLaws(gatedSwish)
  assertOptimizerLaws(lion, { numRuns: 10 })
  const x = input('x', [])
  const derivative = toInfix(simplifyOne(grad(swish(x), [x])[0]!))
  log(`d swish(x)/dx = ${derivative}`)

  // with its vector code, swish joins the WebAssembly backend's fused SIMD loops
  const f32 = wasmSwish('float32')
  const swishLoops = f32 && loopsOf([swish(add(mul(input('x', ['N', 7]), 2), 1))], f32)
  log(`swish(2x + 1), float32: ${swishLoops?.map((l) => `${l.native ? 'WebAssembly' : 'JavaScript'} loop [${l.ops.join(' ')}]`).join(', ') ?? 'no WebAssembly SIMD here'}`)

  // the model (built-in layers, the user's, a residual block of both), a run config naming the user's optimizer, L2 on the weights
  const summary = nn.summary(model)
  log(summary)
  const weights = Object.keys(model.weights())
  log(`weights (L2 and max-norm reach these): ${weights.join(', ')}`)
  const data = Data.spiral(Random.key(7), { perClass: 100 })
  const epochs = o.epochs ?? 60
  const run = right(io.decodeRunConfig({ data: 'spiral', optimizer: 'lion', learningRate: 0.003, schedule: 'constant', hyper: { b2: 0.98 }, epochs, batchSize: 30, seed: 3, l2: 1e-4, shift: 0 }, { registries }))
  const configOf = (r: typeof run, m: tr.AnyModel): tr.TrainConfig => {
    const c = tr.buildTrainConfig(r, Data.datasetSize(data), { registries })
    return { ...c, programs: tr.buildPrograms(m, r.loss, c.regularization ?? { kind: 'none' }, { backend }) }
  }
  const config = configOf(run, model)
  const whole = tr.train(model, { train: data }, config)
  const [first, last] = [whole.history.epochs[0]!, whole.history.epochs[whole.history.epochs.length - 1]!]
  log(`lion on the spiral: ${whole.step} steps, mean loss ${first.meanLoss.toFixed(3)} → ${last.meanLoss.toFixed(3)}, train accuracy ${(last.trainAccuracy * 100).toFixed(1)}%`)

  // stop halfway, save, load through the user's registries, continue: the same run
  const dir = mkdtempSync(join(tmpdir(), 'symgrad-extend-'))
  try {
    const half = tr.train(model, { train: data }, { ...config, maxSteps: Math.floor(whole.step / 2) })
    const path = join(dir, 'run.json')
    right(saveCheckpoint(path, { spec: model.spec, run, state: half }, { registries }))
    const back = right(loadCheckpoint(path, { registries }))
    const rest = tr.train(back.model, { train: data }, configOf(back.run!, back.model), back.state)
    const resumedEqual = Object.keys(whole.params).every((k) => T.equal(rest.params[k]!, whole.params[k]!)) && rest.step === whole.step
    log(`saved at step ${half.step}, loaded through the user's registries and continued: ${resumedEqual ? 'identical to the uninterrupted run' : 'DIFFERENT'}`)

    // the inference graph names swish: it decodes through the op registry that has it
    const scores = nn.toInference(model).apply(input('x', ['N', 2]), 'test').out
    const graph = JSON.parse(JSON.stringify(io.encodeGraph([scores]))) as unknown
    const graphRoundTrip = right(io.decodeGraph(graph, { registries }))[0] === scores
    log(`the inference graph names swish and decodes through the op registry that has it: ${graphRoundTrip ? 'the same graph' : 'DIFFERENT'}`)
    return { derivative, swishLoops, weights, meanLoss: [first.meanLoss, last.meanLoss], trainAccuracy: last.trainAccuracy, steps: whole.step, resumedEqual, summary, graphRoundTrip, lawsChecked: ['op swish', 'layer gatedSwish', 'optimizer lion'] }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1]?.endsWith('06-extend.ts')) run({ log: console.log })
