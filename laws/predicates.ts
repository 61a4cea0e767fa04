/**
 * Op laws as plain predicates: each takes an op, one of its law cases and drawn tensors, and
 * returns a `LawResult` (never throws). `laws/opLaws.ts` wires them to fast-check; they can also be
 * called directly on hand-picked values.
 *
 * Every predicate builds the op applied to named inputs `arg0, arg1, …`, evaluates through the
 * reference interpreter, and differentiates with `grad`/`backward`.
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
import { grad } from '../src/ad/grad.js'
import { checkVjp } from '../src/ad/gradcheck.js'
import { add, mul, square } from '../src/ops/elementwise.js'
import { input, tensor } from '../src/ops/leaves.js'
import { sum } from '../src/ops/reduce.js'
import { tanh } from '../src/ops/unary.js'
import { argDomain, isReal } from './arbitraries.js'

export type LawResult = { readonly ok: true } | { readonly ok: false; readonly message: string }

export interface LawCase {
  readonly shapes: readonly Concrete[]
  readonly attrs: Attrs
}

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

const pass: LawResult = { ok: true }
const fail = (message: string): LawResult => ({ ok: false, message })

function law(op: OpDef, c: LawCase, what: string, body: () => string | undefined): LawResult {
  const where = `${op.name} ${c.shapes.map(S.show).join(' ')} ${JSON.stringify(c.attrs)}: ${what}`
  try {
    const m = body()
    return m === undefined ? pass : fail(`${where}: ${m}`)
  } catch (e) {
    return fail(`${where}: threw ${errorMessage(e)}`)
  }
}

function run(exprs: readonly Expr[], b: Bindings): Tensor[] {
  const r = evaluate(exprs, b)
  if (E.isLeft(r)) throw r.left
  return r.right
}

/** The op applied to inputs `arg0, arg1, …` of the case's shapes. */
export function instantiate(op: OpDef, c: LawCase): { readonly inputs: Expr[]; readonly node: Expr } {
  const inputs = c.shapes.map((s, i) => input(`arg${i}`, s) as Expr)
  return { inputs, node: apply(op, inputs, c.attrs) }
}

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
function closeTo(what: string, l: Tensor, r: Tensor, scale: Tensor, tol: number, floor: number): string | undefined {
  if (!S.equal(l.shape, r.shape)) return `${what}: shapes ${S.show(l.shape)} and ${S.show(r.shape)} differ`
  for (let i = 0; i < l.data.length; i++) {
    const d = Math.abs(l.data[i]! - r.data[i]!)
    if (!(d <= tol * Math.max(scale.data[i]!, floor)))
      return `${what}: element ${i} is ${l.data[i]} on the left, ${r.data[i]} on the right`
  }
  return undefined
}

const absSum = (x: Tensor, y: Tensor) => T.zipWith(x, y, (p, q) => Math.abs(p) + Math.abs(q))

/** Shape rule agrees with evaluation, the output is finite inside the domain, eval is pure. */
export function shapeAgreesWithEval(op: OpDef, c: LawCase, args: readonly Tensor[]): LawResult {
  return law(op, c, 'shape rule vs evaluation', () => {
    const { node } = instantiate(op, c)
    const copies = args.map((t) => Float64Array.from(t.data))
    const [y] = run([node], bindArgs(args))
    if (!S.equal(y!.shape, node.shape)) return `shape rule gives ${S.show(node.shape)}, evaluation ${S.show(y!.shape)}`
    if (y!.data.length !== S.size(y!.shape)) return `evaluation returned ${y!.data.length} values for shape ${S.show(y!.shape)}`
    if (!T.isFinite(y!)) return `non-finite output ${T.show(y!)} inside the declared domain`
    const i = args.findIndex((t, k) => !t.data.every((x, j) => Object.is(x, copies[k]![j])))
    if (i >= 0) return `evaluation mutated argument ${i + 1}`
    return undefined
  })
}

/** Leaves: a node built with `{ name, shape, value }` evaluates to a tensor of its shape. */
export function leafAgreesWithEval(op: OpDef, shape: Concrete, t: Tensor): LawResult {
  return law(op, { shapes: [], attrs: { shape: [...shape] } }, 'leaf shape vs evaluation', () => {
    const node = apply(op, [], { name: 'leaf', shape: [...shape], value: 0.5 }, t)
    const [y] = run([node], { leaf: t })
    if (!S.equal(y!.shape, shape) || !S.equal(node.shape, shape))
      return `declared ${S.show(shape)}, shape rule ${S.show(node.shape)}, evaluation ${S.show(y!.shape)}`
    return undefined
  })
}

/** ⟨J·v, u⟩ by central differences equals ⟨v, Jᵀ·u⟩ from the vjp (all differentiable args at once). */
export function vjpAgreesWithDifferences(op: OpDef, c: LawCase, d: OpDraw, o: LawOptions = {}): LawResult {
  return law(op, c, 'vjp vs central differences', () => {
    const { inputs, node } = instantiate(op, c)
    const ks = diffArgs(op)
    const r = checkVjp(node, ks.map((k) => inputs[k]!), bindArgs(d.args), {
      given: [{ v: ks.map((k) => d.v[k]!), u: d.u }],
      h: o.h ?? 1e-3,
      tol: o.tol ?? 1e-7,
      floor: o.floor ?? 1e-10,
    })
    if (E.isLeft(r)) throw r.left
    const x = r.right
    if (!x.ok) return `⟨J·v,u⟩ = ${x.numeric[0]} by differences, ⟨v,Jᵀ·u⟩ = ${x.analytic[0]} by the vjp (relative error ${x.maxRelError.toExponential(2)} > ${x.tol})`
    return undefined
  })
}

/** f = ⟨u, op(x)⟩ and g = ⟨u2, op(x)⟩ as scalar expressions, with the differentiable inputs. */
function pairings(op: OpDef, c: LawCase, d: OpDraw) {
  const { inputs, node } = instantiate(op, c)
  const xs = diffArgs(op).map((k) => inputs[k]!)
  const f = sum(mul(tensor(d.u), node))
  const g = sum(mul(tensor(d.u2), node))
  return { xs, f, g, b: bindArgs(d.args) }
}

/** grad(a·f + b·g) = a·grad f + b·grad g. */
export function gradIsLinear(op: OpDef, c: LawCase, d: OpDraw, o: LawOptions = {}): LawResult {
  return law(op, c, 'grad is linear', () => {
    const { xs, f, g, b } = pairings(op, c, d)
    const lhs = run(grad(add(mul(d.a, f), mul(d.b, g)), xs), b)
    const gf = run(grad(f, xs), b)
    const gg = run(grad(g, xs), b)
    for (let k = 0; k < xs.length; k++) {
      const af = T.scale(gf[k]!, d.a)
      const bg = T.scale(gg[k]!, d.b)
      const m = closeTo(`argument ${k + 1}`, lhs[k]!, T.add(af, bg), absSum(af, bg), o.algebraTol ?? 1e-10, o.floor ?? 1e-10)
      if (m !== undefined) return m
    }
    return undefined
  })
}

/** grad(f·g) = g·grad f + f·grad g. */
export function productRule(op: OpDef, c: LawCase, d: OpDraw, o: LawOptions = {}): LawResult {
  return law(op, c, 'product rule', () => {
    const { xs, f, g, b } = pairings(op, c, d)
    const lhs = run(grad(mul(f, g), xs), b)
    const [fv, gv, ...rest] = run([f, g, ...grad(f, xs), ...grad(g, xs)], b)
    for (let k = 0; k < xs.length; k++) {
      const p = T.scale(rest[k]!, T.item(gv!))
      const q = T.scale(rest[xs.length + k]!, T.item(fv!))
      const m = closeTo(`argument ${k + 1}`, lhs[k]!, T.add(p, q), absSum(p, q), o.algebraTol ?? 1e-10, o.floor ?? 1e-10)
      if (m !== undefined) return m
    }
    return undefined
  })
}

/** Outer compositions: grad(tanh ∘ f) = (1 − tanh²(f))·grad f and grad(f²) = 2f·grad f. */
export function chainRule(op: OpDef, c: LawCase, d: OpDraw, o: LawOptions = {}): LawResult {
  return law(op, c, 'chain rule', () => {
    const { xs, f, b } = pairings(op, c, d)
    const lhs = run(grad(tanh(f), xs), b)
    const [fv, ...gf] = run([f, ...grad(f, xs)], b)
    const k1 = 1 - Math.tanh(T.item(fv!)) ** 2
    for (let k = 0; k < xs.length; k++) {
      const rhs = T.scale(gf[k]!, k1)
      const m = closeTo(`argument ${k + 1}`, lhs[k]!, rhs, T.map(rhs, Math.abs), o.algebraTol ?? 1e-10, o.floor ?? 1e-10)
      if (m !== undefined) return m
    }
    // an outer square: grad(f²) = 2f·grad f
    const sq = run(grad(square(f), xs), b)
    for (let k = 0; k < xs.length; k++) {
      const rhs = T.scale(gf[k]!, 2 * T.item(fv!))
      const m = closeTo(`argument ${k + 1} of f²`, sq[k]!, rhs, T.map(rhs, Math.abs), o.algebraTol ?? 1e-10, o.floor ?? 1e-10)
      if (m !== undefined) return m
    }
    return undefined
  })
}

/**
 * The gradient of a constant is zero: ⟨u, op(c)⟩ with tensor constants c has zero gradient with
 * respect to the inputs; and adding it to f leaves grad f unchanged.
 */
export function constantHasZeroGradient(op: OpDef, c: LawCase, d: OpDraw): LawResult {
  return law(op, c, 'gradient of a constant is zero', () => {
    const { xs, f, b } = pairings(op, c, d)
    const k = sum(mul(tensor(d.u), apply(op, d.args.map((t) => tensor(t)), c.attrs)))
    const zs = run(grad(k, xs), b)
    for (const [i, z] of zs.entries())
      if (!S.equal(z.shape, xs[i]!.shape as Concrete) || z.data.some((x) => x !== 0))
        return `gradient of a constant with respect to argument ${i + 1} is ${T.show(z)}, not zeros of ${S.show(xs[i]!.shape)}`
    const withK = run(grad(add(f, k), xs), b)
    const plain = run(grad(f, xs), b)
    for (const [i, t] of withK.entries())
      if (!T.equal(t, plain[i]!)) return `adding a constant changed the gradient of argument ${i + 1}`
    return undefined
  })
}

/**
 * Gradients of gradients: with s = ⟨u, op(x)⟩, the vjp of each gradient ∂s/∂xₖ (second
 * derivatives of the op) agrees with central differences in the direction v, against the
 * cotangent wₖ — i.e. ⟨H·v, w⟩ both ways, one gradient at a time so rounding is judged on the
 * scale of that gradient's own terms.
 */
export function secondOrderAgrees(op: OpDef, c: LawCase, d: OpDraw, o: LawOptions = {}): LawResult {
  return law(op, c, 'second derivative vs central differences', () => {
    const { xs, f, b } = pairings(op, c, d)
    const ks = diffArgs(op)
    const gs = grad(f, xs)
    for (const [i, gk] of gs.entries()) {
      const r = checkVjp(gk, xs, b, {
        given: [{ v: ks.map((k) => d.v[k]!), u: d.w[ks[i]!]! }],
        h: o.h ?? 1e-3,
        tol: o.tol ?? 1e-7,
        floor: o.floor ?? 1e-10,
      })
      if (E.isLeft(r)) throw r.left
      const x = r.right
      if (!x.ok)
        return `gradient ${i + 1}: ⟨H·v,w⟩ = ${x.numeric[0]} by differences, ${x.analytic[0]} by grad of grad (relative error ${x.maxRelError.toExponential(2)} > ${x.tol})`
    }
    return undefined
  })
}

/** Another way to run graphs (a compiler, a backend) to hold against the reference interpreter. */
export interface Interpreter {
  readonly name: string
  /** Prepares the outputs once (e.g. compiles them); the result is called with each draw's bindings. */
  readonly prepare: (outputs: readonly Expr[]) => (b: Bindings) => E.Either<unknown, readonly Tensor[]>
}

/**
 * The graph the interpreter law runs: the op's output and, when it has a vjp, the gradients of
 * ⟨cot, op(x)⟩ with respect to its differentiable arguments; `cot` is an input, so one prepared
 * function serves every draw.
 */
export function interpreterGraph(op: OpDef, c: LawCase): readonly Expr[] {
  const { inputs, node } = instantiate(op, c)
  const xs = diffArgs(op).map((k) => inputs[k]!)
  if (op.vjp === undefined || xs.length === 0) return [node]
  return [node, ...grad(sum(mul(input('cot', outShape(op, c)), node)), xs)]
}

/** Values and gradients from `run` agree with the reference interpreter (to `algebraTol` of the largest |value|). */
export function interpreterAgrees(
  name: string,
  op: OpDef,
  c: LawCase,
  outputs: readonly Expr[],
  run: (b: Bindings) => E.Either<unknown, readonly Tensor[]>,
  d: OpDraw,
  o: LawOptions = {},
): LawResult {
  return law(op, c, `${name} vs reference interpreter`, () => {
    const b = { ...bindArgs(d.args), cot: d.u }
    const ref = evaluate(outputs, b)
    if (E.isLeft(ref)) throw ref.left
    const got = run(b)
    if (E.isLeft(got)) return `${name} failed: ${errorMessage(got.left)}`
    for (const [i, r] of ref.right.entries()) {
      const g = got.right[i]
      if (g === undefined) return `${name} returned ${got.right.length} outputs, expected ${ref.right.length}`
      const top = r.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
      const m = closeTo(`output ${i + 1}${i === 0 ? ' (value)' : ' (gradient)'}`, g, r, T.map(r, (v) => Math.abs(v) + top), o.algebraTol ?? 1e-10, o.floor ?? 1e-10)
      if (m !== undefined) return m
    }
    return undefined
  })
}

/**
 * The case with the leading dimension of argument 1 (and every argument sharing it) replaced by a
 * symbol 'N', or undefined when the op's shape rule does not accept that (e.g. a literal target
 * shape in the attributes).
 */
export function symbolicCase(op: OpDef, c: LawCase): { readonly shapes: readonly (readonly (string | number)[])[]; readonly attrs: Attrs } | undefined {
  const n0 = c.shapes[0]?.[0]
  if (n0 === undefined) return undefined
  const shapes = c.shapes.map((s) => (s[0] === n0 ? ['N', ...s.slice(1)] : s))
  try {
    apply(op, shapes.map((s, i) => input(`arg${i}`, s)), c.attrs)
    return { shapes, attrs: c.attrs }
  } catch {
    return undefined
  }
}

/** With a symbolic batch dimension 'N', values and gradients equal those of the concrete case. */
export function symbolicAgrees(op: OpDef, c: LawCase, d: OpDraw, o: LawOptions = {}): LawResult {
  return law(op, c, "symbolic dimension 'N' vs concrete", () => {
    const sc = symbolicCase(op, c)
    if (sc === undefined) return undefined
    const inputs = sc.shapes.map((s, i) => input(`arg${i}`, s) as Expr)
    const node = apply(op, inputs, sc.attrs)
    const xs = diffArgs(op).map((k) => inputs[k]!)
    const sym = op.vjp === undefined || xs.length === 0 ? [node] : [node, ...grad(sum(mul(input('cot', node.shape), node)), xs)]
    const b = { ...bindArgs(d.args), cot: d.u }
    const got = run(sym, b)
    const want = run(interpreterGraph(op, c), b)
    for (const [i, r] of want.entries()) {
      const top = r.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
      const m = closeTo(`output ${i + 1}${i === 0 ? ' (value)' : ' (gradient)'}`, got[i]!, r, T.map(r, (v) => Math.abs(v) + top), o.algebraTol ?? 1e-10, o.floor ?? 1e-10)
      if (m !== undefined) return m
    }
    return undefined
  })
}
