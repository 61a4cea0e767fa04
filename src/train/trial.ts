/** One search trial: a RunConfig with the point's values, trained briefly, scored on validation accuracy. */
import * as E from 'fp-ts/lib/Either.js'
import type { Splits } from '../data/split.js'
import * as D from '../data/Dataset.js'
import { buildModel, buildTrainConfig, decodeRunConfig, type RunConfig } from './config.js'
import { train } from './loop.js'
import type { Point, TrialResult } from './search.js'

export function runTrial(base: RunConfig, point: Point, trial: number, data: Splits & { readonly image?: readonly [number, number, number] }): TrialResult {
  const hidden = typeof point['hidden'] === 'number' ? { hidden: [Math.round(point['hidden'])] } : {}
  const decoded = decodeRunConfig({ ...base, ...point, ...hidden }, base)
  if (E.isLeft(decoded)) return { trial, point, score: NaN, error: decoded.left.message }
  const c = decoded.right
  const model = buildModel(c, D.features(data.train), data.train.classes)
  const st = train(model, { train: data.train, validation: data.validation }, { ...buildTrainConfig(c, D.size(data.train), data.image), evalTrainSize: 1000 })
  const last = st.history.epochs[st.history.epochs.length - 1]
  if (st.nonFinite) return { trial, point, score: NaN, error: `non-finite at step ${st.nonFinite.step}` }
  return { trial, point, score: last?.validationAccuracy ?? NaN, trainAccuracy: last?.trainAccuracy ?? NaN, finalLoss: st.history.loss[st.history.loss.length - 1] ?? NaN }
}
