/**
 * L-BFGS (Liu & Nocedal 1989; Nocedal & Wright, Numerical Optimization, Alg. 7.4 two-loop
 * recursion, Alg. 3.5/3.6 strong-Wolfe line search), full-batch and deterministic, for objectives
 * `params → [loss, grads]`.
 *
 * The lecture's advice: L-BFGS works well in the full-batch, deterministic setting — small
 * problems, or fine-tuning with every example in each evaluation — and badly on mini-batches. Its
 * curvature pairs y = g' − g and its line search assume that f and ∇f are the same function on
 * every call; with noisy estimates y is dominated by noise, the Wolfe conditions fail at random,
 * and it stalls (examples/05-optimizers.ts shows it). Use SGD with momentum or Adam there.
 *
 * `lbfgsInit`/`lbfgsStep` expose one iteration at a time with plain-data state (for traces);
 * `lbfgs` runs to convergence.
 *
 * Stopping: ‖∇f‖ ≤ gradTol; |Δf| ≤ fTol·max(1, |f|) and ‖Δx‖ ≤ xTol·max(1, ‖x‖) when those are set
 * (default 0: off); the iteration limit. A failed line search first restarts from steepest descent
 * with the curvature history dropped (stale pairs are the usual cause); only a failure from a fresh
 * start stops the run. `fixedStep: a` skips the line search altogether: x' = x + a·d with d the
 * two-loop direction (one evaluation per iteration; for objectives where a search is too costly);
 * while no curvature pair is known (the first iteration, a restart) d = −g and the step is
 * a·min(1, 1/‖g‖), like the line search's first trial.
 */
import * as P from './params.js'
import type { Params } from './params.js'

/** A loss and its gradients at given parameters, as L-BFGS calls it. */
export type Objective = (params: Params) => readonly [loss: number, grads: Params]

/** Options of L-BFGS: history size, iteration limit, tolerances, line-search constants or a fixed step. */
export interface LbfgsOptions {
  /** Number of curvature pairs kept (m). Default 10. */
  readonly history?: number
  /** Iteration limit of `lbfgs`. Default 500. */
  readonly maxIter?: number
  /** Stop when ‖∇f‖ ≤ gradTol. Default 1e-10. */
  readonly gradTol?: number
  /** Sufficient decrease (Armijo) constant c1. Default 1e-4. */
  readonly c1?: number
  /** Curvature constant c2 of the strong Wolfe condition |φ'(α)| ≤ c2·|φ'(0)|. Default 0.9. */
  readonly c2?: number
  /** Function evaluations allowed per line search. Default 25. */
  readonly maxLineSearch?: number
  /** Stop when an iteration changes f by at most fTol·max(1, |f|). Default 0 (off). */
  readonly fTol?: number
  /** Stop when an iteration moves x by at most xTol·max(1, ‖x‖). Default 0 (off). */
  readonly xTol?: number
  /** No line search: every step is x + fixedStep·d (the first, d = −g, scaled by min(1, 1/‖g‖)). Default undefined (strong-Wolfe line search). */
  readonly fixedStep?: number
}

/** One L-BFGS iterate as plain data: x, f, g, the curvature pairs, counters, and why it stopped (or null). */
export interface LbfgsState {
  readonly x: Params
  readonly f: number
  readonly g: Params
  /** Curvature pairs, oldest first: s = x' − x, y = ∇f(x') − ∇f(x). */
  readonly s: readonly Params[]
  readonly y: readonly Params[]
  readonly iteration: number
  readonly evaluations: number
  /** Restarts from steepest descent after a failed line search. */
  readonly restarts: number
  /** Set when the run should stop: 'gradient tolerance reached', 'line search failed: …'. */
  readonly stopped: string | null
}

interface Point {
  readonly a: number
  readonly f: number
  readonly d: number
  readonly x: Params
  readonly g: Params
}

const defaults = { history: 10, maxIter: 500, gradTol: 1e-10, c1: 1e-4, c2: 0.9, maxLineSearch: 25, fTol: 0, xTol: 0 }

/** The L-BFGS state at `x0`: the objective evaluated once, no curvature pairs. */
export function lbfgsInit(objective: Objective, x0: Params): LbfgsState {
  const [f, g] = objective(x0)
  return { x: x0, f, g, s: [], y: [], iteration: 0, evaluations: 1, restarts: 0, stopped: null }
}

/** The two-loop recursion: −H·g with H the L-BFGS inverse-Hessian estimate from (s, y) pairs. */
export function direction(g: Params, s: readonly Params[], y: readonly Params[]): Params {
  const k = s.length
  const alpha: number[] = new Array(k).fill(0)
  const rho = s.map((si, i) => 1 / P.dot(y[i]!, si))
  let q = g
  for (let i = k - 1; i >= 0; i--) {
    alpha[i] = rho[i]! * P.dot(s[i]!, q)
    q = P.axpy(q, -alpha[i]!, y[i]!)
  }
  const gamma = k > 0 ? P.dot(s[k - 1]!, y[k - 1]!) / P.dot(y[k - 1]!, y[k - 1]!) : 1
  let r = P.scale(q, gamma)
  for (let i = 0; i < k; i++) {
    const beta = rho[i]! * P.dot(y[i]!, r)
    r = P.axpy(r, alpha[i]! - beta, s[i]!)
  }
  return P.scale(r, -1)
}

/** Minimizer of the cubic through (a0, f0, d0), (a1, f1, d1), kept inside the bracket. */
function cubicStep(lo: Point, hi: Point): number {
  const [a0, a1] = [lo.a, hi.a]
  const d1 = lo.d + hi.d - (3 * (lo.f - hi.f)) / (a0 - a1)
  const disc = d1 * d1 - lo.d * hi.d
  const left = Math.min(a0, a1)
  const w = Math.abs(a1 - a0)
  let a = (a0 + a1) / 2
  if (disc >= 0) {
    const d2 = Math.sign(a1 - a0) * Math.sqrt(disc)
    const c = a1 - ((a1 - a0) * (hi.d + d2 - d1)) / (hi.d - lo.d + 2 * d2)
    if (Number.isFinite(c)) a = c
  }
  return Math.min(Math.max(a, left + 0.1 * w), left + 0.9 * w)
}

/** Strong-Wolfe line search along d from x (Nocedal & Wright Alg. 3.5 with zoom, Alg. 3.6). */
function lineSearch(
  objective: Objective, st: LbfgsState, d: Params, a0: number, o: typeof defaults,
): { point: Point | null; evals: number; why: string } {
  let evals = 0
  const phi = (a: number): Point => {
    const x = P.axpy(st.x, a, d)
    const [f, g] = objective(x)
    evals++
    return { a, f, d: P.dot(g, d), x, g }
  }
  const f0 = st.f
  const d0 = P.dot(st.g, d)
  const armijo = (p: Point): boolean => p.f <= f0 + o.c1 * p.a * d0
  const curvature = (p: Point): boolean => Math.abs(p.d) <= -o.c2 * d0
  const zoom = (loIn: Point, hiIn: Point): Point | null => {
    let [lo, hi] = [loIn, hiIn]
    while (evals < o.maxLineSearch) {
      const p = phi(cubicStep(lo, hi))
      if (!Number.isFinite(p.f) || !armijo(p) || p.f >= lo.f) hi = p
      else {
        if (curvature(p)) return p
        if (p.d * (hi.a - lo.a) >= 0) hi = lo
        lo = p
      }
      if (Math.abs(hi.a - lo.a) <= 1e-16 * Math.max(1, lo.a)) break
    }
    return lo.a > 0 && armijo(lo) && lo.f < f0 ? lo : null
  }
  let prev: Point = { a: 0, f: f0, d: d0, x: st.x, g: st.g }
  let a = a0
  while (evals < o.maxLineSearch) {
    const p = phi(a)
    if (!Number.isFinite(p.f) || !armijo(p) || (prev.a > 0 && p.f >= prev.f)) {
      if (!Number.isFinite(p.f)) {
        // a step into overflow: shrink and retry instead of interpolating with infinities
        a = (prev.a + a) / 2
        continue
      }
      const z = zoom(prev, p)
      return { point: z, evals, why: 'no step satisfying the Wolfe conditions in the bracket' }
    }
    if (curvature(p)) return { point: p, evals, why: '' }
    if (p.d >= 0) return { point: zoom(p, prev), evals, why: 'no step satisfying the Wolfe conditions in the bracket' }
    prev = p
    a = 2 * a
  }
  return { point: null, evals, why: `no acceptable step in ${o.maxLineSearch} evaluations` }
}

/** One L-BFGS iteration: direction, line search (or the fixed step), new curvature pair, tolerances. */
export function lbfgsStep(objective: Objective, st: LbfgsState, options: LbfgsOptions = {}): LbfgsState {
  const o = { ...defaults, ...options }
  if (st.stopped !== null) return st
  const gn = P.globalNorm(st.g)
  if (gn <= o.gradTol) return { ...st, stopped: 'gradient tolerance reached' }
  let s = st.s
  let y = st.y
  let d = direction(st.g, s, y)
  if (!(P.dot(d, st.g) < 0)) {
    // not a descent direction (only possible through rounding): restart from steepest descent
    s = []
    y = []
    d = P.scale(st.g, -1)
  }
  let restarts = st.restarts
  let evaluations = st.evaluations
  let p: Point
  if (o.fixedStep !== undefined) {
    // with no curvature pair yet, d = −g has no scale: the step is a·min(1, 1/‖g‖), as the
    // line search's first trial (PyTorch's L-BFGS scales its first step the same way, by ‖g‖₁)
    const a = s.length === 0 ? o.fixedStep * Math.min(1, 1 / gn) : o.fixedStep
    const x = P.axpy(st.x, a, d)
    const [f, g] = objective(x)
    evaluations++
    if (!Number.isFinite(f)) return { ...st, evaluations, stopped: `fixed step ${o.fixedStep} gave a non-finite loss (${f}): use a smaller step` }
    p = { a, f, d: P.dot(g, d), x, g }
  } else {
    let ls = lineSearch(objective, { ...st, s, y }, d, s.length === 0 ? Math.min(1, 1 / gn) : 1, o)
    evaluations += ls.evals
    if (ls.point === null && s.length > 0) {
      // stale curvature pairs are the usual cause: drop them and try once from steepest descent
      s = []
      y = []
      restarts++
      ls = lineSearch(objective, { ...st, s, y }, P.scale(st.g, -1), Math.min(1, 1 / gn), o)
      evaluations += ls.evals
    }
    if (ls.point === null) return { ...st, evaluations, restarts, stopped: `line search failed: ${ls.why}` }
    p = ls.point
  }
  const sk = P.sub(p.x, st.x)
  const yk = P.sub(p.g, st.g)
  const sy = P.dot(sk, yk)
  const keep = sy > 1e-12 * P.dot(yk, yk)
  const s2 = keep ? [...s, sk].slice(-o.history) : s
  const y2 = keep ? [...y, yk].slice(-o.history) : y
  const stopped =
    o.fTol > 0 && Math.abs(st.f - p.f) <= o.fTol * Math.max(1, Math.abs(st.f), Math.abs(p.f)) ? 'function change tolerance reached'
    : o.xTol > 0 && P.globalNorm(sk) <= o.xTol * Math.max(1, P.globalNorm(st.x)) ? 'step tolerance reached'
    : null
  return { x: p.x, f: p.f, g: p.g, s: s2, y: y2, iteration: st.iteration + 1, evaluations, restarts, stopped }
}

/** What `lbfgs` returns: the parameters, the loss, iterations, evaluations and why it stopped. */
export interface LbfgsResult {
  readonly params: Params
  readonly loss: number
  readonly gradNorm: number
  readonly iterations: number
  readonly evaluations: number
  /** Restarts from steepest descent after a failed line search. */
  readonly restarts: number
  /** Loss after each iteration, starting with the initial loss. */
  readonly losses: readonly number[]
  /** Why the run ended: a tolerance, a line-search failure, or the iteration limit. */
  readonly reason: string
}

/** Runs L-BFGS from `x0` until the gradient tolerance, a line-search failure, or `maxIter`. */
export function lbfgs(objective: Objective, x0: Params, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? defaults.maxIter
  let st = lbfgsInit(objective, x0)
  const losses = [st.f]
  while (st.stopped === null && st.iteration < maxIter) {
    const before = st.iteration
    st = lbfgsStep(objective, st, options)
    if (st.iteration > before) losses.push(st.f)
  }
  return {
    params: st.x,
    loss: st.f,
    gradNorm: P.globalNorm(st.g),
    iterations: st.iteration,
    evaluations: st.evaluations,
    restarts: st.restarts,
    losses,
    reason: st.stopped ?? `iteration limit ${maxIter} reached`,
  }
}
