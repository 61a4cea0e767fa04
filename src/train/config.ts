/**
 * RunConfig: a training run as plain data (what `symgrad train --config f.json` reads, what a
 * search trial is, what the best configuration is saved as, what a CLI checkpoint records).
 * The types live here; decoding JSON into a RunConfig is the job of src/io (`decodeRunConfig` in
 * src/io/runConfig.ts, the same codecs as every other trust boundary). `buildModel`,
 * `buildOptimizer` and `buildTrainConfig` turn a RunConfig into a model and a TrainConfig.
 */
import type { Dtype } from '../compile/arena.js'
import * as R from '../core/Random.js'
import { countBatches } from '../data/batches.js'
import { mlp, type Model } from '../nn/model.js'
import * as O from '../optim/index.js'
import type { AnyGradientTransformation } from '../optim/GradientTransformation.js'
import type { TrainConfig } from './loop.js'
import { randomShift } from './augment.js'
import type { Point } from './search.js'

export const runOptimizers = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const
export const runSchedules = ['constant', 'step', 'exponential'] as const
export const runInits = ['small', 'xavier', 'he'] as const
export const runLosses = ['softmax', 'svm'] as const
export const runPreprocess = ['none', 'center', 'standardize'] as const

export interface RunConfig {
  /** mnist (bundled) | spiral | xor | idx:<images>,<labels> | cifar:<file>[,<file>…] | csv:<file> */
  readonly data: string
  /** Hidden layer widths, e.g. [200]. */
  readonly hidden: readonly number[]
  readonly init: (typeof runInits)[number]
  readonly loss: (typeof runLosses)[number]
  readonly optimizer: (typeof runOptimizers)[number]
  readonly learningRate: number
  /** Momentum μ (momentum, nesterov). */
  readonly momentum: number
  readonly schedule: (typeof runSchedules)[number]
  /** step: ×decay every `decayEvery` epochs; exponential: ×decay per `decayEvery` epochs, smoothly. */
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
  readonly preprocess: (typeof runPreprocess)[number]
  readonly seed: number
  /** Number format of the compiled training programs (float32 runs on the WebAssembly backend). */
  readonly dtype: Dtype
}

/** The main job: a two-layer ReLU network on the bundled MNIST digits. */
export const defaultRunConfig: RunConfig = {
  data: 'mnist', hidden: [200], init: 'he', loss: 'softmax',
  optimizer: 'momentum', learningRate: 0.05, momentum: 0.9, schedule: 'step', decay: 0.9, decayEvery: 1,
  epochs: 10, batchSize: 128, l2: 1e-4, keep: 1, shift: 1, preprocess: 'center', seed: 1, dtype: 'float64',
}

/** The RunConfig fields a search point sets (a numeric `hidden` is one hidden layer of that width). Not validated: decode it. */
export function pointFields(point: Point): Record<string, unknown> {
  return { ...point, ...(typeof point['hidden'] === 'number' ? { hidden: [Math.round(point['hidden'])] } : {}) }
}

export function buildOptimizer(c: RunConfig, batchesPerEpoch: number): AnyGradientTransformation {
  const every = c.decayEvery * batchesPerEpoch
  const lr =
    c.schedule === 'constant' ? c.learningRate
    : c.schedule === 'step' ? O.stepDecay(c.learningRate, c.decay, every)
    : O.exponentialDecay(c.learningRate, c.decay, every)
  switch (c.optimizer) {
    case 'sgd': return O.sgd(lr)
    case 'momentum': return O.momentum(lr, c.momentum)
    case 'nesterov': return O.nesterov(lr, c.momentum)
    case 'adagrad': return O.adagrad(lr)
    case 'rmsprop': return O.rmsprop(lr)
    case 'adam': return O.adam(lr)
  }
}

export function buildModel(c: RunConfig, inputs: number, classes: number): Model {
  return mlp([inputs, ...c.hidden, classes], { init: c.init, ...(c.keep < 1 ? { keep: c.keep } : {}) })
}

/** The TrainConfig of a RunConfig (no callbacks). `image` enables `shift` augmentation. */
export function buildTrainConfig(c: RunConfig, trainSize: number, image?: readonly [number, number, number]): TrainConfig {
  const per = countBatches(trainSize, c.batchSize)
  return {
    optimizer: buildOptimizer(c, per), epochs: c.epochs, batchSize: c.batchSize, key: R.key(c.seed), loss: c.loss,
    regularization: c.l2 > 0 ? { kind: 'l2', lambda: c.l2 } : { kind: 'none' },
    ...(c.shift > 0 && image ? { augment: randomShift(image, c.shift) } : {}),
    ...(c.dtype !== 'float64' ? { dtype: c.dtype } : {}),
  }
}
