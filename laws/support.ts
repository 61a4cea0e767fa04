/**
 * What the law predicates share: result and option types, building an op on named inputs
 * `arg0, arg1, …`, running graphs through the reference interpreter, and tolerant comparison.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Attrs, Expr, OpDef } from '../src/core/Expr.js'
import { apply } from '../src/core/Expr.js'
import type { Concrete } from '../src/core/Shape.js'
import * as S from '../src/core/Shape.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as T from '../src/core/Tensor.js'
import { errorMessage } from '../src/core/errors.js'
import { evaluate, type Bindings } from '../src/eval/evaluate.js'
import { input } from '../src/ops/leaves.js'
import { argDomain, isReal } from './arbitraries.js'

/** A law's outcome: it holds, or the message saying how it fails. */
export type LawResult = { readonly ok: true } | { readonly ok: false; readonly message: string }

/** One case a law runs on: the argument shapes and the attributes. */
export interface LawCase {
  readonly shapes: readonly Concrete[]
  readonly attrs: Attrs
}

/** Tolerances of the laws: difference step and relative error. */
export interface LawOptions {
  /** Finite-difference step, default 1e-3 (raise it, not `tol`, when a check is flaky). */
  readonly h?: number
  /** Relative error allowed between a vjp and central differences, default 1e-7. */
  readonly tol?: number
  /** Relative error allowed between two symbolic computations of one gradient, default 1e-10. */
  readonly algebraTol?: number
  /** Values below this magnitude count as zero in relative errors, default 1e-10. */
  readonly floor?: number
}

/** Drawn values for one run of the derivative laws; all tensors are indexed like the op's args. */
export interface OpDraw {
  readonly args: readonly Tensor[]
  /** Tangent direction per argument (ignored for labels and keys). */
  readonly v: readonly Tensor[]
  /** Cotangents of the op's output shape. */
  readonly u: Tensor
  readonly u2: Tensor
  /** Cotangent per argument, for the second-order law. */
  readonly w: readonly Tensor[]
  /** Coefficients for the linearity law. */
  readonly a: number
  readonly b: number
}

/** The outcome of a law that holds. */
export const pass: LawResult = { ok: true }
/** The outcome of a law that fails, with its message. */
export const fail = (message: string): LawResult => ({ ok: false, message })

/** Runs a law body: undefined = holds, a string = the violation (prefixed by `where`); exceptions become failures. */
export function attempt(where: string, body: () => string | undefined): LawResult {
  try {
    const m = body()
    return m === undefined ? pass : fail(`${where}: ${m}`)
  } catch (e) {
    return fail(`${where}: threw ${errorMessage(e)}`)
  }
}

/** `attempt` for a law of an op at one case, its messages naming the op, the shapes and the attrs. */
export function law(op: OpDef, c: LawCase, what: string, body: () => string | undefined): LawResult {
  return attempt(`${op.name} ${c.shapes.map(S.show).join(' ')} ${JSON.stringify(c.attrs)}: ${what}`, body)
}

/** Values of `exprs` through the reference interpreter, throwing its error. */
export function run(exprs: readonly Expr[], b: Bindings): Tensor[] {
  const r = evaluate(exprs, b)
  if (E.isLeft(r)) throw r.left
  return r.right
}

/** The op applied to inputs `arg0, arg1, …` of the case's shapes. */
export function instantiate(op: OpDef, c: LawCase): { readonly inputs: Expr[]; readonly node: Expr } {
  const inputs = c.shapes.map((s, i) => input(`arg${i}`, s) as Expr)
  return { inputs, node: apply(op, inputs, c.attrs) }
}

/** Tensors bound as the inputs `arg0`, `arg1`… of a law's expression. */
export function bindArgs(args: readonly Tensor[]): Bindings {
  return Object.fromEntries(args.map((t, i) => [`arg${i}`, t]))
}

/** Indices of the arguments derivative laws apply to: not `nondiff`, not labels or keys. */
export function diffArgs(op: OpDef): number[] {
  return Array.from({ length: op.arity }, (_, i) => i).filter((i) => !op.nondiff?.includes(i) && isReal(argDomain(op.law, i)))
}

/** The output shape the op's shape rule gives for a case. */
export function outShape(op: OpDef, c: LawCase): Concrete {
  return op.shape(c.shapes, c.attrs) as Concrete
}

/** Elementwise |l − r| ≤ tol·scale (scale ≥ |r| typically); the first violation, described. */
export function closeTo(what: string, l: Tensor, r: Tensor, scale: Tensor, tol: number, floor: number): string | undefined {
  if (!S.equal(l.shape, r.shape)) return `${what}: shapes ${S.show(l.shape)} and ${S.show(r.shape)} differ`
  for (let i = 0; i < l.data.length; i++) {
    const d = Math.abs(l.data[i]! - r.data[i]!)
    if (!(d <= tol * Math.max(scale.data[i]!, floor)))
      return `${what}: element ${i} is ${l.data[i]} on the left, ${r.data[i]} on the right`
  }
  return undefined
}

/** Every element's scale is the tensor's largest |element| (a norm-wise comparison). */
export const normScale = (x: Tensor): Tensor => T.fill(x.shape as Concrete, x.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0))

/** |x| + |y| elementwise: the scale a difference of x and y is compared against. */
export const absSum = (x: Tensor, y: Tensor) => T.zipWith(x, y, (p, q) => Math.abs(p) + Math.abs(q))
