/**
 * Defining ops. An op is one `OpDef` record (core/Expr.ts) that every stage reads: its shape rule,
 * reference `eval`, `vjp`, attribute codec, lowering, notation and law domain. Built-in ops are
 * defined with `defineOp` below and listed once in `ops/index.ts` (`builtinOps`); user code imports
 * `defineOp` from 'symgrad' (ops/define.ts: the same checks, and a name clash with a built-in is
 * refused), and adds its ops to a registries value with `Registries.extend(base, { ops: [myOp] })`
 * (records/Registries.ts), passed as `{ registries }` where names must be resolved (decoding graphs,
 * listing, laws). There is no global registry.
 *
 * To add an op:
 *   1. one record in its own file:
 *        export const softplusOp = unaryOp({ name: 'softplus', f: …, vjp: …, notation: … })
 *      or, for anything but a plain elementwise op,
 *        export const myOp = defineOp({ name, arity, lowering: 'kernel', attrs: Attr.record({ … }),
 *          shape, eval, vjp, notation, law })
 *      plus its typed builder (`export function softplus(x) { return apply(softplusOp, [x]) }`);
 *   2. its name in the `builtinOps` list (built-ins only) — `test/ops.test.ts` then runs its laws;
 *   3. optionally, fast code in a backend's table (compile/backend-js.ts): an elementwise op's
 *      scalar expression or a kernel's statement. Without it the op still compiles: it runs
 *      through its `eval` as a kernel call.
 * `lowering` tells the compiler how to treat the op (see `Lowering`); no stage matches names.
 * This module imports no op definitions, so every ops file can import it without cycles.
 */
import type { Attrs, LawSpec, Lowering, Notation, OpDef, OpKind } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import { ShapeError, SymgradError } from '../core/errors.js'
import { noAttrs } from './attrs.js'

/**
 * What `defineOp` takes: an OpDef whose `attrs` (default: none), `lowering` (default: elementwise
 * for kind 'elementwise', else kernel) and `kind` (default: from the lowering) may be left out.
 */
export type OpSpec<N extends string> = Omit<OpDef<N>, 'attrs' | 'kind' | 'lowering'> & Partial<Pick<OpDef<N>, 'attrs' | 'kind' | 'lowering'>>

/** Op names are identifier-like, so they can be printed anywhere (messages, generated comments). */
export const OP_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

const lowerings: readonly Lowering[] = ['elementwise', 'view', 'alias', 'kernel', 'data']
const defaultKind: Readonly<Record<Lowering, OpKind>> = { elementwise: 'elementwise', view: 'movement', alias: 'movement', kernel: 'other', data: 'leaf' }

/**
 * Checks an op record and freezes it; the name is kept as a literal type (the built-ins' union of
 * names is derived from it). Throws a SymgradError naming the op and what is wrong: a bad name, a
 * missing shape rule or eval, an unknown lowering, a view without its axis map, law cases or
 * `nondiff` indices that do not match the arity.
 */
export function defineOp<const N extends string>(spec: OpSpec<N>): OpDef<N> {
  const raw = spec as Partial<OpSpec<N>>
  const name = typeof raw.name === 'string' ? raw.name : undefined
  const fail = (m: string): never => {
    throw new SymgradError('value', `defineOp '${name ?? '?'}': ${m}`)
  }
  if (name === undefined || !OP_NAME.test(name)) fail(`the name must be identifier-like (a letter or '_', then letters, digits or '_', at most 64), got ${JSON.stringify(String(raw.name)).slice(0, 40)}`)
  if (typeof raw.arity !== 'number' || !Number.isInteger(raw.arity) || raw.arity < 0) fail(`arity must be a non-negative integer, got ${String(raw.arity)}`)
  const lowering: Lowering = raw.lowering ?? (raw.kind === 'elementwise' ? 'elementwise' : 'kernel')
  if (!lowerings.includes(lowering)) fail(`lowering must be one of ${lowerings.join(', ')}, got ${String(raw.lowering)}`)
  if (typeof raw.shape !== 'function') fail('missing shape rule: give shape: (argShapes, attrs) => outShape')
  if (typeof raw.eval !== 'function') fail('missing eval: give eval: (argTensors, ctx) => tensor (the reference semantics)')
  if (raw.vjp !== undefined && typeof raw.vjp !== 'function') fail('vjp must be a function (ctx) => one cotangent per argument')
  if (raw.scalar !== undefined && (typeof raw.scalar !== 'function' || lowering !== 'elementwise')) fail("scalar is a function (attrs) => (...xs) => number, for ops lowered 'elementwise'")
  if (raw.vjp !== undefined && raw.arity === 0) fail('an op without arguments has nothing to differentiate: leave out vjp')
  if (raw.notation === undefined) fail("missing notation: give e.g. notation: { form: 'call', name, latex }")
  const arity = raw.arity!
  for (const i of raw.nondiff ?? []) if (!Number.isInteger(i) || i < 0 || i >= arity) fail(`nondiff index ${i} is not an argument index (arity ${arity})`)
  if ((lowering === 'view' || lowering === 'alias') && arity !== 1) fail(`a ${lowering} op takes exactly one argument, got arity ${arity}`)
  if (lowering === 'view' && typeof raw.view !== 'function') fail('a view op needs view: (argShape, outShape, attrs) => the argument axis each output axis walks (null: repeated)')
  if (lowering === 'data' && arity !== 0) fail(`a data op takes no arguments, got arity ${arity}`)
  for (const [k, c] of (raw.law?.cases ?? []).entries())
    if (c.shapes.length !== arity) fail(`law case ${k + 1} gives ${c.shapes.length} argument shape(s), arity is ${arity}`)
  const attrs = raw.attrs ?? noAttrs
  for (const [k, c] of (raw.law?.cases ?? []).entries()) {
    const bad = attrs.check(c.attrs)
    if (bad !== undefined) fail(`law case ${k + 1}: ${bad}`)
  }
  return Object.freeze({ ...spec, attrs, lowering, kind: raw.kind ?? defaultKind[lowering] }) as OpDef<N>
}

/** Shape rule of elementwise ops: all arguments have one shape (builders broadcast first). */
export function sameShape(name: string) {
  return (args: readonly Shape[]): Shape => {
    const first = args[0]!
    for (let i = 1; i < args.length; i++)
      if (!S.equal(args[i]!, first))
        throw new ShapeError(
          `${name}: argument ${i + 1} expected shape ${S.show(first)} (same as argument 1), got ${S.show(args[i]!)}`,
        )
    return first
  }
}

export function infix(symbol: string, latex: string, prec: number, assoc: 'left' | 'both'): Notation {
  return { form: 'infix', symbol, latex, prec, assoc }
}

export function call(name: string, latex: string, attrs?: (a: Attrs) => string): Notation {
  return attrs === undefined ? { form: 'call', name, latex } : { form: 'call', name, latex, attrs }
}

/** Precedences used by the printers. */
export const Prec = { add: 1, mul: 2, neg: 3, pow: 4, matmul: 2, atom: 9 } as const

export function axesAttr(a: Attrs): number[] {
  return (a['axes'] as readonly number[] | undefined)?.slice() ?? []
}

export function showAxes(a: Attrs): string {
  return `axes=[${axesAttr(a).join(',')}]`
}

export function numAttr(a: Attrs, key: string): number {
  const v = a[key]
  if (typeof v !== 'number') throw new ShapeError(`attribute '${key}' must be a number, got ${JSON.stringify(v)}`)
  return v
}

export function shapeAttr(a: Attrs, key = 'shape'): Shape {
  return (a[key] as readonly (number | string)[] | undefined) ?? []
}

/**
 * Law spec of binary ops with a jump or kink where the arguments meet (comparisons, maximum,
 * minimum): the draws keep the two arguments apart, so no difference step crosses a = b.
 */
export const pairApart: LawSpec = {
  cases: [{ shapes: [[3, 4], [3, 4]], attrs: {} }],
  accept: ([a, b]) => a!.data.every((v, i) => Math.abs(v - b!.data[i]!) > 1e-2),
}
