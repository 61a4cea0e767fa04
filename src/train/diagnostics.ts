/**
 * Babysitting the learning process (CS231n, "Neural Networks Part 3"), as pure functions over the
 * model and the history. Each check returns a `Check`: ok or not, and one line saying what was seen
 * and, when it is off, the likely cause.
 *
 * - Loss at initialization vs its expected value: softmax ≈ log C (uniform scores), SVM ≈ C − 1
 *   (scores ≈ 0, each of the C − 1 wrong classes costs the margin Δ = 1), with small weights and
 *   no regularization.
 * - overfitTiny: ~20 examples, no regularization, should reach 100% training accuracy.
 * - The first non-finite loss or gradient (the loop stops on it; here it is reported).
 * - ‖update‖/‖param‖ per parameter vs the ~1e-3 rule of thumb.
 * - Loss that does not go down (learning rate too small).
 * - Dead ReLUs: units that output 0 for every example of a batch.
 */
import * as D from '../data/Dataset.js'
import type { Dataset } from '../data/Dataset.js'
import { compile, type CompileOptions } from '../compile/index.js'
import * as R from '../core/Random.js'
import { epochOrder } from '../data/batches.js'
import * as ops from '../ops/index.js'
import { type WeightNames, weightSet } from '../nn/regularizers.js'
import { buildPrograms, type AnyModel, type LossKind, type Programs } from './programs.js'
import { train, type TrainConfig } from './loop.js'
import type { History, Params, TrainState } from './TrainState.js'

/** One babysitting check: whether it passed and one line saying what was seen. */
export interface Check {
  readonly name: string
  readonly ok: boolean
  readonly message: string
  /** True for a line given for information only (a bias's update ratio): it judges nothing. */
  readonly info?: boolean
}

/** The loss a classifier with small weights should start at: log C (softmax) or C − 1 (SVM, Δ = 1). */
export function expectedInitialLoss(kind: LossKind, classes: number): number {
  return kind === 'svm' ? classes - 1 : Math.log(classes)
}

/** Compares an observed initial data loss with its expected value; `tolerance` is relative (default 0.2). */
export function checkInitialLoss(observed: number, kind: LossKind, classes: number, tolerance = 0.2): Check {
  const expected = expectedInitialLoss(kind, classes)
  const what = `${kind === 'svm' ? 'SVM' : 'softmax'} loss at init ${fmt(observed)}, expected ≈ ${fmt(expected)} (${kind === 'svm' ? 'C − 1' : 'log C'}, C = ${classes})`
  if (!Number.isFinite(observed)) return { name: 'initial loss', ok: false, message: `${what}: not finite — check the input data and the initialization scale` }
  const rel = (observed - expected) / expected
  if (Math.abs(rel) <= tolerance) return { name: 'initial loss', ok: true, message: `${what}: ok` }
  const cause =
    rel > 0
      ? 'weights too large at init (scores far from 0: use smaller or xavier/he init), or unnormalized inputs'
      : 'loss lower than chance: labels leaking into the inputs, or the loss is not averaged as expected'
  return { name: 'initial loss', ok: false, message: `${what}: ${rel > 0 ? 'too high' : 'too low'} by ${Math.round(Math.abs(rel) * 100)}% — likely ${cause}` }
}

/** The data loss of the model at `params` on (the first `limit` examples of) `ds`, without regularization. */
export function initialLoss(model: AnyModel, params: Params, modelState: Params, ds: Dataset, kind: LossKind = 'softmax', limit = 500, programs?: Programs): number {
  const n = Math.min(limit, D.size(ds))
  const part = D.take(ds, Int32Array.from({ length: n }, (_, i) => i))
  // `programs`: the model's step with this loss and no regularization, compiled as the caller runs (default float64)
  const pr = programs ?? buildPrograms(model, kind, { kind: 'none' })
  return pr.step(params, modelState, part.x, part.y, [0, 0]).dataLoss
}

/** The tiny-subset overfitting check's outcome. */
export interface OverfitResult extends Check {
  readonly examples: number
  readonly trainAccuracy: number
  readonly finalLoss: number
  readonly steps: number
}

/**
 * Trains on `examples` (default 20) examples drawn from the key with no regularization, full batch, for
 * `epochs` (default 200) steps, and reports whether training accuracy reaches 100%; `programs` (the
 * model's step with this loss and no regularization) default to float64 ones compiled here.
 */
export function overfitTiny(
  model: AnyModel,
  ds: Dataset,
  config: Pick<TrainConfig, 'optimizer' | 'key' | 'loss' | 'programs'> & { readonly examples?: number; readonly epochs?: number },
): OverfitResult {
  const examples = Math.min(config.examples ?? 20, D.size(ds))
  // a random subset (from the key), so a dataset stored grouped by class still gives mixed labels
  const tiny = D.take(ds, epochOrder(D.size(ds), R.foldIn(config.key, 7), 0).subarray(0, examples), `${ds.name} (${examples} examples)`)
  const st = train(model, { train: tiny }, {
    optimizer: config.optimizer, key: config.key, epochs: config.epochs ?? 200, batchSize: examples,
    loss: config.loss ?? 'softmax', regularization: { kind: 'none' }, evalTrainSize: examples, evaluate: 'lastEpoch',
    ...(config.programs !== undefined ? { programs: config.programs } : {}),
  })
  const last = st.history.epochs[st.history.epochs.length - 1]
  const trainAccuracy = last?.trainAccuracy ?? 0
  const finalLoss = st.history.loss[st.history.loss.length - 1] ?? NaN
  const ok = st.status === 'done' && trainAccuracy === 1
  const why = st.nonFinite ? ` (${st.nonFinite.message})` : ok ? '' : ' — the model or the gradients are likely wrong, or the learning rate is far off'
  return {
    name: 'overfit tiny', ok, examples, trainAccuracy, finalLoss, steps: st.step,
    message: `overfit ${examples} examples without regularization: training accuracy ${pct(trainAccuracy)} after ${st.step} steps, loss ${fmt(finalLoss)}${ok ? ' (100%: ok)' : why}`,
  }
}

/** The non-finite stop of a run, if any. */
export function checkFinite(state: Pick<TrainState, 'status' | 'nonFinite'>): Check {
  return state.nonFinite
    ? { name: 'finite', ok: false, message: state.nonFinite.message }
    : { name: 'finite', ok: true, message: 'every loss and gradient was finite' }
}

/** What the run was set up with, so advice never suggests what is already in use. */
export interface RunSetup {
  /** The initialization's name ('he', 'xavier', 'small', …). */
  readonly init?: string
}

/** Bounds of the update/parameter ratio check. */
export interface RatioOptions extends RunSetup {
  /** The rule of thumb (default 1e-3). */
  readonly target?: number
  /** Warn when the median ratio is more than `factor` times off the target (default 10). */
  readonly factor?: number
  /** Median over the last `window` steps (default 100). */
  readonly window?: number
}

function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** The likely cause when the learning rate cannot be: advice that suggests no setting already in use. */
function initCause(init: string | undefined): string {
  if (init === 'he' || init === 'xavier') return `saturating or dead units under ${init} init (try batch norm or another activation)`
  if (init === 'small') return 'the small initialization: the signal fades through the layers (try xavier or he init)'
  return 'the initialization scale (try xavier or he init, or batch norm)'
}

/** The loss over the first and last `window` steps moved by less than `minDrop` of its start. */
function lossFlat(l: readonly number[], window = 10, minDrop = 0.01): boolean {
  if (l.length < 2 * window) return false
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const a = l[0]!
  return Math.abs(a - mean(l.slice(-window))) < minDrop * Math.abs(a)
}

/**
 * How many steps the loss sat within `band` (1%) of its start before it first left that band, when
 * that is at least 20 steps and a quarter of the run and the loss then fell (the lecture's "bad
 * initialization" curve: a long plateau at log C, then a sudden drop); 0 otherwise.
 */
export function initialPlateau(l: readonly number[], band = 0.01): number {
  const a = l[0]
  if (a === undefined || !Number.isFinite(a)) return 0
  let n = 0
  while (n < l.length && Math.abs(l[n]! - a) < band * Math.abs(a)) n++
  const fell = n < l.length && l[n]! < a && Number.isFinite(l.at(-1)!) && l.at(-1)! < a * (1 - band)
  return fell && n >= 20 && n >= l.length / 4 ? n : 0
}

/** Median update/weight ratios of the weights, and whether they disagree on the learning rate. */
function ratioPicture(history: History, isWeight: ReadonlySet<string>, o: RatioOptions) {
  const target = o.target ?? 1e-3
  const factor = o.factor ?? 10
  const medians = Object.entries(history.ratio).map(([name, rs]) => {
    const last = rs.slice(-(o.window ?? 100))
    // a frozen parameter (fine-tuning) gets exactly zero updates
    return [name, median(last), last.length > 0 && last.every((r) => r === 0)] as const
  })
  const weights = medians.filter(([name, m, frozen]) => isWeight.has(name) && Number.isFinite(m) && !frozen)
  const low = weights.filter(([, m]) => m < target / factor)
  const high = weights.filter(([, m]) => m > target * factor)
  const ms = weights.map(([, m]) => m)
  // layers whose ratios are far apart (some too small, others too large or 100× above them) point at
  // the signal through the layers, not at the one learning rate they share
  const spread = low.length > 0 && (high.length > 0 || Math.max(...ms) > factor * factor * Math.min(...ms))
  return { target, factor, medians, weights, low, high, spread, flat: lossFlat(history.loss), plateau: initialPlateau(history.loss) }
}

/**
 * One check per parameter: the median ‖update‖/‖param‖ over the last steps vs ~1e-3. Only the
 * `weights` (`model.weights()`, the parameters their layers declare weights, or their names) are
 * judged; the others get a line for information. Two pictures are not the learning rate's doing, and say so instead: layers
 * whose ratios are far apart (too small in one, too large or 100× larger in another), and ratios too
 * large while the loss stays flat (tiny weights near a small init make any update look large).
 */
export function checkUpdateRatios(history: History, weights: WeightNames, o: RatioOptions = {}): Check[] {
  const isWeight = weightSet(weights)
  const { target, factor, medians, low, high, spread, flat, plateau } = ratioPicture(history, isWeight, o)
  const apart = spread ? ` (${low.map(([n]) => n).join(', ')} ${high.length > 0 ? `too small, ${high.map(([n]) => n).join(', ')} too large` : 'far below the others'})` : ''
  return medians.map(([name, m, frozen]) => {
    const head = `${name}: update/weight ratio ${fmt(m)} (rule of thumb ~${fmt(target)})`
    // a frozen parameter (fine-tuning) gets exactly zero updates: not a learning rate to fix
    if (frozen) return { name: `ratio ${name}`, ok: true, message: `${name}: no updates (frozen)` }
    if (!Number.isFinite(m)) return { name: `ratio ${name}`, ok: true, message: `${head}: no finite ratio (zero weights)` }
    // biases start at 0 and stay small, so their ratio runs high; the rule of thumb is about weights
    if (!isWeight.has(name)) return { name: `ratio ${name}`, ok: true, info: true, message: `${head}: not a weight, for information` }
    const off = m < target / factor ? 'too small' : m > target * factor ? 'too large' : undefined
    if (off === undefined) return { name: `ratio ${name}`, ok: true, message: `${head}: ok` }
    if (spread) return { name: `ratio ${name}`, ok: false, message: `${head}: ${off}${apart} — not the learning rate: likely ${initCause(o.init)}` }
    if (off === 'too large' && flat) return { name: `ratio ${name}`, ok: false, message: `${head}: too large while the loss stays flat — not the learning rate: likely ${initCause(o.init)}` }
    if (off === 'too large' && plateau > 0 && o.init === 'small')
      return { name: `ratio ${name}`, ok: false, message: `${head}: too large after a ${plateau}-step plateau at the start — a small init starts the weights tiny, so updates look large against them; likely ${initCause(o.init)}` }
    return { name: `ratio ${name}`, ok: false, message: `${head}: ${off} — learning rate likely ${off === 'too small' ? 'too low' : 'too high'}` }
  })
}

/** Windows of the loss-decrease check. */
export interface TrendOptions extends RunSetup {
  /** Steps averaged for the final loss (default 10). */
  readonly window?: number
  /** A drop under this fraction of the initial loss is flagged (default 1%). */
  readonly minDrop?: number
  /** A loss above `blowUp` times its initial value at any step is a divergence (default 10). */
  readonly blowUp?: number
  /**
   * The model's weights (`model.weights()`): a plateau while they move is told apart from a small
   * learning rate. Without them no parameter is taken for a weight and a plateau reads as the rate.
   */
  readonly weights?: WeightNames
}

/** The largest loss of the run and its step (1-based), NaN at the first non-finite one. */
function peakOf(l: readonly number[]): { value: number; step: number } {
  let value = -Infinity
  let step = 0
  for (let i = 0; i < l.length; i++) {
    if (!Number.isFinite(l[i]!)) return { value: l[i]!, step: i + 1 }
    if (l[i]! > value) (value = l[i]!), (step = i + 1)
  }
  return { value, step }
}

/**
 * Whether the loss diverged: a non-finite loss, or one above `blowUp` (default 10) times the loss at
 * step 1 anywhere in the run. A run that blew up stays flagged even if it comes down later.
 */
export function checkDivergence(history: History, blowUp = 10): Check {
  const l = history.loss
  const first = l[0]
  if (first === undefined) return { name: 'divergence', ok: true, message: 'no steps yet' }
  const peak = peakOf(l)
  const now = l.at(-1)!
  if (!Number.isFinite(peak.value)) return { name: 'divergence', ok: false, message: `loss ${peak.value} at step ${peak.step} — diverged: learning rate likely too high` }
  if (peak.value > blowUp * first)
    return { name: 'divergence', ok: false, message: `loss rose from ${fmt(first)} to ${fmt(peak.value)} at step ${peak.step} (now ${fmt(now)}) — diverged: learning rate likely too high` }
  return { name: 'divergence', ok: true, message: `loss stayed below ${blowUp}× its start ${fmt(first)} (peak ${fmt(peak.value)})` }
}

/**
 * Whether the loss went down, judged on the whole curve: the loss at step 1 against the mean of
 * the last `window` steps, and the peak in between. Not ok when a loss is not finite, when the
 * loss blew up past `blowUp`× its start (even if it came partly or fully back), when it ends above
 * its start, or when it dropped less than `minDrop` (a learning rate likely too low).
 */
export function checkLossDecrease(history: History, o: TrendOptions | number = {}): Check {
  const opts = typeof o === 'number' ? { window: o } : o
  const window = opts.window ?? 10
  const minDrop = opts.minDrop ?? 0.01
  const l = history.loss
  const diverged = checkDivergence(history, opts.blowUp ?? 10)
  if (l.length < 2 * window) return { name: 'loss decrease', ok: diverged.ok, message: `only ${l.length} steps: too few to judge the loss trend${diverged.ok ? '' : `, but ${diverged.message}`}` }
  const first = l[0]!
  const last = l.slice(-window)
  const final = last.reduce((a, b) => a + b, 0) / last.length
  const drop = (first - final) / Math.abs(first)
  // a change past doubling reads as a factor (×8.6e+7), not a percentage of nine digits
  const change = !Number.isFinite(drop) ? '' : drop < -1 ? ` (×${fmt(final / first)})` : ` (${drop >= 0 ? '−' : '+'}${pct(Math.abs(drop))})`
  const head = `loss ${fmt(first)} at step 1 → ${fmt(final)} over the last ${window} steps${change}`
  if (!diverged.ok) return { name: 'loss decrease', ok: false, message: `${head}: ${diverged.message}` }
  if (!(drop > 0)) return { name: 'loss decrease', ok: false, message: `${head}: the loss ends above its start — learning rate likely too high` }
  const plateau = initialPlateau(l)
  if (plateau > 0 && drop >= minDrop)
    return { name: 'loss decrease', ok: false, message: `${head}, but only after a plateau of ${plateau} steps at its start — likely ${initCause(opts.init)}` }
  if (drop < minDrop) {
    // a plateau while some weights move (their ratio at or above the rule of thumb's range) is not a small learning rate
    const { weights, spread, factor, target } = ratioPicture(history, weightSet(opts.weights ?? []), {})
    const moving = weights.filter(([, m]) => m >= target / factor)
    const why = moving.length > 0 && (spread || moving.length === weights.length || weights.some(([, m]) => m > target * factor))
      ? `a plateau although ${moving.map(([n]) => n).join(', ')} move${moving.length === 1 ? 's' : ''} — not the learning rate: likely ${initCause(opts.init)}`
      : 'the loss barely moves — learning rate likely too low'
    return { name: 'loss decrease', ok: false, message: `${head}: ${why}` }
  }
  return { name: 'loss decrease', ok: true, message: `${head}: ok` }
}

/** All the history checks: finite, loss decrease, update ratios. */
export function diagnoseRun(state: Pick<TrainState, 'status' | 'nonFinite' | 'history'>, weights: WeightNames, o: RatioOptions = {}): Check[] {
  const trend = checkLossDecrease(state.history, { weights, ...(o.init === undefined ? {} : { init: o.init }) })
  // a run that stopped on a non-finite value is never ticked for its loss trend
  const stopped = state.nonFinite === undefined || !trend.ok ? trend : { ...trend, ok: false, message: `${trend.message.replace(/: ok$/, '')}; then training stopped on a non-finite value at step ${state.nonFinite.step}` }
  const gap = state.nonFinite === undefined && trend.ok ? checkGeneralizationGap(state.history) : undefined
  return [checkFinite(state), stopped, ...checkUpdateRatios(state.history, weights, o), ...(gap === undefined ? [] : [gap])]
}

/**
 * Training against validation accuracy at the last epoch that has both (lecture 6: a big gap means
 * overfitting); undefined without a validation set. A diverged run says nothing about its gap: its
 * callers ask only about a run whose loss trend is ok.
 */
export function checkGeneralizationGap(history: Pick<History, 'epochs'>, maxGap = 0.1): Check | undefined {
  const last = [...history.epochs].reverse().find((e) => e.validationAccuracy !== undefined)
  if (last === undefined) return undefined
  const gap = last.trainAccuracy - last.validationAccuracy!
  return {
    name: 'overfitting',
    ok: gap <= maxGap,
    message: `train ${pct(last.trainAccuracy)} vs validation ${pct(last.validationAccuracy!)}${gap > maxGap ? ' — overfitting: more L2 or dropout, more data, or a smaller network' : ': no large gap'}`,
  }
}

/** A ReLU layer's units that never fire on the probe batch. */
export interface DeadRelu {
  readonly layer: string
  readonly units: number
  /** Fraction of units that output 0 for every example. */
  readonly dead: number
}

/** Per ReLU layer, the fraction of units never active on (the first `limit` examples of) `ds`, inference mode. */
export function deadRelus(model: AnyModel, params: Params, modelState: Params, ds: Dataset, limit = 1000, options: CompileOptions = {}): DeadRelu[] {
  const n = Math.min(limit, D.size(ds))
  const part = D.take(ds, Int32Array.from({ length: n }, (_, i) => i))
  const layers = model.apply(ops.input('x', ['N', model.in]), 'test').layers.filter((l) => l.kind === 'relu')
  if (layers.length === 0) return []
  const outs = compile(layers.map((l) => l.out), options).runOrThrow({ ...params, ...modelState, x: part.x })
  return layers.map((l, k) => {
    const t = outs[k]!
    const units = t.shape[1]!
    const alive = new Uint8Array(units)
    // u = i mod units, counted rather than divided (millions of entries); done once every unit has fired
    for (let i = 0, u = 0, fired = 0; i < t.data.length && fired < units; i++) {
      if (t.data[i]! > 0 && alive[u] === 0) (alive[u] = 1), fired++
      if (++u === units) u = 0
    }
    const deadCount = units - alive.reduce((a, b) => a + b, 0)
    return { layer: l.name, units, dead: deadCount / units }
  })
}

/**
 * A check per layer: warn when more than `maxDead` (default 0.5) of the units are dead. The advice
 * names he init only when the run does not use it already (`setup.init`).
 */
export function checkDeadRelus(stats: readonly DeadRelu[], maxDead = 0.5, setup: RunSetup = {}): Check[] {
  const fix = setup.init === 'he' ? 'try a smaller learning rate' : 'try a smaller learning rate or he init'
  return stats.map((s) => ({
    name: `dead ${s.layer}`,
    ok: s.dead <= maxDead,
    message: `${s.layer}: ${pct(s.dead)} of ${s.units} ReLU units dead${s.dead <= maxDead ? '' : ` — learning rate too high or a large negative bias; ${fix}`}`,
  }))
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  return Math.abs(x) >= 0.01 && Math.abs(x) < 1e4 ? x.toFixed(3).replace(/\.?0+$/, '') : x.toExponential(1)
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`
}
