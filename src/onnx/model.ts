/**
 * A trained model as an ONNX graph: its inference form (`toInference`: dropout gone, batch norm on
 * running statistics) applied to rows x [N, in], with outputs `scores` [N, out] (what symgrad's
 * predict gives) and `probabilities` (ONNX Softmax over the scores).
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { SymgradError } from '../core/errors.js'
import * as ops from '../ops/index.js'
import { type Model, type Params, type State, toInference } from '../nn/model.js'
import { toOnnx, type OnnxGraph, type OnnxModel, type OnnxOptions } from './export.js'

/** The ONNX graph of a model's inference form: input x, outputs scores and probabilities, the parameters and state as values. */
export function modelGraph(model: Model, params: Params, state: State): OnnxGraph {
  const x = ops.input('x', ['N', model.in])
  const scores = toInference(model).apply(x, 'test').out
  return {
    inputs: [x], outputs: { scores }, values: { ...params, ...state }, softmax: { probabilities: 'scores' },
    name: 'symgrad', docString: `symgrad model ${model.spec.layers.map((l) => l.name).join(' → ')} (inference form)`,
  }
}

/** The model's inference form as ONNX bytes (mappings from `o.registries`); Left names an op with no ONNX mapping. */
export function modelToOnnx(model: Model, params: Params, state: State, o: OnnxOptions = {}): Either<SymgradError, OnnxModel> {
  return toOnnx(modelGraph(model, params, state), o)
}
