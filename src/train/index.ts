/**
 * train: the training loop as a fold over minibatches, babysitting diagnostics, hyperparameter
 * search and ensembles. Everything here is pure and browser-safe; the CLI (src/cli) prints it.
 *
 * ## TrainState (resumable runs)
 *
 * `train(model, data, config, from?) → TrainState` where TrainState is plain data:
 * `{ params, modelState, optState, key, step, epoch, batch, history, status, nonFinite?, best? }`.
 * - `step` counts updates taken; `epoch` is the current epoch; `batch` the next batch in it.
 * - Randomness is derived by position from the root `key` only: init from foldIn(key, 0), epoch
 *   e's shuffle from batches(train, B, foldIn(key, 1), e), step s's dropout masks from
 *   foldIn(foldIn(key, 2), s). No generator state is carried, so
 *   `train(m, d, {…, maxSteps: N + M})` equals `train(m, d, {…, maxSteps: N + M}, train(m, d, {…, maxSteps: N}))`
 *   bit for bit (after a save/load of the state as well).
 * - `status`: 'running' (stopped by maxSteps: pass the state back to continue), 'done',
 *   'nonFinite' (the first NaN/Inf loss or gradient, with a message naming the step and the
 *   parameter), 'earlyStopped' (validation accuracy stalled for `patience` epochs; see `best`).
 * - `history`: per step loss, data loss, learning rate and ‖update‖/‖param‖ per parameter; per
 *   epoch mean loss, train accuracy and validation accuracy.
 */
export type { TrainState, History, EpochRecord, NonFinite, Status, Params } from './TrainState.js'
export { emptyHistory } from './TrainState.js'
export {
  train,
  initTrainState,
  evaluateAccuracy,
  nonFiniteMessage,
  initKey,
  shuffleKey,
  dropoutKey,
  examplesKey,
  type TrainConfig,
  type TrainData,
  type StepInfo,
} from './loop.js'
export { buildPrograms, type ProgramOptions, type AnyModel, lossExpr, softmaxRows, type Programs, type LossKind, type LossFn, type Regularization, type StepResult } from './programs.js'
export { checkModel, type ModelCheck, type ModelCheckOptions } from './hazards.js'
export {
  expectedInitialLoss, checkInitialLoss, initialLoss, overfitTiny, checkFinite, checkUpdateRatios, checkLossDecrease,
  diagnoseRun, deadRelus, checkDeadRelus, checkDivergence, initialPlateau, checkGeneralizationGap, type Check, type OverfitResult, type RatioOptions, type DeadRelu,
  type RunSetup, type TrendOptions,
} from './diagnostics.js'
export {
  uniform, logUniform, choice, randomPoint, randomSearch, gridSearch, refine, rank, formatTable, spaceProblem,
  type Dim, type Space, type Point, type TrialResult, type RefineOptions,
} from './search.js'
export { runTrial, type TrialOptions } from './trial.js'
export { trainEnsemble, type EnsembleResult } from './ensemble.js'
export { randomShift, type Augment } from './augment.js'
export { defaultRunConfig, pointFields, buildModel, buildOptimizer, buildTrainConfig, learningRateOf, runSchedules, runInits, runLosses, runPreprocess, type RunConfig, type TrainRegistries, type BuildModelOptions, type BuildTrainConfigOptions, type OptimizerOptions } from './config.js'
export { lossSvg, accuracySvg, ratioSvg, learningRateSvg, weightTiles, filterTiles, reportHtml, smooth, runningMean, lossWindow, captions, boundarySvg, type Boundary, type Raster, type ReportPage } from './report.js'
export { decisionBoundary } from './boundary.js'
export {
  fineTuneOptimizer, fineTuneStart, fineTuneLabel, frozenLayerModes, checkFineTune, trainableLayers, headLayer, layerOfLeaf, isFineTune, type FineTune,
} from './finetune.js'
export { predictImage, predictImageOrThrow, predictRows, predictRowsOrThrow, type ClassProbability, type ImagePrediction } from './predictImage.js'
export { searchSvg } from './searchPlot.js'

// ── …OrThrow twins (the error rule: see orThrowing in core/errors.ts) ─────────────────────────
import { orThrowing } from '../core/errors.js'
import { trainEnsemble as trainEnsemble_ } from './ensemble.js'
import { checkFineTune as checkFineTune_ } from './finetune.js'
/** `trainEnsemble`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const trainEnsembleOrThrow = orThrowing(trainEnsemble_)
/** `checkFineTune`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkFineTuneOrThrow = orThrowing(checkFineTune_)
