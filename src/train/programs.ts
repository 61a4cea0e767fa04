/**
 * The two compiled programs a training run needs, built once per model:
 *   - step:    (params, state, x, y, dropout draws) → total loss, data loss, gradients, new state
 *   - predict: (params, state, x) → scores [N, C] of the inference model (no dropout, running BN)
 *   - fused:   the step with an optimizer's update inside (fusedStep.ts), per optimizer, compiled
 *              on first use; undefined with the interpreter
 * All are `compileStep`s: named inputs (params, state, x, y, dropout draws) to named outputs
 * (`loss`, `dataLoss`, a gradient per parameter, the new state by name), one program each, so the
 * backward pass reads the forward intermediates. With `compiled: false` the reference interpreter
 * (eval/) runs the same expressions.
 */
import type { Expr } from '../core/Expr.js'
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import * as E from 'fp-ts/lib/Either.js'
import { compileStep, type CompileOptions } from '../compile/index.js'
import { nanOrigin } from '../compile/nanOrigin.js'
import * as ops from '../ops/index.js'
import type { LayerModes, Model } from '../nn/model.js'
import { toInference } from '../nn/model.js'
import { softmaxCrossEntropy, svmLoss } from '../nn/losses.js'
import { l2, l2Half } from '../nn/regularizers.js'
import type { Params } from './TrainState.js'
import type { GraphForm } from '../optim/graphForm.js'
import type { PlainState } from '../optim/GradientTransformation.js'
import { buildFusedStep, fusedOutputs, type FusedParts, type FusedStep } from './fusedStep.js'

/** Any model, whatever its literal widths. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any, any>

/** The data loss: softmax cross-entropy or the multiclass SVM hinge. */
export type LossKind = 'softmax' | 'svm'
/** A loss of your own from scores [N, C] and labels [N] to a scalar (e.g. a softmax written by hand). */
export type LossFn = (scores: Expr, labels: Expr) => Expr

/**
 * Regularization of the weights (`*.W`, never biases):
 *   l2:     λ·ΣW²   (the lecture's convention; gradient 2λW)
 *   l2Half: ½λ·ΣW²  (the assignments' convention; gradient λW)
 */
export type Regularization = { readonly kind: 'none' } | { readonly kind: 'l2' | 'l2Half'; readonly lambda: number }

/** One compiled training step's result: losses, gradients, new layer state. */
export interface StepResult {
  readonly loss: number
  readonly dataLoss: number
  readonly grads: Params
  readonly modelState: Params
}

/** The compiled train and predict programs of a model, with its parameter names. */
export interface Programs {
  readonly paramNames: readonly string[]
  /** One compiled training step on the batch x, y (dropout masks drawn from `dropoutKey`): the losses, gradients and new model state; it updates no parameter. */
  readonly step: (params: Params, modelState: Params, x: Tensor, y: Tensor, dropoutKey: Key) => StepResult
  /**
   * The step run again in the reference interpreter: the first node whose value or gradient is not
   * finite, with its op, its inputs' ranges, the hazard and the rewrite that avoids it (one line),
   * or undefined when the interpreter finds every value finite.
   */
  readonly origin: (params: Params, modelState: Params, x: Tensor, y: Tensor, dropoutKey: Key) => string | undefined
  /** Inference scores for `x`, computed in chunks of `chunk` rows. */
  readonly predict: (params: Params, modelState: Params, x: Tensor, chunk?: number) => Tensor
  /**
   * The step with the update of an optimizer's graph form inside, for states shaped like
   * `optState` (compiled once per optimizer rule and shapes); undefined for the interpreter.
   */
  readonly fused?: (graph: GraphForm<PlainState>, optState: PlainState) => FusedStep
}

/** The data loss of scores against labels as an expression (a loss kind, or your own loss function). */
export function lossExpr(kind: LossKind | LossFn, scores: Expr, labels: Expr): Expr {
  if (typeof kind === 'function') return kind(scores, labels)
  return kind === 'svm' ? svmLoss(scores, labels) : softmaxCrossEntropy(scores, labels)
}

function regExpr(model: AnyModel, reg: Regularization): Expr | undefined {
  if (reg.kind === 'none' || reg.lambda === 0) return undefined
  return reg.kind === 'l2' ? l2(model.weights(), reg.lambda) : l2Half(model.weights(), reg.lambda)
}

/** How `buildPrograms` compiles: `compile`'s options (dtype, threads, backend, `registries`), or the interpreter, and layer modes. */
export interface ProgramOptions extends CompileOptions {
  /** Compile (default true) or run the reference interpreter, which is always float64. */
  readonly compiled?: boolean
  /** Layers of the train step that run in a mode of their own (frozen batch norm on its running statistics: `{ bn0: 'test' }`). */
  readonly layerModes?: LayerModes
}

/** The train and predict programs of a model with a loss and regularization, compiled as `options` say (e.g. `{ dtype: 'float32', registries }`). */
export function buildPrograms(model: AnyModel, loss: LossKind | LossFn, reg: Regularization, options: ProgramOptions = {}): Programs {
  const { compiled = true, layerModes = {}, ...compileOptions } = options
  const x = ops.input('x', ['N', model.in])
  const y = ops.input('y', ['N'])
  const applied = model.apply(x, 'train', layerModes)
  const data = lossExpr(loss, applied.out, y)
  const r = regExpr(model, reg)
  const total = r === undefined ? data : ops.add(data, r)
  const params = model.params()
  const paramNames = Object.keys(params)
  // compiled on first use: a run whose optimizer has a graph form needs only the fused step
  let stepFnMemo: ReturnType<typeof compileStepOf> | undefined
  const compileStepOf = () => compileStep({ values: { loss: total, dataLoss: data }, grads: { of: 'loss', wrt: params }, tensors: applied.state }, { ...compileOptions, interpret: !compiled })
  const stepFn = () => (stepFnMemo ??= compileStepOf())
  const randomFor = applied.random
  const random = (n: number, key: Key) => (randomFor.inputs.length > 0 ? randomFor.bindings(key, n) : {})
  const parts: FusedParts = { total, data, params, state: applied.state, random }
  // one compiled fused step per optimizer rule (keyed by its interned output expressions)
  const fusedSteps = new Map<string, FusedStep>()
  const fused = (graph: GraphForm<PlainState>, optState: PlainState): FusedStep => {
    const o = fusedOutputs(parts, graph, optState)
    const key = [...Object.entries(o.values), ...Object.entries(o.tensors)].map(([k, e]) => `${k}=${e.id}`).join(',')
    const hit = fusedSteps.get(key)
    if (hit !== undefined) return hit
    const f = buildFusedStep(parts, o, compileOptions)
    fusedSteps.set(key, f)
    return f
  }

  // compiled on first use too: a float32 check's float64 programs never predict
  const compilePredict = () => {
    const scores = toInference(model).apply(ops.input('x', ['N', model.in]), 'test').out
    return compileStep({ values: {}, tensors: { scores } }, { ...compileOptions, interpret: !compiled }).runOrThrow
  }
  let predictMemo: ReturnType<typeof compilePredict> | undefined
  const predictFn: ReturnType<typeof compilePredict> = (inputs) => (predictMemo ??= compilePredict())(inputs)

  return {
    paramNames,
    ...(compiled ? { fused } : {}),
    step: (p, s, xb, yb, dropoutKey) => {
      const out = stepFn().runOrThrow({ ...p, ...s, ...random(xb.shape[0]!, dropoutKey), x: xb, y: yb })
      return { loss: out.values.loss, dataLoss: out.values.dataLoss, grads: out.grads, modelState: { ...s, ...out.tensors } }
    },
    origin: (p, s, xb, yb, dropoutKey) => {
      const r = nanOrigin(total, Object.values(params), { ...p, ...s, ...random(xb.shape[0]!, dropoutKey), x: xb, y: yb })
      if (E.isLeft(r)) return `the interpreter could not re-run the step: ${r.left.message}`
      // finite in float64: the program's float32 is to blame
      return r.right?.message ?? (options.dtype === 'float32' && compiled ? 'the step re-run in float64 (the interpreter) is finite: a float32-only hazard (symgrad check --dtype float32 lists them)' : undefined)
    },
    predict: (p, s, xs, chunk = 2000) => {
      const [n, d] = xs.shape as [number, number]
      if (n <= chunk) return predictFn({ ...p, ...s, x: xs }).tensors.scores
      const parts: Tensor[] = []
      for (let i = 0; i < n; i += chunk) {
        const m = Math.min(chunk, n - i)
        parts.push(predictFn({ ...p, ...s, x: { shape: [m, d], data: xs.data.subarray(i * d, (i + m) * d) } }).tensors.scores)
      }
      const c = parts[0]!.shape[1]!
      const data = new Float64Array(n * c)
      let off = 0
      for (const t of parts) (data.set(t.data, off), (off += t.data.length))
      return { shape: [n, c], data }
    },
  }
}

/** Row-wise softmax of scores [N, C] (max-shifted). */
export function softmaxRows(scores: Tensor): Tensor {
  const [n, c] = scores.shape as [number, number]
  const out = new Float64Array(n * c)
  for (let i = 0; i < n; i++) {
    let m = -Infinity
    for (let j = 0; j < c; j++) m = Math.max(m, scores.data[i * c + j]!)
    let z = 0
    for (let j = 0; j < c; j++) z += out[i * c + j] = Math.exp(scores.data[i * c + j]! - m)
    for (let j = 0; j < c; j++) out[i * c + j] = out[i * c + j]! / z
  }
  return { shape: [n, c], data: out }
}
