/**
 * TrainState: everything a training run is, as plain data (numbers, strings, arrays, records and
 * Tensors — no closures), so it can be saved, loaded and resumed bit for bit.
 *
 * Keys. Every random draw of a run comes from `key` by position, never from a generator's state:
 *   - initialization:   model.init(foldIn(key, 0))
 *   - epoch e's shuffle: batches(train, batchSize, foldIn(key, 1), e)   (permutation(foldIn(·, e)))
 *   - step s's dropout:  model.apply(…).random.bindings(foldIn(foldIn(key, 2), s), B)
 *   - step s's augmentation: foldIn(foldIn(key, 3), s); a run on a few examples (RunConfig.examples)
 *     takes the first of permutation(foldIn(key, 4)) of the training split
 * So training N steps, saving the state, loading it and training M more equals N + M steps in one
 * go: the next batch is batch `batch` of epoch `epoch`, and the next step's masks depend on `step`.
 */
import type { Key } from '../core/Random.js'
import type { PlainState } from '../optim/GradientTransformation.js'
import type { Tensor } from '../core/Tensor.js'

import type { Params } from '../core/Params.js'
export type { Params } from '../core/Params.js'

/** One epoch's summary, recorded when the epoch's last batch has been trained on. */
export interface EpochRecord {
  /** 0-based epoch number. */
  readonly epoch: number
  /** Steps taken so far (after this epoch). */
  readonly step: number
  /** Mean of the epoch's per-step losses (data loss + regularization). */
  readonly meanLoss: number
  /** Accuracy on (up to `evalTrainSize` examples of) the training set, inference mode. */
  readonly trainAccuracy: number
  /** Accuracy on the validation set; undefined when there is none. */
  readonly validationAccuracy?: number
}

/** What a run recorded: per-step losses, learning rates and update ratios, and one record per epoch. */
export interface History {
  /** Per step: total loss (data loss + regularization) of the batch, before the update. */
  readonly loss: readonly number[]
  /** Per step: the data loss alone (no regularization). */
  readonly dataLoss: readonly number[]
  /** Per step: the learning rate the update used, read back from the optimizer state (NaN if none). */
  readonly learningRate: readonly number[]
  /** Per parameter, per step: ‖update‖ / ‖parameter‖ (the ~1e-3 rule of thumb). */
  readonly ratio: Readonly<Record<string, readonly number[]>>
  /** One record per epoch trained. */
  readonly epochs: readonly EpochRecord[]
  /**
   * The per-step lists hold the steps 0, every, 2·every, … (absent: every step). A checkpoint
   * keeps at most 128 points per list (io/checkpoint.ts), and a run continued from it records the
   * steps it would have kept.
   */
  readonly every?: number
}

/**
 * - running: more steps to take (e.g. stopped by `maxSteps`; pass the state back to continue);
 * - done: all epochs trained;
 * - nonFinite: a loss or gradient was NaN/±Inf; `params` are the last finite ones;
 * - earlyStopped: validation accuracy did not improve for `patience` epochs; `best` holds the best.
 */
export type Status = 'running' | 'done' | 'nonFinite' | 'earlyStopped'

/** Where a run stopped on a NaN or ±∞: step, epoch, batch, the parameter or loss, and a message. */
export interface NonFinite {
  readonly step: number
  readonly epoch: number
  readonly batch: number
  /** 'loss' or the first parameter whose gradient is not finite. */
  readonly where: string
  readonly value: number
  readonly learningRate: number
  /** The first non-finite node of the step re-run in the interpreter (see Programs.origin). */
  readonly origin?: string
  readonly message: string
}

/**
 * `S` is the optimizer's state type: `train` with `adam(…)` returns a TrainState whose `optState`
 * is Adam's chain of states; a state decoded from a checkpoint knows only that it is plain data.
 */
export interface TrainState<S extends PlainState = PlainState> {
  readonly params: Params
  /** Non-trained model state: batch-norm running statistics. */
  readonly modelState: Params
  /** The optimizer's state (plain data by the optim contract). */
  readonly optState: S
  /** The run's root key (see the module note for how it is used). */
  readonly key: Key
  /** Steps taken so far. */
  readonly step: number
  /** The current epoch (0-based). */
  readonly epoch: number
  /** The next batch to train on within the current epoch. */
  readonly batch: number
  readonly history: History
  readonly status: Status
  readonly nonFinite?: NonFinite
  /** Best validation accuracy so far, its epoch and its params (when there is a validation set). */
  readonly best?: { readonly validationAccuracy: number; readonly epoch: number; readonly params: Params; readonly modelState: Params }
}

/** The history of a run that has not started. */
export const emptyHistory: History = { loss: [], dataLoss: [], learningRate: [], ratio: {}, epochs: [] }
