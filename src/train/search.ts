/**
 * Hyperparameter search over typed, serializable spaces (plain JSON).
 *
 * Random search is the default (Bergstra & Bengio 2012, "Random Search for Hyper-Parameter
 * Optimization"): when only a few hyperparameters matter, a grid of n points per axis tries only n
 * distinct values of each important one, while n random trials try n distinct values of every one.
 * Grid search over the same space is here for comparison and for small discrete spaces.
 * Coarse to fine: `refine(space, results)` narrows each range around the best trials, so a second
 * round of short trials searches where the first found good values.
 *
 * Trials are numbered; trial i draws its values from foldIn(key, i), one draw per dimension in
 * the space's key order, so a trial's configuration never depends on which worker ran it or when.
 */
import * as R from '../core/Random.js'
import type { Key } from '../core/Random.js'

/** One search dimension: uniform, log-uniform, or a choice. */
export type Dim =
  | { readonly kind: 'uniform'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'logUniform'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'choice'; readonly values: readonly (number | string)[] }

/** A search space: a dimension per run-config field. */
export type Space = Readonly<Record<string, Dim>>
/** One point of a search space: a value per dimension. */
export type Point = Readonly<Record<string, number | string>>

/** A search dimension uniform on [lo, hi]. */
export const uniform = (lo: number, hi: number): Dim => ({ kind: 'uniform', lo, hi })
/** A search dimension uniform in log on [lo, hi] (learning rates, regularization). */
export const logUniform = (lo: number, hi: number): Dim => ({ kind: 'logUniform', lo, hi })
/** A search dimension over the given values. */
export const choice = (...values: (number | string)[]): Dim => ({ kind: 'choice', values })

/** Checks a space (e.g. decoded from JSON); returns the first problem as one line, or undefined. */
export function spaceProblem(space: Space): string | undefined {
  for (const [k, d] of Object.entries(space)) {
    if (d.kind === 'choice') {
      if (d.values.length === 0) return `search space '${k}': choice needs at least one value`
    } else if (!(Number.isFinite(d.lo) && Number.isFinite(d.hi) && d.lo <= d.hi)) return `search space '${k}': expected lo ≤ hi, got ${d.lo}..${d.hi}`
    else if (d.kind === 'logUniform' && !(d.lo > 0)) return `search space '${k}': logUniform needs lo > 0, got ${d.lo}`
  }
  return undefined
}

function draw(d: Dim, u: number): number | string {
  switch (d.kind) {
    case 'uniform': return d.lo + (d.hi - d.lo) * u
    case 'logUniform': return Math.exp(Math.log(d.lo) + (Math.log(d.hi) - Math.log(d.lo)) * u)
    case 'choice': return d.values[Math.min(d.values.length - 1, Math.floor(u * d.values.length))]!
  }
}

/** Trial i of a random search (its values depend only on key, i and the space). */
export function randomPoint(space: Space, key: Key, i: number): Point {
  const names = Object.keys(space).sort()
  const u = R.uniformArray(R.foldIn(key, i), names.length)
  return Object.fromEntries(names.map((n, j) => [n, draw(space[n]!, u[j]!)]))
}

/** `trials` points of a random search. */
export function randomSearch(space: Space, key: Key, trials: number): Point[] {
  return Array.from({ length: trials }, (_, i) => randomPoint(space, key, i))
}

/** `n` points of each numeric axis (linear or log spaced, ends included) × every choice value. */
export function gridSearch(space: Space, n: number): Point[] {
  const names = Object.keys(space).sort()
  const axes = names.map((k): readonly (number | string)[] => {
    const d = space[k]!
    if (d.kind === 'choice') return d.values
    return Array.from({ length: n }, (_, i) => draw(d, n === 1 ? 0.5 : i / (n - 1)))
  })
  let points: Record<string, number | string>[] = [{}]
  names.forEach((k, j) => (points = points.flatMap((p) => axes[j]!.map((v) => ({ ...p, [k]: v })))))
  return points
}

/** One trial's outcome: its point, score, train accuracy and final loss. */
export interface TrialResult {
  readonly trial: number
  readonly point: Point
  /** The score to maximize (validation accuracy). */
  readonly score: number
  readonly trainAccuracy?: number
  readonly finalLoss?: number
  /** Why the trial failed (e.g. a non-finite loss); its score is then NaN. */
  readonly error?: string
  /** Where the trial's checkpoint was saved (`host:path`), when a queue worker was asked to save it. */
  readonly checkpoint?: string
}

/** Best first (NaN scores last), ties by trial number: the same results give the same order. */
export function rank(results: readonly TrialResult[]): TrialResult[] {
  const key = (r: TrialResult) => (Number.isNaN(r.score) ? -Infinity : r.score)
  return [...results].sort((a, b) => key(b) - key(a) || a.trial - b.trial)
}

/** How `refine` narrows a space around the best points. */
export interface RefineOptions {
  /** How many of the best trials define the new ranges (default 3). */
  readonly top?: number
  /** Widen the new range by this fraction of its width on each side (log width for logUniform; default 0.25). */
  readonly margin?: number
}

/**
 * A narrower space around the best trials: each numeric range becomes the span of the top trials'
 * values, widened by `margin` and clipped to the old range; each choice keeps the values the top
 * trials used. Failed trials are ignored; with no successful trial the space is returned unchanged.
 */
export function refine(space: Space, results: readonly TrialResult[], o: RefineOptions = {}): Space {
  const best = rank(results.filter((r) => !Number.isNaN(r.score))).slice(0, o.top ?? 3)
  if (best.length === 0) return space
  const margin = o.margin ?? 0.25
  return Object.fromEntries(
    Object.entries(space).map(([k, d]): [string, Dim] => {
      const vs = best.map((r) => r.point[k]).filter((v) => v !== undefined)
      if (d.kind === 'choice') return [k, { kind: 'choice', values: d.values.filter((v) => vs.includes(v)) }]
      const log = d.kind === 'logUniform'
      const f = (x: number) => (log ? Math.log(x) : x)
      const g = (x: number) => (log ? Math.exp(x) : x)
      const nums = vs.filter((v): v is number => typeof v === 'number').map(f)
      if (nums.length === 0) return [k, d]
      const lo = Math.min(...nums)
      const hi = Math.max(...nums)
      const w = (hi - lo || (f(d.hi) - f(d.lo)) * 0.1) * margin
      return [k, { kind: d.kind, lo: Math.max(d.lo, g(lo - w)), hi: Math.min(d.hi, g(hi + w)) }]
    }),
  )
}

function show(v: number | string | undefined): string {
  if (typeof v === 'string') return v
  if (v === undefined || !Number.isFinite(v) || Number.isInteger(v)) return String(v)
  return Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? v.toPrecision(3) : v.toExponential(2)
}

/**
 * The note of a trial: its error; `best`; how far below the best it scored; and `overfits` when
 * its train accuracy is more than 5 points above its validation accuracy.
 */
function note(r: TrialResult, best: TrialResult, rank: number): string {
  if (r.error !== undefined) return r.error
  if (Number.isNaN(r.score)) return 'no score'
  const gap = r.trainAccuracy !== undefined && Number.isFinite(r.trainAccuracy) ? (r.trainAccuracy - r.score) * 100 : 0
  const over = gap > 5 ? `overfits (train − validation ${gap.toFixed(1)} points)` : ''
  const where = rank === 0 ? 'best' : `${((best.score - r.score) * 100).toFixed(1)} points below the best`
  return over === '' ? where : `${where}; ${over}`
}

/** The ranked results as an aligned text table (deterministic: no timings). */
export function formatTable(results: readonly TrialResult[]): string {
  const ranked = rank(results)
  const names = [...new Set(ranked.flatMap((r) => Object.keys(r.point)))].sort()
  const head = ['rank', 'trial', ...names, 'val acc', 'train acc', 'note']
  const rows = ranked.map((r, i) => [
    String(i + 1), String(r.trial), ...names.map((n) => show(r.point[n])),
    Number.isNaN(r.score) ? '—' : `${(r.score * 100).toFixed(1)}%`,
    r.trainAccuracy === undefined ? '—' : `${(r.trainAccuracy * 100).toFixed(1)}%`,
    note(r, ranked[0]!, i),
  ])
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)))
  const line = (cells: readonly string[]) => cells.map((c, j) => c.padEnd(widths[j]!)).join('  ').trimEnd()
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n')
}
