/**
 * RunConfig: a training run as plain data — THE one shape of a run. `symgrad train` flags, a
 * `--config` JSON file, a search-space point, the best configuration a search saves and a
 * checkpoint's `run` are all this record, decoded once by src/records/runConfig.ts (`decodeRunConfig`,
 * which lays a partial record over a base). `buildModel`, `buildOptimizer` and `buildTrainConfig`
 * turn it into a model and the TrainConfig that `train` takes (which holds functions, not data).
 *
 * The optimizer is a kind from the optimizers of a registries value (`{ registries }`; the
 * built-ins of optim/registry.ts, a user's through `Registries.extend`): `learningRate` with `schedule`/`decay`/`decayEvery` is its learning rate,
 * `momentum` its μ if it has one, and `hyper` any of its other hyperparameters as data (numbers or
 * schedules in steps), checked by its codec when decoded.
 *
 * Adding a field: (1) add it to RunConfig below (optional, or required with a value in
 * defaultRunConfig), (2) add its codec to RunConfigC in src/records/runConfig.ts (the compile-time check
 * there fails until the two agree), (3) read it where it acts (buildModel / buildTrainConfig here,
 * or the CLI's run.ts), and (4) for a command-line flag, one entry in configFlags
 * (src/cli/commands.ts). Required fields are also search-space fields (src/records/searchSpace.ts).
 * Checkpoints carry the whole record, so a saved run resumes with the new field too.
 */
import type { Dtype } from '../compile/arena.js'
import * as R from '../core/Random.js'
import { countBatches } from '../data/batches.js'
import { initNames } from '../nn/init.js'
import { fromLayers, mlp, type Model } from '../nn/model.js'
import { lenet, smallConvnet } from '../nn/convnets.js'
import { preprocessingLayer, withPreprocessing } from '../nn/preprocessing.js'
import { ShapeError, SymgradError } from '../core/errors.js'
import { bareName } from '../core/codecs.js'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as O from '../optim/index.js'
import type { GradientTransformation, PlainState } from '../optim/GradientTransformation.js'
import type { HyperSpec } from '../optim/hyper.js'
import { optimizerOf, type OptimizerRegistries } from '../optim/OptimizerDef.js'
import type { LayerRegistries } from '../nn/LayerDef.js'
import type { CodeRegistries } from '../compile/code.js'
import { builtinOptimizers } from '../optim/registry.js'
import type { TrainConfig } from './loop.js'
import { fineTuneOptimizer, frozenLayerModes, isFineTune } from './finetune.js'
import { randomShift } from './augment.js'
import type { Point } from './search.js'
import type { ActivationName } from '../nn/activations.js'
import type { LayerJson } from '../nn/layerCodec.js'

/** The learning-rate schedules a RunConfig may name. */
export const runSchedules = ['constant', 'step', 'exponential', 'inverseTime', 'warmup'] as const
/** The built-in init schemes a run may name (nn/init.ts); a run also names any init of the registries it is decoded with. */
export const runInits = initNames
/** The loss kinds a RunConfig may name. */
export const runLosses = ['softmax', 'svm'] as const
/** The preprocessing kinds a RunConfig may name. */
export const runPreprocess = ['none', 'center', 'standardize'] as const
/** mlp: dense layers of `hidden` widths; convnet / lenet: nn/convnets.ts (5×5 convolutions with 8/16 or 16/32 filters). */
export const runModels = ['mlp', 'convnet', 'lenet'] as const

/** A run as plain data (the CLI's flags and --config file): data, model, optimizer, schedule, epochs, seed… */
export interface RunConfig {
  /** mnist (bundled) | spiral | xor | idx:<images>,<labels> | cifar:<file>[,<file>…] | csv:<file> */
  readonly data: string
  /** Hidden layer widths, e.g. [200]. */
  readonly hidden: readonly number[]
  /** An init of the registries the run is decoded with (built-ins: runInits). */
  readonly init: string
  readonly loss: (typeof runLosses)[number]
  /** A kind of the optimizer registry the run config is decoded with (built-ins: optim/registry.ts). */
  readonly optimizer: string
  readonly learningRate: number
  /** Momentum μ (momentum, nesterov). */
  readonly momentum: number
  readonly schedule: (typeof runSchedules)[number]
  /**
   * step: ×decay every `decayEvery` epochs; exponential: ×decay per `decayEvery` epochs, smoothly;
   * inverseTime: lr/(1 + k·t) with k such that lr·decay is reached after `decayEvery` epochs;
   * warmup: linear from 0 to lr over the first `decayEvery` epochs, then constant.
   */
  readonly decay: number
  readonly decayEvery: number
  readonly epochs: number
  readonly batchSize: number
  /** λ of the L2 penalty λΣW² (the lecture's convention; biases are not penalized). */
  readonly l2: number
  /** Dropout keep probability after each hidden layer (1 = no dropout). */
  readonly keep: number
  /** Random image shifts of up to this many pixels during training (0 = none; images only). */
  readonly shift: number
  /** The model's first layer, fitted on the training inputs (none | center | standardize; nn/preprocessing.ts). */
  readonly preprocess: (typeof runPreprocess)[number]
  readonly seed: number
  /** The optimizer's other hyperparameters (e.g. adam's `{ "b1": 0.8 }`); the rest keep the kind's defaults. */
  readonly hyper?: Readonly<Record<string, HyperSpec>>
  /** Clip gradients by global norm first (Pascanu et al. 2013). */
  readonly clipNorm?: number
  /** Stop after this many steps in total (resumable). */
  readonly maxSteps?: number
  /** Early stopping: stop when validation accuracy has not improved for this many epochs. */
  readonly patience?: number
  /** Train accuracy on the first n training examples (default 2000). */
  readonly evalTrainSize?: number
  /** Compiled programs (default) or the reference interpreter. */
  readonly compiled?: boolean
  /** Hidden nonlinearity (default relu). */
  readonly activation?: ActivationName
  /** Batch norm after each hidden affine layer (default false). */
  readonly batchNorm?: boolean
  /**
   * Number format of the compiled programs (float32 runs on the WebAssembly SIMD backend). Unset:
   * the library trains in float64; the command line takes float32 when the float32 check holds
   * for the model (src/cli/runSetup.ts) and writes the dtype it took into the run.
   */
  readonly dtype?: Dtype
  /** Threads of a float32 step (1 … 64; default: the machine's cores on the command line). The bits do not depend on it. */
  readonly threads?: number
  /** The architecture (default mlp, which reads `hidden`; the convnets ignore it). */
  readonly model?: (typeof runModels)[number]
  /**
   * Train on this many examples of the training split only (the first of a permutation drawn from
   * key(seed) folded with 4; preprocessing is fitted on them); validation and test stay whole.
   */
  readonly examples?: number
  /** Fine-tuning: layers whose parameters are frozen and which run in inference mode (train/finetune.ts). */
  readonly freeze?: readonly string[]
  /** Fine-tuning: learning-rate multipliers by layer name (train/finetune.ts). */
  readonly lrMult?: Readonly<Record<string, number>>
  /**
   * The model as layer specs (`{ "kind": "dense", "in": 2, "out": 16 }`, any kind of the registries
   * the run is built with: a user's from `--with` too), in place of `model` and `hidden`; the first
   * takes the data's rows, the last gives the classes. `preprocess` still comes first.
   */
  readonly layers?: readonly LayerJson[]
}

/** The main job: a two-layer ReLU network on the bundled MNIST digits. */
export const defaultRunConfig: RunConfig = {
  data: 'mnist', hidden: [200], init: 'he', loss: 'softmax',
  optimizer: 'momentum', learningRate: 0.05, momentum: 0.9, schedule: 'step', decay: 0.9, decayEvery: 1,
  epochs: 10, batchSize: 128, l2: 1e-4, keep: 1, shift: 1, preprocess: 'center', seed: 1,
}

/**
 * The defaults of a convnet run (`symgrad train --model convnet|lenet` starts from these): Adam
 * with the learning rate halved each epoch, three epochs of batches of 64, random one-pixel shifts.
 */
export const convnetRunConfig: RunConfig = {
  ...defaultRunConfig, model: 'convnet', optimizer: 'adam', learningRate: 0.002, schedule: 'step', decay: 0.5,
  epochs: 3, batchSize: 64, l2: 0,
}

/** `npm start`: the small convnet (nn/convnets.ts, 5,994 parameters) on full MNIST, two epochs (about two minutes on two cores). */
export const startRunConfig: RunConfig = { ...convnetRunConfig, epochs: 2 }

/** The RunConfig fields a search point sets (a numeric `hidden` is one hidden layer of that width). Not validated: decode it. */
export function pointFields(point: Point): Record<string, unknown> {
  return { ...point, ...(typeof point['hidden'] === 'number' ? { hidden: [Math.round(point['hidden'])] } : {}) }
}

/**
 * A run's architecture in words, for header lines: `mlp [784, 200, 10] relu + batch norm`, the
 * convnet's name, or its own `layers` by kind (`layers isruDense → dense`; kinds are quoted names).
 */
export function describeArchitecture(c: RunConfig, inputs: number, classes: number): string {
  if (c.layers !== undefined) return `layers ${c.layers.map((l) => bareName(l.kind)).join(' → ')}`
  const kind = c.model ?? 'mlp'
  if (kind !== 'mlp') return kind
  return `mlp [${[inputs, ...c.hidden, classes].join(', ')}] ${c.activation ?? 'relu'}${c.batchNorm === true ? ' + batch norm' : ''}${c.keep < 1 ? ` + dropout (keep ${c.keep})` : ''}`
}

/** The learning rate of a run: `learningRate` under its epoch-based schedule, in steps. */
export function learningRateOf(c: RunConfig, batchesPerEpoch: number): O.Hyper {
  const every = c.decayEvery * batchesPerEpoch
  switch (c.schedule) {
    case 'constant': return c.learningRate
    case 'step': return O.stepDecay(c.learningRate, c.decay, every)
    case 'exponential': return O.exponentialDecay(c.learningRate, c.decay, every)
    case 'inverseTime': return O.inverseTimeDecay(c.learningRate, (1 / c.decay - 1) / every)
    case 'warmup': return O.linearWarmup(0, c.learningRate, every)
  }
}

/** The optimizer and schedule in force, in words: `momentum (μ 0.9), learning rate 0.05 × 0.9 every 1 epoch (step)`. */
export function describeOptimizer(c: RunConfig): string {
  const epochs = `${c.decayEvery} epoch${c.decayEvery === 1 ? '' : 's'}`
  const lr =
    c.schedule === 'constant' ? `learning rate ${c.learningRate} (constant)`
    : c.schedule === 'step' ? `learning rate ${c.learningRate} × ${c.decay} every ${epochs} (step)`
    : c.schedule === 'exponential' ? `learning rate ${c.learningRate} × ${c.decay} per ${epochs}, smoothly (exponential)`
    : c.schedule === 'inverseTime' ? `learning rate ${c.learningRate}/(1 + k·t), × ${c.decay} after ${epochs} (inverseTime)`
    : `learning rate 0 → ${c.learningRate} over ${epochs}, then constant (warmup)`
  const mu = c.optimizer === 'momentum' || c.optimizer === 'nesterov' ? ` (μ ${c.momentum})` : ''
  const hyper = c.hyper !== undefined && Object.keys(c.hyper).length > 0 ? ` ${JSON.stringify(c.hyper)}` : ''
  const frozen = (c.freeze ?? []).length > 0 ? `; frozen (inference mode, no updates): ${c.freeze!.join(', ')}` : ''
  const mult = Object.keys(c.lrMult ?? {}).length > 0 ? `; learning rate × ${Object.entries(c.lrMult!).map(([k, v]) => `${v} for ${k}`).join(', ')}` : ''
  return `${c.optimizer}${mu}${hyper}, ${lr}${c.clipNorm !== undefined ? `, gradients clipped to norm ${c.clipNorm}` : ''}${frozen}${mult}`
}

/** Where a run's names resolve: `{ registries }` (default: the built-ins). */
export interface OptimizerOptions {
  readonly registries?: OptimizerRegistries
}

/**
 * The run's optimizer, built by its kind's record in `o.registries.optimizers`: defaults, then
 * `momentum` (for a kind that has one), then `hyper`; behind clipping when `clipNorm` is set.
 */
export function buildOptimizer(c: RunConfig, batchesPerEpoch: number, o: OptimizerOptions = {}): GradientTransformation<PlainState> {
  const registries: OptimizerRegistries = o.registries ?? { optimizers: builtinOptimizers }
  const def = registries.optimizers.get(c.optimizer)
  const mu: Readonly<Record<string, HyperSpec>> = def !== undefined && Object.prototype.hasOwnProperty.call(def.hyper, 'momentum') ? { momentum: c.momentum } : {}
  const choice = { kind: c.optimizer, learningRate: learningRateOf(c, batchesPerEpoch), hyper: { ...mu, ...c.hyper } }
  // fine-tuning: the kind per label (frozen, ×k, train), the clipping over the trained parameters only
  if (isFineTune(c)) return fineTuneOptimizer(c, () => optimizerOf(choice, { registries }), c.clipNorm)
  return optimizerOf({ ...choice, ...(c.clipNorm !== undefined ? { clipNorm: c.clipNorm } : {}) }, { registries })
}

/** What a run reads of a `Registries` value: layer kinds and inits (its model), optimizer kinds, per-op code (its programs). */
export type TrainRegistries = LayerRegistries & OptimizerRegistries & CodeRegistries

/** How a run's model is built: the image shape [H, W, C] of its rows, and the registries resolving its init. */
export interface BuildModelOptions {
  readonly image?: readonly [number, number, number]
  readonly registries?: LayerRegistries
}

/**
 * The run's model for rows of `inputs` features, with the run's `preprocess` as its first layer
 * (fitted on the training inputs by `train`, so checkpoints and ONNX files take raw inputs); the
 * convnets need the image shape [H, W, C] (without it, a square one-channel image is assumed when
 * `inputs` is a square).
 */
export function buildModel(c: RunConfig, inputs: number, classes: number, o: BuildModelOptions = {}): Model {
  const net = buildNet(c, inputs, classes, o)
  return c.preprocess === 'none' ? net : withPreprocessing(net, preprocessingLayer({ kind: c.preprocess }))
}

function buildNet(c: RunConfig, inputs: number, classes: number, o: BuildModelOptions): Model {
  const { image } = o
  if (c.layers !== undefined) {
    const m = fromLayers(c.layers, { input: inputs, ...(o.registries !== undefined ? { registries: o.registries } : {}) })
    if (m.out !== classes) throw new ShapeError(`the last layer gives width ${m.out}, but the data has ${classes} classes`)
    return m
  }
  const kind = c.model ?? 'mlp'
  if (kind === 'mlp')
    return mlp([inputs, ...c.hidden, classes], {
      init: c.init, ...(c.keep < 1 ? { keep: c.keep } : {}), ...(o.registries !== undefined ? { registries: o.registries } : {}),
      ...(c.activation !== undefined && c.activation !== 'relu' ? { activation: { kind: 'activation' as const, fn: c.activation } } : {}),
      ...(c.batchNorm === true ? { batchNorm: true } : {}),
    })
  const side = Math.round(Math.sqrt(inputs))
  const shape = image ?? (side * side === inputs ? ([side, side, 1] as const) : undefined)
  if (shape === undefined) throw new ShapeError(`model '${kind}' takes images, but the data rows have ${inputs} features and no image shape`)
  return kind === 'lenet' ? lenet(shape, classes) : smallConvnet(shape, classes)
}

/**
 * `buildModel` for data read from outside: Left (one line) when the model does not fit the data
 * (`convnet` on rows of 2 features, on images too small for its kernels), never a thrown ShapeError.
 */
export function modelFor(c: RunConfig, inputs: number, classes: number, o: BuildModelOptions = {}): Either<SymgradError, Model> {
  try {
    return E.right(buildModel(c, inputs, classes, o))
  } catch (e) {
    if (!(e instanceof SymgradError)) throw e
    if (c.layers !== undefined) return E.left(new SymgradError('value', `config.layers: ${e.message.replace(/^sequential: /, '')}`))
    const kind = c.model ?? 'mlp'
    return E.left(new SymgradError('value', `--model ${kind}: ${e.message.replace(`model '${kind}' `, '')}`))
  }
}

/** How `buildTrainConfig` reads a run: the image shape [H, W, C] (enables `shift`), the registries (its optimizer kind, its ops' code). */
export interface BuildTrainConfigOptions {
  readonly image?: readonly [number, number, number]
  readonly registries?: OptimizerRegistries & CodeRegistries
}

/** The TrainConfig of a RunConfig (no callbacks); its optimizer from `o.registries`, which its programs compile with too. */
export function buildTrainConfig(c: RunConfig, trainSize: number, o: BuildTrainConfigOptions = {}): TrainConfig {
  const { image } = o
  const per = countBatches(trainSize, c.batchSize)
  return {
    optimizer: buildOptimizer(c, per, o),
    ...(o.registries !== undefined ? { registries: o.registries } : {}), epochs: c.epochs, batchSize: c.batchSize, key: R.key(c.seed), loss: c.loss,
    regularization: c.l2 > 0 ? { kind: 'l2', lambda: c.l2 } : { kind: 'none' },
    ...(c.shift > 0 && image ? { augment: randomShift(image, c.shift) } : {}),
    ...(c.maxSteps !== undefined ? { maxSteps: c.maxSteps } : {}),
    ...(c.patience !== undefined ? { earlyStopping: { patience: c.patience } } : {}),
    ...(c.evalTrainSize !== undefined ? { evalTrainSize: c.evalTrainSize } : {}),
    ...(c.compiled !== undefined ? { compiled: c.compiled } : {}),
    ...(c.dtype !== undefined ? { dtype: c.dtype } : {}),
    ...((c.freeze ?? []).length > 0 ? { layerModes: frozenLayerModes(c) } : {}),
  }
}
