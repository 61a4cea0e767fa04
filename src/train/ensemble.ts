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
import { train, type TrainConfig, type TrainData } from './loop.js'
import { buildPrograms, type AnyModel, softmaxRows } from './programs.js'
import type { TrainState } from './TrainState.js'

export interface EnsembleResult {
  readonly members: readonly TrainState[]
  /** Test accuracy of each member alone. */
  readonly single: readonly number[]
  /** Test accuracy of the mean of the members' probabilities. */
  readonly ensemble: number
}

/** Trains `count` members, member i from foldIn(config.key, i), and scores them on `test`. */
export function trainEnsemble(
  model: AnyModel, data: TrainData, test: Dataset, config: TrainConfig, count: number,
  onMember?: (i: number, accuracy: number) => void,
): E.Either<ShapeError, EnsembleResult> {
  const programs = config.programs ?? buildPrograms(model, config.loss ?? 'softmax', config.regularization ?? { kind: 'none' }, config.compiled ?? true, { dtype: config.dtype ?? 'float64' })
  const members: TrainState[] = []
  const single: number[] = []
  for (let i = 0; i < count; i++) {
    const st = train(model, data, { ...config, programs, key: R.foldIn(config.key, i) })
    members.push(st)
    single.push(dataAccuracy(programs.predict(st.params, st.modelState, test.x), test.y))
    onMember?.(i, single[i]!)
  }
  const proba = members.map((st) => (x: Tensor) => softmaxRows(programs.predict(st.params, st.modelState, x)))
  const p = ensembleProba(proba, test.x)
  if (E.isLeft(p)) return p
  const acc = accuracy(p.right, test.y.data)
  return E.isLeft(acc) ? acc : E.right({ members, single, ensemble: acc.right })
}
