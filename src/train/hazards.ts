/**
 * The hazards of a model before it trains: the training loss (with its gradients by every
 * parameter) and the inference scores, analyzed over intervals (compile/analyze.ts). Inputs take
 * the given ranges (the CLI gives the data's observed range) and labels [0, C − 1]; parameters
 * are unbounded; dropout draws lie in [0, 1]; model state takes the hull of its initial (or
 * fitted, for preprocessing layers) value and of `stateUpdates` training updates from it (batch
 * norm's running statistics).
 */
import type { Expr } from '../core/Expr.js'
import * as R from '../core/Random.js'
import * as T from '../core/Tensor.js'
import * as ops from '../ops/index.js'
import { toInference } from '../nn/model.js'
import { fitStateOrThrow, fittedLayers } from '../nn/fit.js'
import { analyze, type Analysis, type AnalyzeOptions } from '../compile/analyze.js'
import * as I from '../compile/intervals.js'
import type { Interval } from '../compile/intervals.js'
import { lossExpr, type AnyModel, type LossFn, type LossKind } from './programs.js'

/** How `checkModel` builds and bounds the model's graphs; the other fields pass to `analyze`. */
export interface ModelCheckOptions extends Omit<AnalyzeOptions, 'ranges' | 'wrt'> {
  /** Default 'softmax'. */
  readonly loss?: LossKind | LossFn
  /** The range of the input features (default unbounded). */
  readonly x?: Interval
  /** Training inputs to fit preprocessing layers' state on (else their initial state is used). */
  readonly fitOn?: T.Tensor
  /** The state to start from, when the caller has it already (a run's initial state, fitted on its training inputs); `fitOn` is then not needed. */
  readonly state?: Readonly<Record<string, T.Tensor>>
  /** Training updates folded into the state's ranges, default 50. */
  readonly stateUpdates?: number
}

/** The result of `checkModel`: the analysis and the graphs it was made of. */
export interface ModelCheck {
  /** The ranges and hazards of the training loss (gradients by every parameter) and the scores. */
  readonly analysis: Analysis
  /** The training loss on inputs x [N, in] and labels y [N]. */
  readonly loss: Expr
  /** The inference model's scores on x. */
  readonly scores: Expr
  /** The ranges the leaves were given, by name. */
  readonly ranges: Readonly<Record<string, Interval>>
}

/** The smallest and largest value of a tensor (a data set's features: `observedRange(ds.x)`). */
export function observedRange(t: T.Tensor): Interval {
  const d = t.data
  const n = d.length
  if (n === 0) return I.unbounded
  // four entries at a time, looked at one by one only when one of them is not inside the bounds so
  // far (rare past the first rows; NaN never is): over a data set's 43 M pixels about twice as fast
  // as a select per entry. A NaN anywhere makes the range NaN.
  let lo = d[0]!
  let hi = d[0]!
  if (lo !== lo) return { lo: NaN, hi: NaN }
  for (let i = 0; i < n; i += 4) {
    const a = d[i]!, b = d[i + 1 < n ? i + 1 : i]!, c = d[i + 2 < n ? i + 2 : i]!, e = d[i + 3 < n ? i + 3 : i]!
    if (a >= lo && a <= hi && b >= lo && b <= hi && c >= lo && c <= hi && e >= lo && e <= hi) continue
    for (let j = i; j < i + 4 && j < n; j++) {
      const v = d[j]!
      if (v !== v) return { lo: NaN, hi: NaN }
      ;(lo = v < lo ? v : lo), (hi = v > hi ? v : hi)
    }
  }
  return { lo, hi }
}

/**
 * Analyzes `model` before it trains (see the module note): its training loss, gradients and
 * inference scores over intervals, inputs in `o.x`, labels in [0, C − 1], state widened by updates.
 */
export function checkModel(model: AnyModel, o: ModelCheckOptions = {}): ModelCheck {
  const x = ops.input('x', ['N', model.in])
  const y = ops.input('y', ['N'])
  const applied = model.apply(x, 'train')
  const loss = lossExpr(o.loss ?? 'softmax', applied.out, y)
  const scores = toInference(model).apply(x, 'test').out
  const classes = applied.out.shape[1]
  const ranges: Record<string, Interval> = {
    x: o.x ?? I.unbounded,
    y: { lo: 0, hi: typeof classes === 'number' ? classes - 1 : Infinity },
    ...Object.fromEntries(applied.random.inputs.map((u) => [u.name, I.unitInterval])),
  }
  // state: its initial range, widened by training updates computed over intervals
  const init = model.init(R.key(0))
  const state = o.state ?? (o.fitOn !== undefined && fittedLayers(model).length > 0 ? fitStateOrThrow(model, init.params, init.state, o.fitOn) : init.state)
  const updates = Object.entries(applied.state as Readonly<Record<string, Expr>>)
  for (const [k, t] of Object.entries(state)) ranges[k] = observedRange(t)
  for (let i = 0; i < (o.stateUpdates ?? 50) && updates.length > 0; i++) {
    const a = analyze(updates.map(([, e]) => e), { ...o, ranges, dtypes: ['float64'] })
    let moved = false
    for (const [k, e] of updates) {
      const next = I.union(ranges[k] ?? I.unbounded, a.ranges.get(e.id)?.value ?? I.unbounded)
      if (next.lo !== ranges[k]?.lo || next.hi !== ranges[k]?.hi) (ranges[k] = next), (moved = true)
    }
    if (!moved) break
  }
  const analysis = analyze([loss, scores], { ...o, ranges, wrt: Object.values(model.params()) })
  return { analysis, loss, scores, ranges }
}
