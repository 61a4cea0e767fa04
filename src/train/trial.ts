/**
 * One search trial: the RunConfig with the point's values (`pointFields`, decoded by the caller —
 * src/io's decodeRunConfig — so a point outside the valid range is a failed trial, not a crash),
 * trained briefly and scored on validation accuracy.
 */
import type { Splits } from '../data/split.js'
import * as D from '../data/Dataset.js'
import { buildModel, buildTrainConfig, type RunConfig } from './config.js'
import { train } from './loop.js'
import type { Point, TrialResult } from './search.js'

export function runTrial(c: RunConfig, point: Point, trial: number, data: Splits & { readonly image?: readonly [number, number, number] }): TrialResult {
  const model = buildModel(c, D.features(data.train), data.train.classes)
  const st = train(model, { train: data.train, validation: data.validation }, { ...buildTrainConfig(c, D.size(data.train), data.image), evalTrainSize: 1000 })
  const last = st.history.epochs[st.history.epochs.length - 1]
  if (st.nonFinite) return { trial, point, score: NaN, error: `non-finite at step ${st.nonFinite.step}` }
  return { trial, point, score: last?.validationAccuracy ?? NaN, trainAccuracy: last?.trainAccuracy ?? NaN, finalLoss: st.history.loss[st.history.loss.length - 1] ?? NaN }
}
