/**
 * Ensembles: the same model trained from several keys (different initializations, shuffles and
 * dropout masks), their predicted class probabilities averaged (optim's `ensembleProba`). Reports
 * each member's test accuracy and the ensemble's.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import type { ShapeError } from '../core/errors.js'
import type { Dataset } from '../data/Dataset.js'
import { accuracy as dataAccuracy } from '../data/metrics.js'
import { accuracy, ensembleProba } from '../optim/ensemble.js'
import { programOptionsOf, train, type TrainConfig, type TrainData } from './loop.js'
import { buildPrograms, type AnyModel, type Programs, softmaxRows } from './programs.js'
import type { TrainState } from './TrainState.js'

/** Members trained from different seeds, each one's test accuracy alone, and the averaged ensemble's. */
export interface EnsembleResult {
  readonly members: readonly TrainState[]
  /** Test accuracy of each member alone. */
  readonly single: readonly number[]
  /** Test accuracy of the mean of the members' probabilities. */
  readonly ensemble: number
}

/** Member i of an ensemble: trained from foldIn(config.key, i); its test accuracy and class probabilities. */
export function trainMember(
  model: AnyModel, data: TrainData, test: Dataset, config: TrainConfig & { readonly programs: Programs }, i: number,
): { readonly state: TrainState; readonly accuracy: number; readonly proba: Tensor } {
  const { programs } = config
  const state = train(model, data, { ...config, key: R.foldIn(config.key, i) })
  const scores = programs.predict(state.params, state.modelState, test.x)
  return { state, accuracy: dataAccuracy(scores, test.y), proba: softmaxRows(scores) }
}

/** The compiled programs of an ensemble's members (built once, shared by every member). */
export function memberPrograms(model: AnyModel, config: TrainConfig): Programs {
  return config.programs ?? buildPrograms(model, config.loss ?? 'softmax', config.regularization ?? { kind: 'none' }, { ...programOptionsOf(config), layerModes: {} })
}

/** The ensemble's accuracy on `labels`: the members' class probabilities averaged (in member order). */
export function ensembleAccuracy(probas: readonly Tensor[], x: Tensor, labels: ArrayLike<number>): E.Either<ShapeError, number> {
  const p = ensembleProba(probas.map((q) => () => q), x)
  return E.isLeft(p) ? p : accuracy(p.right, labels)
}

/** Trains `count` members, member i from foldIn(config.key, i), and scores them on `test`. */
export function trainEnsemble(
  model: AnyModel, data: TrainData, test: Dataset, config: TrainConfig, count: number,
  onMember?: (i: number, accuracy: number) => void,
): E.Either<ShapeError, EnsembleResult> {
  const withPrograms = { ...config, programs: memberPrograms(model, config) }
  const members: TrainState[] = []
  const single: number[] = []
  const probas: Tensor[] = []
  for (let i = 0; i < count; i++) {
    const m = trainMember(model, data, test, withPrograms, i)
    members.push(m.state)
    single.push(m.accuracy)
    probas.push(m.proba)
    onMember?.(i, m.accuracy)
  }
  const acc = ensembleAccuracy(probas, test.x, test.y.data)
  return E.isLeft(acc) ? acc : E.right({ members, single, ensemble: acc.right })
}
