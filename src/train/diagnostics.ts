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
import { compile } from '../compile/index.js'
import * as R from '../core/Random.js'
import { epochOrder } from '../data/batches.js'
import * as ops from '../ops/index.js'
import { buildPrograms, type AnyModel, type LossKind } from './programs.js'
import { train, type TrainConfig } from './loop.js'
import type { History, Params, TrainState } from './TrainState.js'
import { type WeightNames, weightSet } from '../nn/regularizers.js'

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
export function initialLoss(model: AnyModel, params: Params, modelState: Params, ds: Dataset, kind: LossKind = 'softmax', limit = 500): number {
  const n = Math.min(limit, D.size(ds))
  const part = D.take(ds, Int32Array.from({ length: n }, (_, i) => i))
  const pr = buildPrograms(model, kind, { kind: 'none' })
  return pr.step(params, modelState, part.x, part.y, [0, 0]).dataLoss
}

export interface OverfitResult extends Check {
  readonly examples: number
  readonly trainAccuracy: number
  readonly finalLoss: number
  readonly steps: number
}

/**
 * Trains on `examples` (default 20) examples drawn from the key with no regularization, full batch, for
 * `epochs` (default 200) steps, and reports whether training accuracy reaches 100%.
 */
export function overfitTiny(
  model: AnyModel,
  ds: Dataset,
  config: Pick<TrainConfig, 'optimizer' | 'key' | 'loss'> & { readonly examples?: number; readonly epochs?: number },
): OverfitResult {
  const examples = Math.min(config.examples ?? 20, D.size(ds))
  // a random subset (from the key), so a dataset stored grouped by class still gives mixed labels
  const tiny = D.take(ds, epochOrder(D.size(ds), R.foldIn(config.key, 7), 0).subarray(0, examples), `${ds.name} (${examples} examples)`)
  const st = train(model, { train: tiny }, {
    optimizer: config.optimizer, key: config.key, epochs: config.epochs ?? 200, batchSize: examples,
    loss: config.loss ?? 'softmax', regularization: { kind: 'none' }, evalTrainSize: examples,
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

export interface RatioOptions {
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

/**
 * One check per parameter: the median ‖update‖/‖param‖ over the last steps vs ~1e-3. Only the
 * `weights` (`model.weights()`, or their names) are judged; other parameters get a line for information.
 */
export function checkUpdateRatios(history: History, weights: WeightNames, o: RatioOptions = {}): Check[] {
  const isWeight = weightSet(weights)
  const target = o.target ?? 1e-3
  const factor = o.factor ?? 10
  const window = o.window ?? 100
  return Object.entries(history.ratio).map(([name, rs]) => {
    const m = median(rs.slice(-window))
    const head = `${name}: update/weight ratio ${fmt(m)} (rule of thumb ~${fmt(target)})`
    if (!Number.isFinite(m)) return { name: `ratio ${name}`, ok: true, message: `${head}: no finite ratio (zero weights)` }
    // biases start at 0 and stay small, so their ratio runs high; the rule of thumb is about weights
    if (!isWeight.has(name)) return { name: `ratio ${name}`, ok: true, info: true, message: `${head}: not a weight, for information` }
    if (m < target / factor) return { name: `ratio ${name}`, ok: false, message: `${head}: too small — learning rate likely too low` }
    if (m > target * factor) return { name: `ratio ${name}`, ok: false, message: `${head}: too large — learning rate likely too high` }
    return { name: `ratio ${name}`, ok: true, message: `${head}: ok` }
  })
}

/**
 * Whether the loss went down: the mean of the last `window` steps vs the first `window` (default
 * 10). A drop under `minDrop` (default 1%) is flagged as a learning rate likely too low.
 */
export function checkLossDecrease(history: History, window = 10, minDrop = 0.01): Check {
  const l = history.loss
  if (l.length < 2 * window) return { name: 'loss decrease', ok: true, message: `only ${l.length} steps: too few to judge the loss trend` }
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const a = mean(l.slice(0, window))
  const b = mean(l.slice(-window))
  const drop = (a - b) / Math.abs(a)
  const head = `loss ${fmt(a)} → ${fmt(b)} (${drop >= 0 ? '−' : '+'}${pct(Math.abs(drop))})`
  return drop >= minDrop
    ? { name: 'loss decrease', ok: true, message: `${head}: ok` }
    : { name: 'loss decrease', ok: false, message: `${head}: the loss barely moves — learning rate likely too low` }
}

/** All the history checks: finite, loss decrease, update ratios. */
export function diagnoseRun(state: Pick<TrainState, 'status' | 'nonFinite' | 'history'>, weights: WeightNames, o: RatioOptions = {}): Check[] {
  return [checkFinite(state), checkLossDecrease(state.history), ...checkUpdateRatios(state.history, weights, o)]
}

export interface DeadRelu {
  readonly layer: string
  readonly units: number
  /** Fraction of units that output 0 for every example. */
  readonly dead: number
}

/** Per ReLU layer, the fraction of units never active on (the first `limit` examples of) `ds`, inference mode. */
export function deadRelus(model: AnyModel, params: Params, modelState: Params, ds: Dataset, limit = 1000): DeadRelu[] {
  const n = Math.min(limit, D.size(ds))
  const part = D.take(ds, Int32Array.from({ length: n }, (_, i) => i))
  const layers = model.apply(ops.input('x', ['N', model.in]), 'test').layers.filter((l) => l.kind === 'relu')
  if (layers.length === 0) return []
  const outs = compile(layers.map((l) => l.out)).runOrThrow({ ...params, ...modelState, x: part.x })
  return layers.map((l, k) => {
    const t = outs[k]!
    const units = t.shape[1]!
    const alive = new Uint8Array(units)
    for (let i = 0; i < t.data.length; i++) if (t.data[i]! > 0) alive[i % units] = 1
    const deadCount = units - alive.reduce((a, b) => a + b, 0)
    return { layer: l.name, units, dead: deadCount / units }
  })
}

/** A check per layer: warn when more than `maxDead` (default 0.5) of the units are dead. */
export function checkDeadRelus(stats: readonly DeadRelu[], maxDead = 0.5): Check[] {
  return stats.map((s) => ({
    name: `dead ${s.layer}`,
    ok: s.dead <= maxDead,
    message: `${s.layer}: ${pct(s.dead)} of ${s.units} ReLU units dead${s.dead <= maxDead ? '' : ' — learning rate too high or a large negative bias; try a smaller learning rate or he init'}`,
  }))
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  return Math.abs(x) >= 0.01 && Math.abs(x) < 1e4 ? x.toFixed(3).replace(/\.?0+$/, '') : x.toExponential(1)
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`
}
