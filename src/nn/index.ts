/**
 * nn: models as plain data plus pure functions, built from the op registry as composites, so every
 * gradient comes from symbolic differentiation.
 *
 * ## The contract (what training loops, the CLI and serialization build on)
 *
 * - Every layer kind is a LayerDef record (`defineLayer`, LayerDef.ts: options codec with
 *   defaults, parameter/state shapes, init, apply, inference form, summary line, output shape);
 *   models, summaries, spec decoding and the laws find it by kind in a layer registry, a value:
 *   the `layers` of a `Registries` value (`Registries.builtins`, or `Registries.extend(base, { layers:
 *   [yours] })`) passed as `sequentialWith(registries)`, `fromSpec(spec, { registries })`,
 *   `decodeSpec`/`decodeModel(u, { registries })`.
 * - `Params = Readonly<Record<string, Tensor>>`: named tensors. A layer named `L` (default: its
 *   prefix and its index among layers of that prefix, e.g. `dense0`, `bn0`, `dense1`, so inserting a
 *   layer never renames the others of another kind; or `{ name }` in its options) owns
 *   `L.W` [in, out] and `L.b` [out] (dense; maxout: [in, pieces·out] and [pieces·out]),
 *   `L.gamma`, `L.beta` [width] (batch norm, layer norm). Weights are the params a layer declares
 *   `{ shape, weight: true }` (dense and conv `W`, a user layer's own), never found by name.
 * - Activations between layers are [N, ...shape] (`reshape([1, 28, 28])`, `flatten`); a model
 *   takes rows [N, in] and gives [N, out].
 * - `State` likewise: batch-norm running statistics `L.runningMean`, `L.runningVar` [width].
 * - Layers are JSON specs with literal widths in their types (`dense(784, 100): Dense<784, 100>`);
 *   `sequential(dense(784, 100), relu, dense(50, 10))` does not compile. `model.spec` is a JSON
 *   `ModelSpec` (decode it with io-ts at the trust boundary, then `fromSpec(spec)` → Either).
 * - `model.init(key) → { params, state }`: bit-for-bit reproducible; layer i draws from
 *   `Random.foldIn(key, i)`; schemes 'small' 0.01·N(0,1), 'xavier' N(0,1)/√fan_in (default; the
 *   lecture's 1/√fan_in, not Glorot's), 'he' N(0,1)·√(2/fan_in), 'glorotNormal'
 *   N(0,1)·√(2/(fan_in+fan_out)), 'glorotUniform' U(±√(6/(fan_in+fan_out))), or `{ std }`;
 *   biases 0; γ = 1, β = 0; running mean 0, running var 1.
 * - `model.predict(params, state, x) → Either<…, { scores, labels }>`: the inference form on rows.
 * - `model.apply(x: Expr<[N, In]>, mode: 'train' | 'test') → { out: Expr<[N, Out]>, state, random, layers }`:
 *   parameters appear as `param(name, shape)` leaves named as in Params; batch-norm running
 *   statistics appear as `input` leaves named as in State (bind State in both modes when the model
 *   has batch norm); `state` holds the new running statistics as expressions (train mode);
 *   dropout's uniform draws are `input` leaves `L.u` [N, width] listed in `random.inputs`, filled by
 *   the pure `random.bindings(key, batchSize)` — so one compiled function serves every step.
 *   A third argument `{ bn0: 'test' }` runs named layers in a mode of their own (fine-tuning keeps
 *   frozen batch norm on its running statistics).
 * - `transfer(from, to, { fresh })`: a trained model's leaves copied into a fresh one by name, layer
 *   kind and shape (never by position), with a report of what was copied, kept fresh and refused.
 * - `toInference(model)`: dropout removed, batch norm on running statistics whatever the mode.
 * - `summary(model)`: a table of layers, output shapes, parameter and state counts.
 * - Losses (mean over the batch): `svmLoss` (Weston–Watkins, Δ = 1), `softmaxCrossEntropy` (from raw
 *   scores, stable in the thousands). Regularizers on `model.weights()`: `l2` = λΣW² (lecture),
 *   `l2Half` = ½λΣW² (assignments), `l1`, `elasticNet` = λΣ(βW² + |W|); `maxNorm(params, c)`.
 * - Kinks take left derivatives: relu'(0) = 0, leakyRelu'(0) = α, elu'(0) = α; maxout ties share.
 *
 * `F` holds the functional (Expr → Expr) forms of the activations, batch norm and dropout.
 */
export {
  type Dense,
  type Maxout,
  type Activation,
  type BatchNorm,
  type Dropout,
  type DropoutOptions,
  type LayerSpec,
  type Resolved,
  type Mode,
  type DenseOptions,
  dense,
  maxout,
  sigmoid,
  tanh,
  relu,
  identity,
  leakyRelu,
  elu,
  batchNorm,
  dropout,
  flatten,
  reshape,
  layerNorm,
  type Flatten,
  type Reshape,
  type LayerNorm,
  leafShapes,
  type Conv,
  type Pool,
  type SpatialBatchNorm,
  conv,
  maxPool,
  avgPool,
  spatialBatchNorm,
  channelsFirst,
  center,
  channelCenter,
  standardize,
  pca,
  pcaWhiten,
  zca,
  type Center,
  type ChannelCenter,
  type Standardize,
  type Pca,
  type PcaWhiten,
  type Zca,
  residual,
  type Residual,
} from './layers.js'
export { withPreprocessing, preprocessingLayer } from './preprocessing.js'
export { fitState, fitStateOrThrow, fittedLayers } from './fit.js'
export { type ConvnetOptions, convnet, convnetLayers, smallConvnet, lenet } from './convnets.js'
export { spatialBatchNormTrain, spatialBatchNormTest } from './spatialBatchNorm.js'
export {
  type LayerDef,
  type AnyLayerDef,
  type LayerRegistry,
  type LayerRegistries,
  type ApplyContext,
  type Options as LayerOptions,
  defineLayer,
  layerRegistry,
  lookupLayer,
  layerKinds,
  keepLayer,
  dropLayer,
  noParams,
  noState,
  nothingToInit,
  type ParamDecl,
  type ParamDecls,
  type LayerEnv,
} from './LayerDef.js'
export { builtinLayers, builtinLayerRegistries } from './builtinLayers.js'
export { layerCodec, anyLayerCodec } from './layerCodec.js'
export {
  type Params,
  type State,
  type ModelSpec,
  type Model,
  type Applied,
  type RandomInputs,
  type CheckWidths,
  type WidthMismatch,
  type MlpOptions,
  type ModelOptions,
  type FromLayersOptions,
  type Prediction,
  type LayerModes,
  sequential,
  sequentialWith,
  fromLayers,
  mlp,
  toInference,
  fromSpec,
  resolveLayers,
  inputShapeOf,
  type ModelInput,
  type Sequential,
} from './model.js'
export { type ModelLayer } from './plan.js'
export { type InitScheme, type InitName, type InitOptions, initStd, initWeight, initNames, initDefs, builtinInits, lookupInit } from './init.js'
export { type InitDef, type InitRegistry, type InitRegistries, defineInit } from './InitDef.js'
export { svmLoss, svmMargins, softmaxCrossEntropy, softmaxCrossEntropyPerExample, accuracy } from './losses.js'
export { l2, l2Half, l1, elasticNet, maxNorm, weightSet, type Weights, type WeightNames } from './regularizers.js'
export { summary } from './summary.js'
export { transfer, formatTransfer, type ModelValues, type TransferOptions, type TransferReport, type Transferred } from './transfer.js'
export { activationStats, formatStats, histogram, summarize, type LayerStats, type Summary, type Histogram, type StatsOptions } from './stats.js'
export * as F from './functional.js'

// ── …OrThrow twins (the error rule: see orThrowing in core/errors.ts) ─────────────────────────
import { orThrowing } from '../core/errors.js'
import { fromSpec as fromSpec_ } from './model.js'
import { activationStats as activationStats_ } from './stats.js'
/** `fromSpec`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fromSpecOrThrow = orThrowing(fromSpec_)
/** `activationStats`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const activationStatsOrThrow = orThrowing(activationStats_)
