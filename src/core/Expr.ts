/**
 * Expr: an immutable, interned (hash-consed) node of the expression DAG, carrying its shape as a
 * literal type. Two structurally equal expressions built anywhere are the same object, so common
 * subexpressions are shared by construction and `===` is structural equality.
 *
 * OpDef is the one record per primitive that every stage reads (shape rule, evaluation, derivative,
 * lowering, attribute codec, printing, law domain). Definitions live in `src/ops/` (see Op.ts);
 * code for a backend lives in that backend's table (see compile/backend.ts).
 */
import type { Concrete, DimEnv, Shape } from './Shape.js'
import * as S from './Shape.js'
import type { Tensor } from './Tensor.js'
import { tensorProblem } from './Tensor.js'
import { ShapeError, SymgradError } from './errors.js'

/** An attribute value of a node: a number, string, boolean or list of numbers. */
export type AttrValue = number | string | boolean | null | readonly AttrValue[]
/** The attributes of a node by name (checked by its op's codec). */
export type Attrs = Readonly<Record<string, AttrValue>>

/** An immutable expression node: its op, arguments, attributes and shape (a literal tuple when known at compile time). */
export interface Expr<S extends Shape = Shape> {
  /** Unique per live node; stable for the lifetime of the node. */
  readonly id: number
  readonly op: OpDef
  readonly args: readonly Expr[]
  readonly attrs: Attrs
  readonly shape: S
  /** The value of a tensor constant (op `tensor`); undefined for every other op. */
  readonly value?: Tensor
}

/** An argument of an elementwise builder: an Expr or a plain number (a constant). */
export type Operand = Expr | number
export type ShapeOf<T> = T extends Expr<infer S> ? S : readonly []

/** What an op's `eval` receives besides its arguments: the node, its attributes, the output shape and the bound dimensions. */
export interface EvalCtx {
  readonly node: Expr
  readonly attrs: Attrs
  readonly outShape: Concrete
  readonly env: DimEnv
  /** Value bound to a named input or parameter (leaves only). */
  readonly binding: (name: string) => Tensor
}

/** What an op's `vjp` receives: the node, its arguments and attributes, and the cotangent of its output. */
export interface VjpCtx {
  readonly node: Expr
  readonly args: readonly Expr[]
  readonly attrs: Attrs
  /** The node itself: rules such as d tanh = 1 − y² are written with the output. */
  readonly out: Expr
  /** The cotangent (upstream gradient), same shape as `out`. */
  readonly cot: Expr
}

/** How an op prints; the printers add parentheses from precedences. */
export type Notation =
  | { readonly form: 'leaf' }
  | {
      readonly form: 'infix'
      readonly symbol: string
      readonly latex: string
      readonly prec: number
      readonly assoc: 'left' | 'both'
    }
  | { readonly form: 'prefix'; readonly symbol: string; readonly latex: string; readonly prec: number }
  | { readonly form: 'postfix'; readonly symbol: string; readonly latex: string }
  | {
      readonly form: 'call'
      readonly name: string
      readonly latex: string
      /** attributes worth showing, e.g. `axes=[1]` */
      readonly attrs?: (a: Attrs) => string
    }

/** Where a law draws an argument: an interval, optionally away from kinks. */
export type ArgDomain =
  | { readonly lo: number; readonly hi: number; readonly awayFrom?: readonly number[] }
  | { readonly labels: number }
  | { readonly keys: true }

/** What the op laws need: shapes and attributes to test, and where inputs may be drawn. */
export interface LawSpec {
  readonly cases: readonly { readonly shapes: readonly Concrete[]; readonly attrs: Attrs }[]
  /** Per argument; defaults to [−2, 2]. */
  readonly domain?: readonly ArgDomain[]
  /** Rejects drawn inputs too close to a kink (ties for max, 0 for relu...); gets the case's attrs. */
  readonly accept?: (args: readonly Tensor[], attrs: Attrs) => boolean
}

/** The lowering kind of an op, which the compiler switches on. */
export type OpKind = 'leaf' | 'elementwise' | 'reduce' | 'linalg' | 'movement' | 'index' | 'other'

/**
 * How the compiler lowers an op; stages switch on this, never on op names.
 * - `elementwise`: out[i] = f(args[0][i], …) over one shape; fused into loops from the backend's
 *   scalar code for the op (an arity-0 elementwise op, such as `const`, is a literal).
 * - `view`: reads its one argument through strides (see `OpDef.view`); no data is moved.
 * - `alias`: the same data in row-major order under a new shape (shares the argument's buffer).
 * - `kernel`: a backend kernel call over whole buffers (reductions, matmul, labels...).
 * - `data`: exists before the program runs: bound per call by its `name` attribute (input,
 *   param), or a tensor constant carried by the node (`value`).
 * An op for which a backend has no code runs through its `eval` as a kernel call.
 */
export type Lowering = 'elementwise' | 'view' | 'alias' | 'kernel' | 'data'

/** Checks an op's attributes (see ops/attrs.ts); returns a one-line problem or undefined. */
export interface AttrCodec {
  /** e.g. `{ p: number }` */
  readonly describe: string
  /** The attribute names the op takes. */
  readonly keys: readonly string[]
  /** The first problem with `attrs` (missing, unknown or ill-typed key) as one line, or undefined when they are valid. */
  readonly check: (attrs: unknown) => string | undefined
}

/** An op as one record read by every stage: name, arity, lowering, attributes, shape rule, eval, vjp, printed form, law cases. */
export interface OpDef<N extends string = string> {
  readonly name: N
  /** Number of arguments. */
  readonly arity: number
  /** Family, for printing and laws (a leaf, elementwise, a reduction...). */
  readonly kind: OpKind
  readonly lowering: Lowering
  /** The op's attributes, checked by `apply` (builders) and by graph decoding. */
  readonly attrs: AttrCodec
  /** Shape rule; throws a ShapeError naming the op, argument, expected and actual shapes. */
  readonly shape: (args: readonly Shape[], attrs: Attrs) => Shape
  /** The reference value (float64): the node's value from its arguments' values, of shape `ctx.outShape`. */
  readonly eval: (args: readonly Tensor[], ctx: EvalCtx) => Tensor
  /**
   * Vector-Jacobian product: one cotangent per argument (`arity` of them), `null` meaning a zero
   * contribution. Absent = no derivative rule (grad reports an error naming the op).
   */
  readonly vjp?: (ctx: VjpCtx) => readonly (Expr | null)[]
  /** Arguments the op is not differentiable in (labels, conditions): grad through them is an error. */
  readonly nondiff?: readonly number[]
  /**
   * `elementwise` ops: the scalar function, given the attributes (`(a) => (x) => Math.pow(x, a.p)`).
   * A backend without code for the op can fuse calls to it into its loops.
   */
  readonly scalar?: (attrs: Attrs) => (...xs: number[]) => number
  /**
   * `view` ops: for each output axis, the argument axis it walks (with that axis' stride), or
   * null where the argument is repeated (stride 0). Transpose by p gives p; broadcastTo gives the
   * aligned axis, null on new or stretched axes.
   */
  readonly view?: (arg: Shape, out: Shape, attrs: Attrs) => readonly (number | null)[]
  readonly notation: Notation
  readonly law?: LawSpec
  /** A one-line note on the derivative at kinks or edges. */
  readonly note?: string
}

// ── interning ────────────────────────────────────────────────────────────────────────────────

let nextId = 1
const table = new Map<string, WeakRef<Expr>>()
const registry = new FinalizationRegistry<string>((k) => {
  const ref = table.get(k)
  if (ref !== undefined && ref.deref() === undefined) table.delete(k)
})
const tensorIds = new WeakMap<Tensor, number>()
let nextTensorId = 1
// ops are told apart by identity, not by name: two definitions sharing a name are different ops
const opIds = new WeakMap<OpDef, number>()
let nextOpId = 1

/**
 * The interning key of an attribute value: one spelling per value as `Object.is` sees it. Numbers
 * are not written by JSON.stringify, which prints NaN, +∞ and −∞ all as `null` and −0 as `0`
 * (so `max(x, −∞)` and `max(x, ∞)` would become one node); every NaN payload is one NaN.
 */
export function attrKey(v: AttrValue | Attrs): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v)
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map((x) => attrKey(x as AttrValue)).join(',')}]`
  const rec = v as Attrs
  return `{${Object.keys(rec)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${attrKey(rec[k]!)}`)
    .join(',')}}`
}

/**
 * The one constructor of nodes: checks the attributes with the op's codec and runs its shape rule
 * at once (throwing a ShapeError), and returns the interned node.
 */
export function apply(op: OpDef, args: readonly Expr[], attrs: Attrs = {}, value?: Tensor): Expr {
  if (args.length !== op.arity)
    throw new ShapeError(`${op.name}: expected ${op.arity} argument(s), got ${args.length}`)
  const bad = op.attrs.check(attrs)
  if (bad !== undefined) throw new ShapeError(`${op.name}: ${bad}`)
  const ruled: unknown = op.shape(args.map((a) => a.shape), attrs)
  const badShape = S.shapeProblem(ruled, true)
  if (badShape !== undefined) throw new ShapeError(`${op.name}: its shape rule gave ${badShape}`)
  const shape = Object.freeze((ruled as Shape).slice())
  let tag = ''
  if (value !== undefined) {
    const bad = tensorProblem(value)
    if (bad !== undefined) throw new ShapeError(`${op.name}: its value is not a tensor: ${bad}`)
    if (!S.equal(value.shape, shape)) throw new ShapeError(`${op.name}: a value of shape ${S.show(value.shape)} for the shape ${S.show(shape)}`)
    let t = tensorIds.get(value)
    if (t === undefined) tensorIds.set(value, (t = nextTensorId++))
    tag = `#${t}`
  }
  let o = opIds.get(op)
  if (o === undefined) opIds.set(op, (o = nextOpId++))
  const key = `${op.name}@${o}(${args.map((a) => a.id).join(',')})${attrKey(attrs)}${S.show(shape)}${tag}`
  const hit = table.get(key)?.deref()
  if (hit !== undefined) return hit
  const node: Expr = Object.freeze({
    id: nextId++,
    op,
    args: Object.freeze(args.slice()),
    attrs: Object.freeze({ ...attrs }),
    shape,
    ...(value !== undefined ? { value } : {}),
  })
  table.set(key, new WeakRef(node))
  registry.register(node, key)
  return node
}

/**
 * `op.eval` with its result checked against the shape rule, the one place every evaluator calls
 * an op through (interpreter, program interpreter, compiled eval calls, constant folding): a
 * result that is not a tensor of `ctx.outShape` (a user op returning the wrong number of values)
 * is a SymgradError naming the op, expected and actual, wherever it runs.
 */
export function evalOp(op: OpDef, args: readonly Tensor[], ctx: EvalCtx): Tensor {
  const r: unknown = op.eval(args, ctx)
  const want = S.show(ctx.outShape)
  const bad = tensorProblem(r)
  if (bad !== undefined) throw new SymgradError('value', `${op.name}: eval returned no tensor of shape ${want}: ${bad}`)
  const t = r as Tensor
  if (t.data.length !== S.size(ctx.outShape)) throw new SymgradError('value', `${op.name}: eval returned ${t.data.length} values, its shape rule says ${want} (${S.size(ctx.outShape)} values)`)
  if (!S.equal(t.shape, ctx.outShape)) throw new SymgradError('value', `${op.name}: eval returned a tensor of shape ${S.show(t.shape)}, its shape rule says ${want}`)
  return t
}

/**
 * All nodes reachable from `roots`, each after its arguments (iterative post-order), not
 * descending below nodes for which `stop` holds.
 */
export function topoSort(roots: readonly Expr[], stop?: (e: Expr) => boolean): Expr[] {
  const out: Expr[] = []
  const seen = new Set<number>()
  const stack: [Expr, number][] = []
  for (const r of roots) {
    if (seen.has(r.id)) continue
    seen.add(r.id)
    stack.push([r, 0])
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const [n, i] = top
      if (i < n.args.length && !(stop !== undefined && stop(n))) {
        top[1] = i + 1
        const c = n.args[i]!
        if (!seen.has(c.id)) {
          seen.add(c.id)
          stack.push([c, 0])
        }
      } else {
        stack.pop()
        out.push(n)
      }
    }
  }
  return out
}

/** A leaf bound per call by its `name` attribute (input, param): lowered 'data', no tensor value. */
export function isBoundLeaf(e: Expr): boolean {
  return e.op.lowering === 'data' && e.value === undefined
}

export function isLeaf(e: Expr): boolean {
  return e.op.kind === 'leaf'
}

/** Number of distinct nodes in the DAG under `roots`. */
export function countNodes(roots: readonly Expr[]): number {
  return topoSort(roots).length
}
