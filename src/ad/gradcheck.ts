/**
 * Numerical gradient checking in float64, evaluated through the reference interpreter (never the
 * compiler, which is what these checks are used to test).
 *
 * - `gradcheck`: coordinate by coordinate, the symbolic gradient of a scalar loss against central
 *   differences, reporting CS231n's relative error |a−b| / max(|a|, |b|) per parameter (the worst
 *   element and where it is).
 * - `checkVjp`: for large inputs or non-scalar outputs, one random direction at a time, as JAX's
 *   `check_vjp` and Theano's `verify_grad` do: ⟨J·v, u⟩ by differences of t ↦ ⟨f(x + t·v), u⟩
 *   against ⟨v, Jᵀ·u⟩ from the vjp rules.
 *
 * The default stencil has five points (error O(h⁴)), so smooth functions agree to about 1e-10
 * with h = 1e-3; the classic three-point stencil (error O(h²)) is available too.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import type { Key } from '../core/Random.js'
import * as R from '../core/Random.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../core/Tensor.js'
import { errorMessage, SymgradError } from '../core/errors.js'
import { asTensors, evaluate, evaluateAll, type Bindings } from '../eval/evaluate.js'
import { leafName, tensor } from '../ops/leaves.js'
import { backward, grad } from './grad.js'
import { differences, relativeError, type Stencil } from './differences.js'

export { centralDifference, relativeError, type Stencil } from './differences.js'

/** Options of `gradcheck`: difference step, tolerance, how many elements to check. */
export interface GradcheckOptions {
  /** Finite-difference step (absolute), default 1e-3. */
  readonly h?: number
  /** 5 (default, error O(h⁴)) or 3 points (error O(h²)). */
  readonly stencil?: Stencil
  /** Pass/fail threshold on the relative error, default 1e-7. */
  readonly tol?: number
  /** Smallest denominator of the relative error (default 1e-10); see `relativeError`. */
  readonly floor?: number
  /**
   * Safety factor on the estimated rounding error of the differences, default 100. Differences
   * below `noiseFactor`·ε·Σ|cᵢ·φ(tᵢ)|/h cannot be told apart from rounding, so the relative error
   * is measured against at least that noise divided by `tol`.
   */
  readonly noiseFactor?: number
  /** At most this many elements per parameter are checked (a random sample); default 200. */
  readonly maxElements?: number
  /** Key for sampling elements and drawing directions; default key(0). */
  readonly key?: Key
}

export interface ElementReport {
  /** Multi-index of the element. */
  readonly index: readonly number[]
  readonly analytic: number
  readonly numeric: number
  readonly relError: number
}

/** One parameter's result in a gradcheck: its name and largest relative error. */
export interface ParamReport {
  readonly name: string
  readonly shape: readonly number[]
  readonly size: number
  /** Elements compared (all, or a sample of `maxElements`). */
  readonly checked: number
  readonly maxRelError: number
  /** The element where the largest relative error occurred (undefined for empty parameters). */
  readonly worst?: ElementReport
  readonly ok: boolean
}

/** The outcome of `gradcheck`: per parameter the largest relative error, and whether all passed. */
export interface GradcheckReport {
  readonly loss: number
  readonly params: readonly ParamReport[]
  readonly maxRelError: number
  readonly ok: boolean
  readonly h: number
  readonly stencil: Stencil
  readonly tol: number
}

interface Settings {
  readonly h: number
  readonly stencil: Stencil
  readonly tol: number
  readonly floor: number
  readonly noiseFactor: number
  readonly maxElements: number
  readonly key: Key
}

/** The options with their defaults; Left when one is out of range (h = NaN would make every comparison false, so every check pass). */
function settings(where: string, o: GradcheckOptions): E.Either<SymgradError, Settings> {
  const s = {
    h: o.h ?? 1e-3,
    stencil: o.stencil ?? 5,
    tol: o.tol ?? 1e-7,
    floor: o.floor ?? 1e-10,
    noiseFactor: o.noiseFactor ?? 100,
    maxElements: o.maxElements ?? 200,
    key: o.key ?? R.key(0),
  }
  for (const k of ['h', 'tol', 'floor', 'noiseFactor'] as const)
    if (typeof s[k] !== 'number' || !(Number.isFinite(s[k]) && s[k] > 0)) return E.left(new SymgradError('value', `${where}: option ${k} must be a finite positive number, got ${String(s[k])}`))
  if (!Number.isSafeInteger(s.maxElements) || s.maxElements < 1) return E.left(new SymgradError('value', `${where}: option maxElements must be a positive integer, got ${String(s.maxElements)}`))
  if (s.stencil !== 3 && s.stencil !== 5) return E.left(new SymgradError('value', `${where}: option stencil must be 3 or 5, got ${String(s.stencil)}`))
  return E.right(s)
}

function leafNames(where: string, wrt: readonly Expr[]): E.Either<SymgradError, string[]> {
  const names: string[] = []
  for (const w of wrt) {
    const n = leafName(w)
    if (n === undefined)
      return E.left(new SymgradError('binding', `${where}: can only check inputs and params, got a '${w.op.name}' node ${S.show(w.shape)}`))
    names.push(n)
  }
  return E.right(names)
}

function asList(wrt: readonly Expr[] | Readonly<Record<string, Expr>>): readonly Expr[] {
  return Array.isArray(wrt) ? (wrt as readonly Expr[]) : Object.values(wrt as Readonly<Record<string, Expr>>)
}

function unravel(i: number, shape: readonly number[]): number[] {
  const st = S.strides(shape)
  return st.map((s, ax) => Math.floor(i / s) % shape[ax]!)
}

/** Scalar value of `e`, throwing the evaluation error (caught by the callers). */
function scalarAt(e: Expr, b: Bindings): number {
  const r = evaluate([e], b)
  if (E.isLeft(r)) throw r.left
  return T.sum(r.right[0]!)
}

function guard<A>(where: string, f: () => A): E.Either<SymgradError, A> {
  try {
    return E.right(f())
  } catch (e) {
    return E.left(e instanceof SymgradError ? e : new SymgradError('value', `${where}: ${errorMessage(e)}`))
  }
}

/**
 * Checks the symbolic gradient of a scalar `loss` with respect to each of `wrt` (inputs or params,
 * bound by name in `bindings`) against central differences, element by element.
 */
export function gradcheck(
  loss: Expr,
  wrt: readonly Expr[] | Readonly<Record<string, Expr>>,
  given: Bindings,
  options: GradcheckOptions = {},
): E.Either<SymgradError, GradcheckReport> {
  const bindings = asTensors(given)
  const oE = settings('gradcheck', options)
  if (E.isLeft(oE)) return oE
  const o = oE.right
  const list = asList(wrt)
  const namesE = leafNames('gradcheck', list)
  if (E.isLeft(namesE)) return namesE
  if (loss.shape.length !== 0)
    return E.left(new SymgradError('grad', `gradcheck: the loss must be a scalar, got shape ${S.show(loss.shape)}`))
  return guard('gradcheck', () => {
    const grads = grad(loss, list)
    const r = evaluate([loss, ...grads], bindings)
    if (E.isLeft(r)) throw r.left
    const [lossT, ...gs] = r.right
    const keys = R.split(o.key, list.length)
    const params = namesE.right.map((name, p): ParamReport => {
      const x = bindings[name]!
      const g = gs[p]!
      const n = x.data.length
      const idx = n <= o.maxElements ? Array.from({ length: n }, (_, i) => i) : Array.from(R.permutation(keys[p]!, n).slice(0, o.maxElements))
      let worst: ElementReport | undefined
      for (const i of idx) {
        const at = (t: number) => {
          const d = Float64Array.from(x.data)
          d[i] = d[i]! + t
          return { value: scalarAt(loss, { ...bindings, [name]: { shape: x.shape, data: d } }), scale: 0 }
        }
        const { value: numeric, noise } = differences(at, o.h, o.stencil)
        const analytic = g.data[i]!
        const relError = relativeError(analytic, numeric, Math.max(o.floor, (o.noiseFactor * noise) / o.tol))
        if (worst === undefined || !(relError <= worst.relError)) worst = { index: unravel(i, x.shape), analytic, numeric, relError }
      }
      const maxRelError = worst?.relError ?? 0
      return { name, shape: x.shape, size: n, checked: idx.length, maxRelError, ...(worst ? { worst } : {}), ok: maxRelError <= o.tol }
    })
    const maxRelError = params.reduce((m, q) => (q.maxRelError > m || Number.isNaN(q.maxRelError) ? q.maxRelError : m), 0)
    return { loss: T.item(lossT!), params, maxRelError, ok: params.every((q) => q.ok), h: o.h, stencil: o.stencil, tol: o.tol }
  })
}

/** The outcome of `checkVjp`: the vector-Jacobian product against central differences. */
export interface VjpReport {
  /** ⟨J·v, u⟩ from finite differences, per direction. */
  readonly numeric: readonly number[]
  /** ⟨v, Jᵀ·u⟩ from the vjp rules, per direction. */
  readonly analytic: readonly number[]
  /** Denominator floor per direction: max(floor, noiseFactor·rounding estimate / tol). */
  readonly floors: readonly number[]
  readonly maxRelError: number
  readonly ok: boolean
  readonly h: number
  readonly stencil: Stencil
  readonly tol: number
}

/** Options of `checkVjp`: difference step, tolerance, seed. */
export interface CheckVjpOptions extends GradcheckOptions {
  /** Number of random directions (v, u), default 2. */
  readonly directions?: number
  /** Given directions instead of random ones: `v` per entry of `wrt`, `u` of the output's shape. */
  readonly given?: readonly { readonly v: readonly Tensor[]; readonly u: Tensor }[]
}

/**
 * Random-direction check of the vjp of any (possibly non-scalar) `out` with respect to `wrt`:
 * ⟨J·v, u⟩ by central differences of t ↦ ⟨out(x + t·v), u⟩ against ⟨v, Jᵀ·u⟩.
 * Random directions: v standard normal scaled to unit length over all of `wrt`, u standard normal.
 */
export function checkVjp(
  out: Expr,
  wrt: readonly Expr[] | Readonly<Record<string, Expr>>,
  given: Bindings,
  options: CheckVjpOptions = {},
): E.Either<SymgradError, VjpReport> {
  const bindings = asTensors(given)
  const oE = settings('checkVjp', options)
  if (E.isLeft(oE)) return oE
  const o = oE.right
  const list = asList(wrt)
  const namesE = leafNames('checkVjp', list)
  if (E.isLeft(namesE)) return namesE
  const names = namesE.right
  return guard('checkVjp', () => {
    const ev = evaluateAll([out], bindings)
    if (E.isLeft(ev)) throw ev.left
    const outShape = S.resolve(out.shape, ev.right.env)
    const dirs =
      options.given ??
      R.split(o.key, options.directions ?? 2).map((k) => {
        const ks = R.split(k, names.length + 1)
        const v = names.map((n, i) => R.normal(ks[i]!, bindings[n]!.shape))
        // unit length over all of wrt, so that the step t·v has norm h however large the inputs
        const len = Math.sqrt(v.reduce((a, t) => a + T.dot(t, t), 0)) || 1
        return { v: v.map((t) => T.scale(t, 1 / len)), u: R.normal(ks[names.length]!, outShape) }
      })
    const numeric: number[] = []
    const analytic: number[] = []
    const floors: number[] = []
    for (const { v, u } of dirs) {
      const phi = (t: number) => {
        const moved: Record<string, Tensor> = { ...bindings }
        names.forEach((n, i) => (moved[n] = T.add(bindings[n]!, T.scale(v[i]!, t))))
        const r = evaluate([out], moved)
        if (E.isLeft(r)) throw r.left
        const y = r.right[0]!
        let scale = 0
        for (let j = 0; j < y.data.length; j++) scale += Math.abs(y.data[j]! * u.data[j]!)
        return { value: T.dot(y, u), scale }
      }
      const d = differences(phi, o.h, o.stencil)
      numeric.push(d.value)
      floors.push(Math.max(o.floor, (o.noiseFactor * d.noise) / o.tol))
      const cots = backward(out, list, tensor(u))
      const present = list.map((w) => cots.get(w.id))
      const vals = evaluate(present.filter((c): c is Expr => c !== undefined), bindings)
      if (E.isLeft(vals)) throw vals.left
      let k = 0
      analytic.push(present.reduce((acc, c, i) => (c === undefined ? acc : acc + T.dot(v[i]!, vals.right[k++]!)), 0))
    }
    const maxRelError = numeric.reduce((m, a, i) => Math.max(m, relativeError(analytic[i]!, a, floors[i])), 0)
    return { numeric, analytic, floors, maxRelError, ok: maxRelError <= o.tol, h: o.h, stencil: o.stencil, tol: o.tol }
  })
}

function sci(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x)
}

function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(8))) : String(x)
}

/** A plain-text table of a gradcheck report, one row per parameter. */
export function formatGradcheck(r: GradcheckReport): string {
  const head = ['param', 'shape', 'checked', 'max rel. error', 'at', 'analytic', 'numeric', 'result']
  const rows = r.params.map((p) => [
    p.name,
    S.show(p.shape),
    `${p.checked}/${p.size}`,
    sci(p.maxRelError),
    p.worst ? `[${p.worst.index.join(',')}]` : '-',
    p.worst ? num(p.worst.analytic) : '-',
    p.worst ? num(p.worst.numeric) : '-',
    p.ok ? 'ok' : 'FAIL',
  ])
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)))
  const line = (cells: readonly string[]) => cells.map((s, c) => s.padEnd(widths[c]!)).join('  ').trimEnd()
  const title = `gradcheck: loss = ${num(r.loss)}, ${r.stencil}-point central differences, h = ${r.h}, tol = ${r.tol}: ${r.ok ? 'ok' : 'FAILED'}`
  return [title, line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n')
}
