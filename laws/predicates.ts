/**
 * Op laws as plain predicates: each takes an op, one of its law cases and drawn tensors, and
 * returns a `LawResult` (never throws). `laws/opLaws.ts` wires them to fast-check; they can also be
 * called directly on hand-picked values.
 *
 * Every predicate builds the op applied to named inputs `arg0, arg1, …`, evaluates through the
 * reference interpreter, and differentiates with `grad`/`backward`.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { AttrValue, OpDef } from '../src/core/Expr.js'
import { apply } from '../src/core/Expr.js'
import type { Concrete } from '../src/core/Shape.js'
import * as S from '../src/core/Shape.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as T from '../src/core/Tensor.js'
import { grad } from '../src/ad/grad.js'
import { checkVjp } from '../src/ad/gradcheck.js'
import { add, mul, square } from '../src/ops/elementwise.js'
import { tensor } from '../src/ops/leaves.js'
import { sum } from '../src/ops/reduce.js'
import { tanh } from '../src/ops/unary.js'
import { absSum, bindArgs, normScale, closeTo, diffArgs, instantiate, law, run, type LawCase, type LawOptions, type LawResult, type OpDraw } from './support.js'

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
    // the attributes this leaf takes, of a name, a shape and a fill value; a tensor value for unnamed leaves
    const all: Record<string, AttrValue> = { name: 'leaf', shape: [...shape], value: 0.5 }
    const keys = op.attrs.keys
    const node = apply(op, [], Object.fromEntries(keys.filter((k) => Object.hasOwn(all, k)).map((k) => [k, all[k]!])), keys.includes('name') ? undefined : t)
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

/**
 * Outer compositions: grad(tanh ∘ f) = (1 − tanh²(f))·grad f and grad(f²) = 2f·grad f. The two
 * sides differ only in where the scalar factor enters the vjp's sums, so an element that is a sum
 * with cancellation (a convolution's filter gradient) may differ by rounding relative to the sum's
 * terms, not to its small result: elements are compared relative to the largest |element|.
 */
export function chainRule(op: OpDef, c: LawCase, d: OpDraw, o: LawOptions = {}): LawResult {
  return law(op, c, 'chain rule', () => {
    const { xs, f, b } = pairings(op, c, d)
    const lhs = run(grad(tanh(f), xs), b)
    const [fv, ...gf] = run([f, ...grad(f, xs)], b)
    const k1 = 1 - Math.tanh(T.item(fv!)) ** 2
    for (let k = 0; k < xs.length; k++) {
      const rhs = T.scale(gf[k]!, k1)
      const m = closeTo(`argument ${k + 1}`, lhs[k]!, rhs, normScale(rhs), o.algebraTol ?? 1e-10, o.floor ?? 1e-10)
      if (m !== undefined) return m
    }
    // an outer square: grad(f²) = 2f·grad f
    const sq = run(grad(square(f), xs), b)
    for (let k = 0; k < xs.length; k++) {
      const rhs = T.scale(gf[k]!, 2 * T.item(fv!))
      const m = closeTo(`argument ${k + 1} of f²`, sq[k]!, rhs, normScale(rhs), o.algebraTol ?? 1e-10, o.floor ?? 1e-10)
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
