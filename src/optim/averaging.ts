/**
 * Parameter averaging: two different averages of the iterates x₀, x₁, …, xₜ of a run, plus the
 * average of saved checkpoints.
 *
 * - Polyak averaging (Polyak & Juditsky 1992): the plain running mean of ALL iterates,
 *   x̄ₜ = (x₀ + … + xₜ)/(t+1), every iterate weighted equally. Suited to a converged, noisy tail
 *   (e.g. SGD bouncing around a minimum); early iterates weigh as much as late ones.
 * - Exponential moving average (EMA) of parameters: x̄ ← d·x̄ + (1−d)·xₜ, weights decaying
 *   geometrically with age, so it follows a moving run; its horizon is about 1/(1−d) steps.
 *
 * Both are pairs of pure functions over plain-data state, like a GradientTransformation, but they
 * read parameters, not gradients: call `update(params', state)` after each optimizer step and read
 * the averaged parameters with `average(state)` (for evaluation; keep training the raw ones).
 */
import * as E from 'fp-ts/lib/Either.js'
import { ShapeError } from '../core/errors.js'
import * as P from './params.js'
import type { Params } from './params.js'
import type { Hyper } from './schedules.js'
import { valueAt } from './schedules.js'
import { checkHypers } from './domains.js'

/** An average of the iterates as a pair of pure functions over plain-data state, and a reader of the average. */
export interface ParamAverager<S> {
  /** The state after the first iterate x₀ = `params` (its average is x₀). */
  readonly init: (params: Params) => S
  /** The state with one more iterate, the parameters after a step. */
  readonly update: (params: Params, state: S) => S
  /** The averaged parameters so far. */
  readonly average: (state: S) => Params
}

/** The state of `polyakAverage`: the count of iterates and their running mean. */
export interface PolyakState {
  /** Number of iterates averaged (x₀ included). */
  readonly count: number
  readonly average: Params
}

/** Polyak averaging: the running mean of all iterates, x̄ ← x̄ + (x − x̄)/(count+1). */
export function polyakAverage(): ParamAverager<PolyakState> {
  return {
    init: (params) => ({ count: 1, average: params }),
    update: (params, st) => {
      const n = st.count + 1
      const [average] = P.perTensor('polyakAverage', [st.average, params], (ad, xd) => {
        const out = new Float64Array(ad.length)
        for (let i = 0; i < out.length; i++) out[i] = ad[i]! + (xd[i]! - ad[i]!) / n // x̄ + (x − x̄)/n
        return [out]
      })
      return { count: n, average }
    },
    average: (st) => st.average,
  }
}

/** The state of `emaAverage`: updates so far, the decay used last, and the exponential moving average. */
export interface EmaState {
  readonly count: number
  /** The decay used by the most recent update. */
  readonly hyperparams: { readonly decay: number }
  readonly average: Params
}

/** Exponential moving average of parameters: x̄ ← d·x̄ + (1−d)·x, starting from x̄ = x₀. */
export function emaAverage(decay: Hyper = 0.99): ParamAverager<EmaState> {
  checkHypers({ decay })
  return {
    init: (params) => ({ count: 0, hyperparams: { decay: valueAt(decay, 0) }, average: params }),
    update: (params, st) => {
      const d = valueAt(decay, st.count)
      const [average] = P.perTensor('emaAverage', [st.average, params], (ad, xd) => {
        const out = new Float64Array(ad.length)
        const e = 1 - d
        for (let i = 0; i < out.length; i++) out[i] = d * ad[i]! + e * xd[i]! // d·x̄ + (1−d)·x
        return [out]
      })
      return { count: st.count + 1, hyperparams: { decay: d }, average }
    },
    average: (st) => st.average,
  }
}

/**
 * Checkpoint averaging: the elementwise mean of several parameter records of the same model
 * (e.g. the last k saved checkpoints). Left(ShapeError) naming the checkpoint, the key and the
 * shapes when the structures differ, or when the list is empty.
 */
export function averageCheckpoints(checkpoints: readonly Params[]): E.Either<ShapeError, Params> {
  const first = checkpoints[0]
  if (first === undefined) return E.left(new ShapeError('averageCheckpoints: expected at least one checkpoint, got none'))
  for (let i = 1; i < checkpoints.length; i++) {
    const r = P.checkSameStructure(first, checkpoints[i]!, `averageCheckpoints: checkpoint 0 vs checkpoint ${i}`)
    if (E.isLeft(r)) return r
  }
  const n = checkpoints.length
  return E.right(
    P.map(first, (t, k) => {
      const out = new Float64Array(t.data.length)
      for (const c of checkpoints) {
        const d = c[k]!.data
        for (let i = 0; i < out.length; i++) out[i] = out[i]! + d[i]!
      }
      for (let i = 0; i < out.length; i++) out[i] = out[i]! / n
      return { shape: [...t.shape], data: out }
    }),
  )
}
