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
import { buildModel, buildTrainConfig, type RunConfig } from './config.js'
import { train } from './loop.js'
import type { Point, TrialResult } from './search.js'
import type { TrainState } from './TrainState.js'
import type { LayerRegistries } from '../nn/LayerDef.js'
import type { OptimizerRegistries } from '../optim/OptimizerDef.js'

export type TrialData = Splits & { readonly image?: readonly [number, number, number] }

/** The records a trial's run names resolve in: layer kinds, inits, optimizer kinds (default: the built-ins). */
export type TrialRegistries = LayerRegistries & OptimizerRegistries

/** Trains the trial's run; the model and final state (for a checkpoint) with the result. */
export function trainTrial(c: RunConfig, point: Point, trial: number, data: TrialData, threads?: ThreadPool, registries?: TrialRegistries): { readonly result: TrialResult; readonly model: Model; readonly state: TrainState } {
  const model = buildModel(c, D.features(data.train), data.train.classes, data.image, registries !== undefined ? { registries } : {})
  const state = train(model, { train: data.train, validation: data.validation }, { ...buildTrainConfig(c, D.size(data.train), data.image, registries?.optimizers), evalTrainSize: 1000, ...(threads !== undefined ? { threads } : {}) })
  const last = state.history.epochs[state.history.epochs.length - 1]
  const result: TrialResult = state.nonFinite
    ? { trial, point, score: NaN, error: `non-finite at step ${state.nonFinite.step}` }
    : { trial, point, score: last?.validationAccuracy ?? NaN, trainAccuracy: last?.trainAccuracy ?? NaN, finalLoss: state.history.loss[state.history.loss.length - 1] ?? NaN }
  return { result, model, state }
}

/** Trains one search point of a run config and reports its score (validation accuracy) and final loss; `threads`: the pool of a float32 trial's step (the result does not depend on it). */
export function runTrial(c: RunConfig, point: Point, trial: number, data: TrialData, threads?: ThreadPool, registries?: TrialRegistries): TrialResult {
  return trainTrial(c, point, trial, data, threads, registries).result
}
