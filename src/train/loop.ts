/**
 * train: a fold over minibatches. `train(model, data, config, from?)` starts from `from` (or a fresh
 * `initTrainState`, whose preprocessing layers are fitted on `data.train`) and returns the new TrainState — final params, optimizer state, position and
 * history — as plain data. Its arguments are never written.
 *
 * Per step: loss, gradients, a finiteness check and the optimizer update — one compiled program
 * when the optimizer has a graph form (stepper.ts; parameters and optimizer buffers stay in it
 * between steps), else the compiled gradients and the update in JavaScript — and the record of
 * loss, learning rate and ‖update‖/‖param‖ per parameter. Per epoch: train and
 * validation accuracy, optional early stopping on validation accuracy. The first non-finite loss
 * or gradient stops the run at once (status 'nonFinite') with a message naming the step, the
 * parameter and the likely cause; the params returned are the last finite ones.
 *
 * `maxSteps` stops after that many steps in total (status 'running'); passing the state back
 * continues exactly where it stopped (see TrainState.ts for how keys are derived).
 */
import * as R from '../core/Random.js'
import type { Dtype } from '../compile/arena.js'
import type { ThreadPool } from '../compile/threads.js'
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import type { Dataset } from '../data/Dataset.js'
import * as D from '../data/Dataset.js'
import { batches, countBatches } from '../data/batches.js'
import { accuracy } from '../data/metrics.js'
import type { GradientTransformation, PlainState } from '../optim/GradientTransformation.js'
import type { LayerModes } from '../nn/model.js'
import { SymgradError } from '../core/errors.js'
import { fitStateOrThrow, fittedLayers } from '../nn/fit.js'
import type { Augment } from './augment.js'
import { stepBatch, type Scratch } from './batchInput.js'
import { buildPrograms, type AnyModel, type LossFn, type LossKind, type ProgramOptions, type Programs, type Regularization } from './programs.js'
import type { CodeRegistries } from '../compile/code.js'
import type { EpochRecord, History, NonFinite, Params, TrainState } from './TrainState.js'
import { stepperFor } from './stepper.js'
import { emptyHistory } from './TrainState.js'

/** The data of a run: the training set and an optional validation set. */
export interface TrainData {
  readonly train: Dataset
  readonly validation?: Dataset
}

/** What `onStep` receives after each step: position, batches per epoch, the batch loss. */
export interface StepInfo {
  readonly step: number
  readonly epoch: number
  readonly batch: number
  readonly batchesPerEpoch: number
  readonly loss: number
}

/** How `train` runs: optimizer, epochs, batch size, key, loss, regularization, stopping rules, callbacks. */
export interface TrainConfig<S extends PlainState = PlainState> {
  /** The optimizer; a learning-rate schedule goes inside it (`adam(exponentialDecay(…))`). Its state type is the TrainState's. */
  readonly optimizer: GradientTransformation<S>
  readonly epochs: number
  readonly batchSize: number
  /** Root key of the run: init, shuffles and dropout masks all derive from it. */
  readonly key: Key
  /** Default 'softmax'; or a loss of your own. */
  readonly loss?: LossKind | LossFn
  /** Default none. `l2` is λΣW² (lecture), `l2Half` is ½λΣW² (assignments); biases are never regularized. */
  readonly regularization?: Regularization
  /** Stop once this many steps have been taken in total (status 'running', resumable). */
  readonly maxSteps?: number
  /** Stop when validation accuracy has not improved for `patience` epochs. */
  readonly earlyStopping?: { readonly patience: number }
  /** Train accuracy is measured on the first `evalTrainSize` training examples (default 2000). */
  readonly evalTrainSize?: number
  /** When accuracy is measured: after every epoch (default), or only after epoch `epochs` (the records before it carry NaN: not measured), for a caller that reads only the end (the overfit check's 100 one-step epochs). */
  readonly evaluate?: 'everyEpoch' | 'lastEpoch'
  /** A transform of each training batch's features (e.g. randomShift), from foldIn(foldIn(key, 3), step). */
  readonly augment?: Augment
  /** Use the compiler (default true) or the reference interpreter. */
  readonly compiled?: boolean
  /** Number format of the compiled programs (default float64; the interpreter is float64). */
  readonly dtype?: Dtype
  /**
   * Layers of the train step that run in a mode of their own, by name (fine-tuning keeps frozen
   * batch norm on its running statistics: `{ bn0: 'test' }`); default none.
   */
  readonly layerModes?: LayerModes
  /** Threads of a float32 step (float64 programs run on the JavaScript backend, alone); the bits do not depend on them. */
  readonly threads?: ThreadPool
  /** A registries value whose per-op code (`backends`) the programs compile with (a user op's JavaScript and WebAssembly code). */
  readonly registries?: CodeRegistries
  /** Programs built earlier for the same model, loss, regularization and layer modes (skips compiling). */
  readonly programs?: Programs
  /** Called after every step with its position and batch loss (progress bars, live plots). */
  readonly onStep?: (info: StepInfo) => void
  /** Called after every epoch with its record, before early stopping is decided. */
  readonly onEpoch?: (record: EpochRecord) => void
}

/** How a config's programs are built: compiled or interpreted, its dtype, its threads for float32, its registries' code, its layer modes. */
export function programOptionsOf(config: Pick<TrainConfig, 'compiled' | 'dtype' | 'threads' | 'registries' | 'layerModes'>): ProgramOptions {
  const dtype = config.dtype ?? 'float64'
  return {
    compiled: config.compiled ?? true, dtype,
    ...(dtype === 'float32' && config.threads !== undefined ? { threads: config.threads } : {}),
    ...(config.registries !== undefined ? { registries: config.registries } : {}),
    ...(config.layerModes !== undefined ? { layerModes: config.layerModes } : {}),
  }
}

/** Key roles (see TrainState.ts). */
export const initKey = (key: Key): Key => R.foldIn(key, 0)
/** The key of the epochs' shuffles, derived from the root key (foldIn 1; each epoch's order is drawn from it and the epoch). */
export const shuffleKey = (key: Key): Key => R.foldIn(key, 1)
/** The key of one step's dropout masks, derived from the root key (foldIn 2) and the step. */
export const dropoutKey = (key: Key, step: number): Key => R.foldIn(R.foldIn(key, 2), step)
export const augmentKey = (key: Key, step: number): Key => R.foldIn(R.foldIn(key, 3), step)
/** The rows of a run on a few examples (RunConfig.examples): a permutation from foldIn(key(seed), 4). */
export const examplesKey = (seed: number): Key => R.foldIn(R.key(seed), 4)

/**
 * The state before the first step: params from model.init(foldIn(key, 0)), fresh optimizer state,
 * and the fitted state of preprocessing layers (nn/fit.ts) fitted on the training inputs `x`
 * [N, in]. Throws a SymgradError when the model has such layers and no `x` is given, or when they
 * cannot be fitted (non-finite data).
 */
export function initTrainState<S extends PlainState>(model: AnyModel, config: Pick<TrainConfig<S>, 'key' | 'optimizer'>, x?: Tensor): TrainState<S> {
  const { params, state } = model.init(initKey(config.key))
  const fitted = fittedLayers(model)
  if (fitted.length > 0 && x === undefined)
    throw new SymgradError('value', `initTrainState: layer${fitted.length > 1 ? 's' : ''} ${fitted.map((n) => `'${n}'`).join(', ')} fit${fitted.length > 1 ? '' : 's'} its state from the training inputs: pass them (initTrainState(model, config, data.train.x))`)
  const modelState = fitted.length > 0 ? fitStateOrThrow(model, params, state, x!) : state
  return { params, modelState, optState: config.optimizer.init(params), key: config.key, step: 0, epoch: 0, batch: 0, history: emptyHistory, status: 'running' }
}

/** The message of a non-finite stop: the step, where, and the likely cause. */
export function nonFiniteMessage(nf: Omit<NonFinite, 'message'>): string {
  const what = nf.where === 'loss' || nf.where.startsWith('loss (') ? `loss is ${nf.value}${nf.where.slice(4)}` : nf.where.startsWith('update of ') ? `the ${nf.where} is not finite (${nf.value})` : `gradient of '${nf.where}' is not finite (${nf.value})`
  const lr = Number.isFinite(nf.learningRate) ? ` (learning rate ${nf.learningRate})` : ''
  // before the first update the learning rate has had no effect: the inputs or the penalty are to blame
  const cause = nf.where.startsWith('update of ') ? `the optimizer made it from finite gradients: learning rate too high${lr}, or a corrupt optimizer state`
    : nf.step === 0 ? 'this is before the first update, so the inputs or the regularization are too large (look for huge values in the data and the L2 strength)' : `learning rate likely too high${lr}`
  const origin = nf.origin !== undefined ? `; ${nf.origin}` : ''
  return `training stopped at step ${nf.step} (epoch ${nf.epoch}, batch ${nf.batch}): ${what}; ${cause}${origin}`
}

/** Accuracy of the inference model on `ds` (or its first `limit` rows). */
export function evaluateAccuracy(programs: Programs, params: Params, modelState: Params, ds: Dataset, limit = Infinity): number {
  const n = Math.min(D.size(ds), limit)
  const part = n === D.size(ds) ? ds : D.take(ds, Int32Array.from({ length: n }, (_, i) => i))
  return accuracy(programs.predict(params, modelState, part.x), part.y)
}

/** Trains `model` on `data` as a pure fold: returns the TrainState after `config.epochs` (or `maxSteps`); pass a state back as `from` to continue it. */
export function train<S extends PlainState>(model: AnyModel, data: TrainData, config: TrainConfig<S>, from?: TrainState<S>): TrainState<S> {
  if (config.evaluate !== undefined && config.evaluate !== 'everyEpoch' && config.evaluate !== 'lastEpoch')
    throw new SymgradError('value', `train: evaluate must be 'everyEpoch' or 'lastEpoch', got ${JSON.stringify(config.evaluate) ?? typeof config.evaluate}`)
  // early stopping reads every epoch's validation accuracy, which 'lastEpoch' does not measure
  if (config.evaluate === 'lastEpoch' && config.earlyStopping !== undefined)
    throw new SymgradError('value', "train: earlyStopping needs validation accuracy after every epoch, and evaluate: 'lastEpoch' measures only the last: drop one of them")
  const programs = config.programs ?? buildPrograms(model, config.loss ?? 'softmax', config.regularization ?? { kind: 'none' }, programOptionsOf(config))
  // a finished run given more epochs continues (as the same run would have); one that stopped early
  // (non-finite, early stopping) or already has its epochs is returned as it is, with its status saying why
  const s0 = from === undefined ? initTrainState(model, config, data.train.x) : from.status === 'done' && from.epoch < config.epochs ? { ...from, status: 'running' as const } : from
  if (s0.status !== 'running') return s0
  const perEpoch = countBatches(D.size(data.train), config.batchSize)
  // local, growing copies of the history (the argument is never written)
  const h = {
    loss: [...s0.history.loss],
    dataLoss: [...s0.history.dataLoss],
    learningRate: [...s0.history.learningRate],
    ratio: Object.fromEntries(programs.paramNames.map((k) => [k, [...(s0.history.ratio[k] ?? [])]])) as Record<string, number[]>,
    epochs: [...s0.history.epochs],
    ...(s0.history.every !== undefined ? { every: s0.history.every } : {}),
  }
  const every = s0.history.every ?? 1
  // this epoch's batch losses (the epoch's mean); a run continued mid-epoch starts from the steps
  // its history kept of the epoch so far (all of them unless a checkpoint thinned the history)
  const epochStart = s0.step - s0.batch
  let epochLosses: number[] = s0.history.loss.filter((_, i) => i * every >= epochStart)
  let { step, epoch, batch, best } = s0
  const stepper = stepperFor(programs, config.optimizer, s0)
  const snapshot = (status: TrainState['status'], nonFinite?: NonFinite): TrainState<S> => {
    const history: History = h
    return {
      ...stepper.values(), key: s0.key, step, epoch, batch, history, status,
      ...(nonFinite ? { nonFinite } : {}),
      ...(best ? { best } : {}),
    }
  }

  // the buffer a step's gathered features are written into (one allocation instead of one per step)
  let xs: Float64Array | undefined
  let xb: Uint8Array | undefined
  const scratch = ((n: number, kind: 'bytes' | 'floats') =>
    kind === 'bytes' ? (xb?.length === n ? xb : (xb = new Uint8Array(n))) : xs?.length === n ? xs : (xs = new Float64Array(n))) as Scratch
  while (epoch < config.epochs) {
    const bs = batches(data.train, config.batchSize, shuffleKey(s0.key), epoch)
    // the inputs of any step of this epoch (a fused stepper replays earlier ones after a non-finite
    // step); the current step's gathered features go into the run's one buffer, earlier steps' into
    // fresh ones, so a replay never writes over the batch of the step it replays for
    const first = step - batch
    const inputsAt = (t: number) => {
      const b = stepBatch(data.train, bs, t - first, config.augment, augmentKey(s0.key, t), t === step ? scratch : undefined)
      return { x: b.x, y: b.y, dropoutKey: dropoutKey(s0.key, t) }
    }
    for (; batch < perEpoch; batch++) {
      if (config.maxSteps !== undefined && step >= config.maxSteps) return snapshot('running')
      const r = stepper.step({ step, epoch, batch }, step % every === 0, inputsAt)
      if (r.kind === 'nonFinite') return snapshot('nonFinite', { ...r.found, message: nonFiniteMessage(r.found) })
      if (r.ratio !== undefined) {
        for (const k of programs.paramNames) h.ratio[k]!.push(r.ratio[k]!)
        h.loss.push(r.loss)
        h.dataLoss.push(r.dataLoss)
        h.learningRate.push(r.learningRate)
      }
      epochLosses.push(r.loss)
      step++
      config.onStep?.({ step, epoch, batch, batchesPerEpoch: perEpoch, loss: r.loss })
    }
    const losses = epochLosses
    epochLosses = []
    const measured = config.evaluate !== 'lastEpoch' || epoch === config.epochs - 1
    // the values leave a fused program only where someone looks: an epoch that measures nothing reads none
    const now = measured ? stepper.values() : undefined
    const trainAccuracy = now !== undefined ? evaluateAccuracy(programs, now.params, now.modelState, data.train, config.evalTrainSize ?? 2000) : NaN
    const validationAccuracy = data.validation ? (now !== undefined ? evaluateAccuracy(programs, now.params, now.modelState, data.validation) : NaN) : undefined
    const record: EpochRecord = {
      epoch, step, meanLoss: losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length), trainAccuracy,
      ...(validationAccuracy !== undefined ? { validationAccuracy } : {}),
    }
    h.epochs.push(record)
    epoch++
    batch = 0
    config.onEpoch?.(record)
    if (now !== undefined && validationAccuracy !== undefined && (best === undefined || validationAccuracy > best.validationAccuracy))
      best = { validationAccuracy, epoch: record.epoch, params: now.params, modelState: now.modelState }
    if (config.earlyStopping && best !== undefined && record.epoch - best.epoch >= config.earlyStopping.patience) return snapshot('earlyStopped')
  }
  return snapshot('done')
}
