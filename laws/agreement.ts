/**
 * Agreement laws: the same case run another way must give the same values and gradients — by
 * another interpreter (the compiler), or with a symbolic batch dimension instead of a number.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Attrs, Expr, OpDef } from '../src/core/Expr.js'
import { apply } from '../src/core/Expr.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as T from '../src/core/Tensor.js'
import { errorMessage } from '../src/core/errors.js'
import { evaluate, type Bindings } from '../src/eval/evaluate.js'
import { grad } from '../src/ad/grad.js'
import { mul } from '../src/ops/elementwise.js'
import { input } from '../src/ops/leaves.js'
import { sum } from '../src/ops/reduce.js'
import { bindArgs, closeTo, diffArgs, instantiate, law, outShape, run, type LawCase, type LawOptions, type LawResult, type OpDraw } from './support.js'
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
