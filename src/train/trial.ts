/**
 * One search trial: the RunConfig with the point's values (`pointFields`, decoded by the caller —
 * src/io's decodeRunConfig — so a point outside the valid range is a failed trial, not a crash),
 * trained briefly and scored on validation accuracy. A trial's result depends on nothing but its
 * config and data, whichever thread, process or machine runs it.
 */
import type { Splits } from '../data/split.js'
import type { ThreadPool } from '../compile/threads.js'
import * as D from '../data/Dataset.js'
import type { Model } from '../nn/model.js'
import { buildModel, buildTrainConfig, type RunConfig, type TrainRegistries } from './config.js'
import { train } from './loop.js'
import type { Point, TrialResult } from './search.js'
import type { TrainState } from './TrainState.js'

export type TrialData = Splits & { readonly image?: readonly [number, number, number] }

/** How a trial runs: the pool of a float32 trial's step (the result does not depend on it), and the registries its run names records of. */
export interface TrialOptions {
  readonly threads?: ThreadPool
  readonly registries?: TrainRegistries
}

/** Trains the trial's run; the model and final state (for a checkpoint) with the result. */
export function trainTrial(c: RunConfig, point: Point, trial: number, data: TrialData, o: TrialOptions = {}): { readonly result: TrialResult; readonly model: Model; readonly state: TrainState } {
  const build = { ...(data.image !== undefined ? { image: data.image } : {}), ...(o.registries !== undefined ? { registries: o.registries } : {}) }
  const model = buildModel(c, D.features(data.train), data.train.classes, build)
  const state = train(model, { train: data.train, validation: data.validation }, { ...buildTrainConfig(c, D.size(data.train), build), evalTrainSize: 1000, ...(o.threads !== undefined ? { threads: o.threads } : {}) })
  const last = state.history.epochs[state.history.epochs.length - 1]
  const result: TrialResult = state.nonFinite
    ? { trial, point, score: NaN, error: `non-finite at step ${state.nonFinite.step}` }
    : { trial, point, score: last?.validationAccuracy ?? NaN, trainAccuracy: last?.trainAccuracy ?? NaN, finalLoss: state.history.loss[state.history.loss.length - 1] ?? NaN }
  return { result, model, state }
}

/** Trains one search point of a run config and reports its score (validation accuracy) and final loss. */
export function runTrial(c: RunConfig, point: Point, trial: number, data: TrialData, o: TrialOptions = {}): TrialResult {
  return trainTrial(c, point, trial, data, o).result
}
