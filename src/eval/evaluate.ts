/**
 * The reference interpreter over Expr: binds the symbolic dimensions from the bound inputs, then
 * walks the DAG in topological order calling each op's `eval`. Problems with the bindings, or a
 * failure inside an op (a label out of range...), come back as a `Left` naming the place.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import { evalOp, isBoundLeaf, topoSort } from '../core/Expr.js'
import type { DimEnv } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { tensorProblem } from '../core/Tensor.js'
import { errorMessage, SymgradError } from '../core/errors.js'
import { quoteName } from '../core/codecs.js'

/**
 * Values of the leaves by name: a tensor, or a plain number for a scalar (shape []) leaf
 * (`{ lr: 0.1 }` is `{ lr: Tensor.scalar(0.1) }`).
 */
export type Bindings = Readonly<Record<string, Tensor | number>>

/** Bindings whose values are all tensors (numbers made scalars), as the interpreters read them. */
export type TensorBindings = Readonly<Record<string, Tensor>>

/** The bindings with each plain number made a scalar tensor (the same object when there is none). */
export function asTensors(bindings: Bindings): TensorBindings {
  let out: Record<string, Tensor> | undefined
  for (const k of Object.keys(bindings)) {
    const v = bindings[k]
    if (typeof v !== 'number') continue
    out ??= { ...(bindings as TensorBindings) }
    out[k] = { shape: [], data: Float64Array.of(v) }
  }
  return out ?? (bindings as TensorBindings)
}

export interface Evaluation {
  readonly env: DimEnv
  /** Value of every node, by node id. */
  readonly values: ReadonlyMap<number, Tensor>
  readonly order: readonly Expr[]
}

function describe(e: Expr): string {
  return `${e.op.name} ${quoteName(e.attrs['name'] as string)} ${S.show(e.shape)}`
}

/**
 * Binds every symbolic dimension from the leaves' bound values; checks names and shapes. `kept`:
 * shapes of values held elsewhere (a compiled function's loaded inputs), for leaves not bound;
 * `env0`: dimensions bound already (by leaves checked before; not written).
 */
export function bindShapes(order: readonly Expr[], bindings: Bindings, kept?: ReadonlyMap<string, S.Concrete>, env0: DimEnv = {}): E.Either<SymgradError, DimEnv> {
  if (bindings === null || typeof bindings !== 'object') return E.left(new SymgradError('binding', `expected bindings (a record of tensors by name), got ${bindings === null ? 'null' : typeof bindings}`))
  let env: DimEnv = env0
  for (const n of order) {
    if (!isBoundLeaf(n)) continue
    const name = n.attrs['name'] as string
    // own keys only: a leaf named 'constructor' is unbound unless the bindings say otherwise
    const t = Object.hasOwn(bindings, name) ? bindings[name] : undefined
    const held = t === undefined ? kept?.get(name) : undefined
    if (held !== undefined) {
      // a value the caller keeps (a compiled function's loaded input): its shape was checked when kept
      const r = S.bind(n.shape, held, env)
      if (typeof r === 'string') return E.left(new SymgradError('binding', `binding for ${describe(n)}: ${r}`))
      env = r
      continue
    }
    if (t === undefined) return E.left(new SymgradError('binding', `missing binding for ${describe(n)}`))
    if (typeof t === 'number') {
      if (n.shape.length === 0) continue
      return E.left(new SymgradError('binding', `binding for ${describe(n)} is a number; a number binds only a scalar ([]) leaf, give a tensor of that shape`))
    }
    // Float32Array data too: a float32 function's kept values are bound through here
    const bad = tensorProblem(t, true)
    if (bad !== undefined) return E.left(new SymgradError('binding', `binding for ${describe(n)} is not a tensor: ${bad}`))
    const r = S.bind(n.shape, t.shape, env)
    if (typeof r === 'string') return E.left(new SymgradError('binding', `binding for ${describe(n)}: ${r}`))
    env = r
  }
  return E.right(env)
}

/** Every node's value under `bindings` (the reference interpreter), with the bound dimensions. */
export function evaluateAll(roots: readonly Expr[], given: Bindings): E.Either<SymgradError, Evaluation> {
  const order = topoSort(roots)
  const envE = bindShapes(order, given)
  if (E.isLeft(envE)) return envE
  const bindings = asTensors(given)
  for (const n of order)
    if (isBoundLeaf(n) && !(bindings[n.attrs['name'] as string]!.data instanceof Float64Array))
      return E.left(new SymgradError('binding', `binding for ${describe(n)}: expected Float64Array data (the interpreter is float64)`))
  const env = envE.right
  const values = new Map<number, Tensor>()
  const binding = (name: string): Tensor => bindings[name]!
  for (const n of order) {
    const unbound = S.symbols(n.shape).filter((d) => !Object.hasOwn(env, d))
    if (unbound.length > 0)
      return E.left(
        new SymgradError(
          'binding',
          `${n.op.name} ${S.show(n.shape)}: symbolic dimension '${unbound[0]}' is not bound by any input or param of the graph (evaluate the expression together with one that has it, e.g. a gradient with its loss)`,
        ),
      )
    try {
      const outShape = S.resolve(n.shape, env)
      const v = evalOp(
        n.op,
        n.args.map((a) => values.get(a.id)!),
        { node: n, attrs: n.attrs, outShape, env, binding },
      )
      values.set(n.id, v)
    } catch (e) {
      return E.left(e instanceof SymgradError ? e : new SymgradError('value', `${n.op.name}: ${errorMessage(e)}`))
    }
  }
  return E.right({ env, values, order })
}

/**
 * Values under `bindings` (inputs and parameters by name; a plain number for a scalar leaf): one
 * expression gives one tensor, an array of expressions an array of tensors.
 */
export function evaluate(expr: Expr, bindings: Bindings): E.Either<SymgradError, Tensor>
export function evaluate(exprs: readonly Expr[], bindings: Bindings): E.Either<SymgradError, Tensor[]>
export function evaluate(exprs: Expr | readonly Expr[], bindings: Bindings): E.Either<SymgradError, Tensor | Tensor[]> {
  const list: readonly Expr[] = Array.isArray(exprs) ? exprs : [exprs as Expr]
  const r = evaluateAll(list, bindings)
  if (E.isLeft(r)) return r
  const values = list.map((e) => r.right.values.get(e.id)!)
  return E.right(Array.isArray(exprs) ? values : values[0]!)
}

/** `evaluate`'s twin, with the same arguments: the value(s), or a thrown SymgradError. */
export function evaluateOrThrow(expr: Expr, bindings: Bindings): Tensor
export function evaluateOrThrow(exprs: readonly Expr[], bindings: Bindings): Tensor[]
export function evaluateOrThrow(exprs: Expr | readonly Expr[], bindings: Bindings): Tensor | Tensor[] {
  const r = evaluate(exprs as readonly Expr[], bindings)
  if (E.isLeft(r)) throw r.left
  return r.right
}
