/**
 * Activation statistics: push a batch through a model and report, per layer, the mean, standard
 * deviation and histogram of its outputs — and, given a loss, of the gradients of the loss with
 * respect to those outputs (the lecture-5 diagnostics for initialization and batch norm).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import type { Key } from '../core/Random.js'
import * as R from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import { SymgradError } from '../core/errors.js'
import { grad } from '../ad/grad.js'
import { type Bindings, evaluate } from '../eval/evaluate.js'
import * as ops from '../ops/index.js'
import type { Mode } from './layers.js'
import type { Model, Params, State } from './model.js'

/** Bin edges and counts of a set of values. */
export interface Histogram {
  /** bins + 1 edges. */
  readonly edges: readonly number[]
  readonly counts: readonly number[]
  /** Values below edges[0] and above edges[bins], counted apart (in no bin). */
  readonly below: number
  readonly above: number
}

/** Mean, standard deviation, minimum, maximum and histogram of a set of values. */
export interface Summary {
  readonly mean: number
  readonly std: number
  readonly min: number
  readonly max: number
  readonly histogram: Histogram
}

/** One layer's activation statistics: mean, standard deviation, histogram. */
export interface LayerStats {
  readonly name: string
  readonly kind: string
  readonly activations: Summary
  /** Of d loss / d (layer output), when a loss was given. */
  readonly gradients?: Summary
}

export interface HistogramOptions {
  readonly bins?: number
  /** Histogram range; default the data's [min, max]. */
  readonly range?: readonly [number, number]
}

/** Histogram of `data` over `bins` equal bins on the range; values outside are counted apart. */
export function histogram(data: ArrayLike<number>, o: HistogramOptions = {}): Histogram {
  const bins = o.bins ?? 30
  let [lo, hi] = o.range ?? [Infinity, -Infinity]
  if (o.range === undefined) for (let i = 0; i < data.length; i++) ((lo = Math.min(lo, data[i]!)), (hi = Math.max(hi, data[i]!)))
  if (!(hi > lo)) [lo, hi] = Number.isFinite(lo) ? [lo - 0.5, lo + 0.5] : [0, 1]
  const counts = new Array<number>(bins).fill(0)
  let below = 0
  let above = 0
  const width = (hi - lo) / bins
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (v < lo) below++
    else if (v > hi) above++
    else counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * width), counts, below, above }
}

/** Mean, (population) standard deviation, extremes and histogram of a tensor's values. */
export function summarize(t: Tensor, o: HistogramOptions = {}): Summary {
  const d = t.data
  let s = 0
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < d.length; i++) ((s += d[i]!), (min = Math.min(min, d[i]!)), (max = Math.max(max, d[i]!)))
  const mean = s / d.length
  let v = 0
  for (let i = 0; i < d.length; i++) v += (d[i]! - mean) ** 2
  return { mean, std: Math.sqrt(v / d.length), min, max, histogram: histogram(d, o) }
}

/** Options of `activationStats`: mode, dropout key, which layers, histogram bins. */
export interface StatsOptions extends HistogramOptions {
  /** 'train' (default) or 'test'. */
  readonly mode?: Mode
  /** Key for dropout masks in train mode (default key(0)). */
  readonly key?: Key
  /** Report only layers whose kind passes (default: all layers). */
  readonly only?: (kind: string) => boolean
  /** A scalar loss of the model output; with it, gradient statistics are reported too. */
  readonly loss?: {
    /** The loss graph built on the model's output graph. */
    readonly fn: (out: Expr) => Expr
    /** Values of the loss's other leaves (labels), by name. */
    readonly bindings?: Bindings
  }
  /** Histogram options for gradients (default: the data's range). */
  readonly gradBins?: number
  /**
   * How to run the graph: the reference interpreter by default; pass a compiled runner, e.g.
   * `(es, b) => compile(es)(b)`, for big nets (nn itself does not depend on the compiler).
   */
  readonly run?: (exprs: readonly Expr[], bindings: Bindings) => E.Either<SymgradError, Tensor[]>
}

/** Per-layer statistics of the model's activations (and gradients) on the batch `x` [N, in]. */
export function activationStats<In extends number, Out extends number>(
  model: Model<In, Out>,
  params: Params,
  state: State,
  x: Tensor,
  o: StatsOptions = {},
): E.Either<SymgradError, LayerStats[]> {
  if (x.shape.length !== 2 || x.shape[1] !== model.in)
    return E.left(new SymgradError('value', `activationStats: argument 4 expected a batch [N,${model.in}], got [${x.shape.join(',')}]`))
  const n = x.shape[0]!
  const xi: Expr<readonly [number, In]> = ops.input('x', [n, model.in])
  const a = model.apply(xi, o.mode ?? 'train')
  const layers = a.layers.filter((l) => (o.only ?? (() => true))(l.kind))
  const outs = layers.map((l) => l.out)
  const grads = o.loss === undefined ? [] : grad(o.loss.fn(a.out), outs)
  const b = { ...params, ...state, ...(o.loss?.bindings ?? {}), x, ...a.random.bindings(o.key ?? R.key(0), n) }
  return E.map((vals: Tensor[]) =>
    layers.map((l, i): LayerStats => ({
      name: l.name,
      kind: l.kind,
      activations: summarize(vals[i]!, o),
      ...(o.loss ? { gradients: summarize(vals[outs.length + i]!, { bins: o.gradBins ?? o.bins ?? 30 }) } : {}),
    })),
  )((o.run ?? evaluate)([...outs, ...grads], b))
}

/** A plain-text table of activation (and gradient) means and standard deviations per layer. */
export function formatStats(stats: readonly LayerStats[]): string {
  const g = stats.some((s) => s.gradients !== undefined)
  const head = ['layer', 'kind', 'mean', 'std', ...(g ? ['grad mean', 'grad std'] : [])]
  const f = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2))
  const rows = stats.map((s) => [s.name, s.kind, f(s.activations.mean), f(s.activations.std), ...(s.gradients ? [f(s.gradients.mean), f(s.gradients.std)] : g ? ['', ''] : [])])
  const w = head.map((_, c) => Math.max(...[head, ...rows].map((r) => r[c]!.length)))
  const line = (r: readonly string[]) => r.map((cell, c) => (c >= 2 ? cell.padStart(w[c]!) : cell.padEnd(w[c]!))).join('  ')
  return [line(head), w.map((k) => '─'.repeat(k)).join('  '), ...rows.map(line)].join('\n')
}
