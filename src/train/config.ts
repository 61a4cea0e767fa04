/**
 * RunConfig: a training run described as JSON (what `symgrad train --config f.json` reads, what a
 * search trial is, what the best configuration is saved as). Decoded with io-ts at the trust
 * boundary; `buildRun` turns it into a model and a TrainConfig.
 */
import * as t from 'io-ts'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { PathReporter } from 'io-ts/lib/PathReporter.js'
import * as R from '../core/Random.js'
import { SymgradError } from '../core/errors.js'
import { mlp, type Model } from '../nn/model.js'
import * as O from '../optim/index.js'
import type { AnyGradientTransformation } from '../optim/GradientTransformation.js'
import type { TrainConfig } from './loop.js'
import { randomShift } from './augment.js'

const Optimizer = t.keyof({ sgd: null, momentum: null, nesterov: null, adagrad: null, rmsprop: null, adam: null })
const Schedule = t.keyof({ constant: null, step: null, exponential: null })

export const RunConfigC = t.exact(
  t.type({
    data: t.keyof({ mnist: null, spiral: null, xor: null }),
    /** Hidden layer widths, e.g. [200]. */
    hidden: t.array(t.number),
    init: t.keyof({ small: null, xavier: null, he: null }),
    loss: t.keyof({ softmax: null, svm: null }),
    optimizer: Optimizer,
    learningRate: t.number,
    /** Momentum μ (momentum, nesterov). */
    momentum: t.number,
    schedule: Schedule,
    /** step: ×decay every `decayEvery` epochs; exponential: ×decay per epoch, smoothly. */
    decay: t.number,
    decayEvery: t.number,
    epochs: t.number,
    batchSize: t.number,
    /** λ of the L2 penalty λΣW² (the lecture's convention; biases are not penalized). */
    l2: t.number,
    /** Dropout keep probability after each hidden layer (1 = no dropout). */
    keep: t.number,
    /** Random image shifts of up to this many pixels during training (0 = none; images only). */
    shift: t.number,
    preprocess: t.keyof({ none: null, center: null, standardize: null }),
    seed: t.number,
  }),
)
export type RunConfig = t.TypeOf<typeof RunConfigC>

/** The main job: a two-layer ReLU network on the bundled MNIST digits. */
export const defaultRunConfig: RunConfig = {
  data: 'mnist', hidden: [200], init: 'he', loss: 'softmax',
  optimizer: 'momentum', learningRate: 0.05, momentum: 0.9, schedule: 'step', decay: 0.9, decayEvery: 1,
  epochs: 10, batchSize: 128, l2: 1e-4, keep: 1, shift: 1, preprocess: 'center', seed: 1,
}

/** Decodes a partial config over `base`; Left with io-ts's path messages on one line. */
export function decodeRunConfig(u: unknown, base: RunConfig = defaultRunConfig): E.Either<SymgradError, RunConfig> {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return E.left(new SymgradError('decode', 'config: expected a JSON object'))
  const known = new Set(Object.keys(base))
  const unknown = Object.keys(u).filter((k) => !known.has(k))
  if (unknown.length > 0) return E.left(new SymgradError('decode', `config: unknown key '${unknown[0]}' (known: ${[...known].join(', ')})`))
  return pipe(
    RunConfigC.decode({ ...base, ...u }),
    E.mapLeft((errs) => new SymgradError('decode', `config: ${PathReporter.report(E.left(errs)).join('; ')}`)),
    E.chain(validate),
  )
}

function validate(c: RunConfig): E.Either<SymgradError, RunConfig> {
  const bad = (m: string) => E.left(new SymgradError('decode', `config: ${m}`))
  const posInt = (k: 'epochs' | 'batchSize' | 'decayEvery') => Number.isInteger(c[k]) && c[k] > 0
  for (const k of ['epochs', 'batchSize', 'decayEvery'] as const) if (!posInt(k)) return bad(`${k} must be a positive integer, got ${c[k]}`)
  if (!(c.learningRate > 0)) return bad(`learningRate must be > 0, got ${c.learningRate}`)
  if (!(c.keep > 0 && c.keep <= 1)) return bad(`keep must be in (0, 1], got ${c.keep}`)
  if (!(c.l2 >= 0)) return bad(`l2 must be ≥ 0, got ${c.l2}`)
  if (!(c.decay > 0 && c.decay <= 1)) return bad(`decay must be in (0, 1], got ${c.decay}`)
  if (!(c.momentum >= 0 && c.momentum < 1)) return bad(`momentum must be in [0, 1), got ${c.momentum}`)
  if (!c.hidden.every((h) => Number.isInteger(h) && h > 0)) return bad(`hidden widths must be positive integers, got [${c.hidden.join(',')}]`)
  if (!(Number.isInteger(c.shift) && c.shift >= 0)) return bad(`shift must be a non-negative integer, got ${c.shift}`)
  return E.right(c)
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
  const per = Math.ceil(trainSize / c.batchSize)
  return {
    optimizer: buildOptimizer(c, per), epochs: c.epochs, batchSize: c.batchSize, key: R.key(c.seed), loss: c.loss,
    regularization: c.l2 > 0 ? { kind: 'l2', lambda: c.l2 } : { kind: 'none' },
    ...(c.shift > 0 && image ? { augment: randomShift(image, c.shift) } : {}),
  }
}
