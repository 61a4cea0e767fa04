/**
 * Training configs as JSON, decoded with io-ts into the `TrainConfig` that `train` takes. The
 * optimizer and its learning-rate schedule are data here (`{ "kind": "adam", "lr": 0.001 }`) and
 * become the optimizer's pure functions through `optimizerFromSpec` — the same builders as in code.
 *
 *   { "model": { "layers": [ … ] },                     optional (see spec.ts)
 *     "optimizer": { "kind": "momentum", "lr": { "kind": "stepDecay", "init": 0.1, "factor": 0.5, "every": 1000 },
 *                    "momentum": 0.9, "clipNorm": 5 },
 *     "epochs": 10, "batchSize": 64, "seed": 42,
 *     "loss": "softmax", "regularization": { "kind": "l2", "lambda": 1e-4 },
 *     "maxSteps": 5000, "earlyStopping": { "patience": 3 }, "evalTrainSize": 2000, "compiled": true }
 *
 * Optimizers (fields besides `kind` and `lr`): sgd; momentum, nesterov (`momentum` in [0,1),
 * default 0.9); adagrad (`eps`); rmsprop (`decay` in [0,1), `eps`); adam (`b1`, `b2` in [0,1),
 * `eps`); adamw (adam's and `weightDecay` ≥ 0). Any of them takes `clipNorm` > 0 (clip by global
 * norm first). `lr` is a positive number or a schedule: constant {value}, stepDecay {init, factor,
 * every}, exponentialDecay {init, rate, decaySteps?, staircase?}, inverseTimeDecay {init, k},
 * linearWarmup {from, to, steps}. Unknown fields are refused (see codecs.ts).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import * as R from '../core/Random.js'
import type { SymgradError } from '../core/errors.js'
import type { AnyGradientTransformation } from '../optim/GradientTransformation.js'
import { chain } from '../optim/GradientTransformation.js'
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from '../optim/aliases.js'
import type { Schedule } from '../optim/schedules.js'
import { constant, exponentialDecay, inverseTimeDecay, linearWarmup, stepDecay } from '../optim/schedules.js'
import { clipByGlobalNorm } from '../optim/transforms.js'
import type { TrainConfig } from '../train/loop.js'
import { decodeWith, NonNegativeInt, NonNegativeNumber, oneOf, PositiveInt, PositiveNumber, struct, tagged, UnitInterval } from './codecs.js'
import { ModelSpecC } from './spec.js'

/** A learning-rate schedule as data. */
export const ScheduleC = tagged('a schedule', 'kind', {
  constant: struct('a constant schedule', { kind: t.literal('constant'), value: PositiveNumber }),
  stepDecay: struct('a step decay schedule', { kind: t.literal('stepDecay'), init: PositiveNumber, factor: PositiveNumber, every: PositiveInt }),
  exponentialDecay: struct('an exponential decay schedule', { kind: t.literal('exponentialDecay'), init: PositiveNumber, rate: PositiveNumber }, { decaySteps: PositiveNumber, staircase: t.boolean }),
  inverseTimeDecay: struct('an inverse time decay schedule', { kind: t.literal('inverseTimeDecay'), init: PositiveNumber, k: NonNegativeNumber }),
  linearWarmup: struct('a linear warm-up schedule', { kind: t.literal('linearWarmup'), from: NonNegativeNumber, to: PositiveNumber, steps: PositiveInt }),
})
export type ScheduleSpec = t.TypeOf<typeof ScheduleC>

/** A learning rate: a positive number or a schedule. */
export const LearningRateC = new t.Type<number | ScheduleSpec, number | ScheduleSpec, unknown>(
  'a positive number or a schedule { kind, … }',
  (u): u is number | ScheduleSpec => PositiveNumber.is(u) || ScheduleC.is(u),
  (u, c) => (typeof u === 'object' && u !== null && !Array.isArray(u) ? ScheduleC.validate(u, c) : typeof u === 'number' ? PositiveNumber.validate(u, c) : t.failure(u, c)),
  (x) => x,
)

const common = { lr: LearningRateC }
const clip = { clipNorm: PositiveNumber }
const adamFields = { b1: UnitInterval, b2: UnitInterval, eps: PositiveNumber }

/** An optimizer as data. */
export const OptimizerC = tagged('an optimizer', 'kind', {
  sgd: struct('sgd', { kind: t.literal('sgd'), ...common }, clip),
  momentum: struct('momentum', { kind: t.literal('momentum'), ...common }, { momentum: UnitInterval, ...clip }),
  nesterov: struct('nesterov', { kind: t.literal('nesterov'), ...common }, { momentum: UnitInterval, ...clip }),
  adagrad: struct('adagrad', { kind: t.literal('adagrad'), ...common }, { eps: PositiveNumber, ...clip }),
  rmsprop: struct('rmsprop', { kind: t.literal('rmsprop'), ...common }, { decay: UnitInterval, eps: PositiveNumber, ...clip }),
  adam: struct('adam', { kind: t.literal('adam'), ...common }, { ...adamFields, ...clip }),
  adamw: struct('adamw', { kind: t.literal('adamw'), ...common }, { ...adamFields, weightDecay: NonNegativeNumber, ...clip }),
})
export type OptimizerSpec = t.TypeOf<typeof OptimizerC>

export const RegularizationC = tagged('a regularization', 'kind', {
  none: struct('no regularization', { kind: t.literal('none') }),
  l2: struct('l2 (λΣW²)', { kind: t.literal('l2'), lambda: NonNegativeNumber }),
  l2Half: struct('l2Half (½λΣW²)', { kind: t.literal('l2Half'), lambda: NonNegativeNumber }),
})

/** A training config as JSON (see the module note). */
export const ConfigC = struct(
  'a training config',
  { optimizer: OptimizerC, epochs: PositiveInt, batchSize: PositiveInt, seed: NonNegativeInt },
  {
    model: ModelSpecC,
    loss: oneOf(['softmax', 'svm']),
    regularization: RegularizationC,
    maxSteps: NonNegativeInt,
    earlyStopping: struct('{ patience }', { patience: PositiveInt }),
    evalTrainSize: PositiveInt,
    compiled: t.boolean,
  },
)
export type ConfigJson = t.TypeOf<typeof ConfigC>

/** Decodes a training config from parsed JSON; Left is one line (`config.optimizer.lr: expected …`). */
export function decodeConfig(u: unknown, root = 'config'): Either<SymgradError, ConfigJson> {
  return decodeWith(ConfigC, u, root)
}

export function scheduleFromSpec(s: number | ScheduleSpec): number | Schedule {
  if (typeof s === 'number') return s
  switch (s.kind) {
    case 'constant':
      return constant(s.value)
    case 'stepDecay':
      return stepDecay(s.init, s.factor, s.every)
    case 'exponentialDecay':
      return exponentialDecay(s.init, s.rate, s.decaySteps ?? 1, s.staircase ?? false)
    case 'inverseTimeDecay':
      return inverseTimeDecay(s.init, s.k)
    case 'linearWarmup':
      return linearWarmup(s.from, s.to, s.steps)
  }
}

const defined = <O extends Record<string, unknown>>(o: O): O => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as O

/** The optimizer a spec describes, built with the optim aliases (clipNorm: chained in front). */
export function optimizerFromSpec(o: OptimizerSpec): AnyGradientTransformation {
  const lr = scheduleFromSpec(o.lr)
  const base = ((): AnyGradientTransformation => {
    switch (o.kind) {
      case 'sgd':
        return sgd(lr)
      case 'momentum':
        return momentum(lr, o.momentum ?? 0.9)
      case 'nesterov':
        return nesterov(lr, o.momentum ?? 0.9)
      case 'adagrad':
        return adagrad(lr, defined({ eps: o.eps }))
      case 'rmsprop':
        return rmsprop(lr, defined({ decay: o.decay, eps: o.eps }))
      case 'adam':
        return adam(lr, defined({ b1: o.b1, b2: o.b2, eps: o.eps }))
      case 'adamw':
        return adamw(lr, o.weightDecay ?? 1e-4, defined({ b1: o.b1, b2: o.b2, eps: o.eps }))
    }
  })()
  return o.clipNorm !== undefined ? chain(clipByGlobalNorm(o.clipNorm), base) : base
}

/** The `TrainConfig` a decoded config describes (callbacks and prebuilt programs may be added). */
export function toTrainConfig(c: ConfigJson, extra: Pick<TrainConfig, 'onStep' | 'onEpoch' | 'programs'> = {}): TrainConfig {
  return {
    optimizer: optimizerFromSpec(c.optimizer),
    epochs: c.epochs,
    batchSize: c.batchSize,
    key: R.key(c.seed),
    ...defined({
      loss: c.loss,
      regularization: c.regularization,
      maxSteps: c.maxSteps,
      earlyStopping: c.earlyStopping,
      evalTrainSize: c.evalTrainSize,
      compiled: c.compiled,
    }),
    ...extra,
  }
}

/** decodeConfig then toTrainConfig. */
export function decodeTrainConfig(u: unknown, root = 'config'): Either<SymgradError, TrainConfig> {
  return E.map(toTrainConfig)(decodeConfig(u, root))
}
