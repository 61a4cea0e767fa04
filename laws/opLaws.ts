/**
 * fast-check wiring of the op laws (the fp-ts-laws split: predicates in `predicates.ts`, the
 * harness here). `opLaws(op)` turns an op's `law` spec — its cases, per-argument domains and
 * `accept` — into named properties; `checkOpLaws(op)` runs them and returns plain results.
 *
 * Which laws apply:
 * - leaves (arity 0): the leaf shape law only;
 * - ops without a vjp: the shape law only (a missing rule is reported by `grad`, not here);
 * - otherwise, for the arguments that are not `nondiff`, labels or keys: vjp vs central
 *   differences, linearity, product rule, chain rule, zero gradient of constants, and second
 *   derivatives vs central differences. An op whose vjp returns `null` (a zero derivative, as for
 *   comparisons) is checked the same way: the differences must be zero too, away from the jump;
 * - where the shape rule accepts a symbolic leading dimension 'N': values and gradients equal the
 *   concrete case's;
 * - with `interpreters` (e.g. the compiler): values and gradients agree with the reference
 *   interpreter, one prepared (compiled) function per case.
 *
 * Inputs are drawn inside the declared domain, `margin` away from `awayFrom` points, and every
 * point of the difference stencil must pass the op's `accept` (so no step crosses a kink or a tie).
 */
import fc from 'fast-check'
import type { LawSpec, OpDef } from '../src/core/Expr.js'
import * as Registry from '../src/ops/Registry.js'
import * as S from '../src/core/Shape.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as T from '../src/core/Tensor.js'
import { argDomain, directionArb, tensorArb } from './arbitraries.js'
import {
  chainRule,
  constantHasZeroGradient,
  gradIsLinear,
  leafAgreesWithEval,
  productRule,
  secondOrderAgrees,
  shapeAgreesWithEval,
  vjpAgreesWithDifferences,
} from './predicates.js'
import { interpreterAgrees, interpreterGraph, symbolicAgrees, symbolicCase, type Interpreter } from './agreement.js'
import { diffArgs, outShape, type LawCase, type LawOptions, type LawResult, type OpDraw } from './support.js'

/** The name of an op law: shape, vjp, linearity, product, chain, constant, secondOrder, symbolic, interpreters. */
export type OpLawName = 'shape' | 'vjp' | 'linearity' | 'product' | 'chain' | 'constant' | 'secondOrder' | 'symbolic' | 'interpreters'

/** Every op law, in the order they run. */
export const allOpLaws: readonly OpLawName[] = ['shape', 'vjp', 'linearity', 'product', 'chain', 'constant', 'secondOrder', 'symbolic', 'interpreters']

/** Options of the op laws: runs per property, seed, margin from kinks, time limit, interpreters compared, and the tolerances. */
export interface OpLawOptions extends LawOptions {
  /** Runs per property, default 25. */
  readonly numRuns?: number
  /** fast-check seed, for reproducing a failure. */
  readonly seed?: number
  /** Distance kept from `awayFrom` points, default 0.05 (must exceed 2h·|v|, |v| ≤ 1). */
  readonly margin?: number
  /** Milliseconds before a property (shrinking included) is stopped and failed, default 15 000. */
  readonly timeLimit?: number
  /** Other ways of running graphs (e.g. the compiler) that must agree with the reference interpreter. */
  readonly interpreters?: readonly Interpreter[]
  /** Only these laws (default: all that apply). */
  readonly laws?: readonly OpLawName[]
}

/** A fast-check property of one op law on one case, with its name. */
export interface NamedProperty {
  /** e.g. `relu [3,4] {}: vjp` */
  readonly name: string
  readonly law: OpLawName
  readonly property: fc.IProperty<[OpDraw]>
  /** Parameters to pass to `fc.assert` / `fc.check`. */
  readonly params: fc.Parameters<[OpDraw]>
}

/** Default case for ops that declare none: elementwise ops on [3,4]. */
function lawCases(op: OpDef): LawSpec['cases'] | undefined {
  if (op.law !== undefined) return op.law.cases
  if (op.kind === 'elementwise') return [{ shapes: Array.from({ length: op.arity }, () => [3, 4]), attrs: {} }]
  return undefined
}

/** Arbitrary draws for one case: arguments in their domains, directions, cotangents, coefficients. */
export function opDrawArb(op: OpDef, c: LawCase, margin = 0.05): fc.Arbitrary<OpDraw> {
  const out = outShape(op, c)
  const coef = fc.noBias(fc.integer({ min: -1000, max: 1000 })).map((i) => (i === 0 ? 0.5 : i / 250))
  return fc.record({
    args: fc.tuple(...c.shapes.map((s, i) => tensorArb(s, argDomain(op.law, i), margin))),
    v: fc.tuple(...c.shapes.map((s) => directionArb(s))),
    u: directionArb(out),
    u2: directionArb(out),
    w: fc.tuple(...c.shapes.map((s) => directionArb(s))),
    a: coef,
    b: coef,
  })
}

/** The op's `accept` holds at the drawn point and at every point of the difference stencil. */
export function acceptedAlongStencil(op: OpDef, c: LawCase, d: OpDraw, h: number): boolean {
  const accept = op.law?.accept
  if (accept === undefined) return true
  const ks = new Set(diffArgs(op))
  const at = (t: number): Tensor[] => d.args.map((x, k) => (ks.has(k) ? T.add(x, T.scale(d.v[k]!, t)) : x))
  return [0, h, -h, 2 * h, -2 * h].every((t) => accept(at(t), c.attrs))
}

function prop(name: string, law: OpLawName, arb: fc.Arbitrary<OpDraw>, check: (d: OpDraw) => LawResult, pre: (d: OpDraw) => boolean, o: OpLawOptions): NamedProperty {
  const property = fc.property(arb, (d) => {
    fc.pre(pre(d))
    const r = check(d)
    if (!r.ok) throw new Error(r.message)
  })
  const params: fc.Parameters<[OpDraw]> = {
    numRuns: o.numRuns ?? 25,
    // a failure that does not depend on the values (a missing rule) would otherwise shrink for long
    interruptAfterTimeLimit: o.timeLimit ?? 15_000,
    markInterruptAsFailure: true,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  }
  return { name, law, property, params }
}

/** One law of one case: its name and its check of a draw. */
interface CaseLaw {
  readonly name: string
  readonly law: OpLawName
  readonly check: (d: OpDraw) => LawResult
}
/** The draws of one case, which of them the stencil accepts, and the laws to check on them. */
interface CaseLaws {
  readonly arb: fc.Arbitrary<OpDraw>
  readonly accepted: (d: OpDraw) => boolean
  readonly laws: readonly CaseLaw[]
}

/** Per case of `op`: its draws and the checks of every law that applies (wanted by `o.laws`). */
function caseLaws(op: OpDef, o: OpLawOptions): CaseLaws[] {
  const want = new Set(o.laws ?? allOpLaws)
  const h = o.h ?? 1e-3
  if (op.arity === 0) {
    if (!want.has('shape')) return []
    return [[3, 4], [], [5]].map((shape) => ({
      arb: tensorArb(shape).map((t): OpDraw => ({ args: [t], v: [], u: t, u2: t, w: [], a: 1, b: 1 })),
      accepted: () => true,
      laws: [{ name: `${op.name} ${S.show(shape)}: shape`, law: 'shape', check: (d: OpDraw) => leafAgreesWithEval(op, shape, d.args[0]!) }],
    }))
  }
  const cases = lawCases(op)
  if (cases === undefined || cases.length === 0) {
    const missing = fc.constant<OpDraw>({ args: [], v: [], u: T.scalar(0), u2: T.scalar(0), w: [], a: 1, b: 1 })
    return [{ arb: missing, accepted: () => true, laws: [{ name: `${op.name}: law spec`, law: 'shape', check: () => ({ ok: false, message: `op '${op.name}' (${op.kind}) declares no law cases: add law.cases to its definition` }) }] }]
  }
  const derivative = op.vjp !== undefined && diffArgs(op).length > 0
  return cases.map((c): CaseLaws => {
    const tag = `${op.name} ${c.shapes.map(S.show).join(' ')} ${JSON.stringify(c.attrs)}`
    const laws: CaseLaw[] = []
    const add = (law: OpLawName, check: (d: OpDraw) => LawResult, name = `${tag}: ${law}`) => {
      if (want.has(law)) laws.push({ name, law, check })
    }
    add('shape', (d) => shapeAgreesWithEval(op, c, d.args))
    if (symbolicCase(op, c) !== undefined) add('symbolic', (d) => symbolicAgrees(op, c, d, o))
    for (const it of o.interpreters ?? []) {
      const outputs = interpreterGraph(op, c)
      let prepared: ReturnType<Interpreter['prepare']> | undefined
      const run: ReturnType<Interpreter['prepare']> = (b) => (prepared ??= it.prepare(outputs))(b)
      add('interpreters', (d) => interpreterAgrees(it.name, op, c, outputs, run, d, o), `${tag}: ${it.name} vs interpreter`)
    }
    if (derivative) {
      add('vjp', (d) => vjpAgreesWithDifferences(op, c, d, o))
      add('linearity', (d) => gradIsLinear(op, c, d, o))
      add('product', (d) => productRule(op, c, d, o))
      add('chain', (d) => chainRule(op, c, d, o))
      add('constant', (d) => constantHasZeroGradient(op, c, d))
      add('secondOrder', (d) => secondOrderAgrees(op, c, d, o))
    }
    return { arb: opDrawArb(op, c, o.margin), accepted: (d) => acceptedAlongStencil(op, c, d, h), laws }
  })
}

/** Named fast-check properties for every law that applies to `op`. */
export function opLaws(op: OpDef, o: OpLawOptions = {}): NamedProperty[] {
  return caseLaws(op, o).flatMap((c) => c.laws.map((l) => prop(l.name, l.law, c.arb, l.check, c.accepted, o)))
}

/**
 * Every law of `op` as one fast-check property, for a test file of your own:
 * `it('softsign', () => fc.assert(opLawsProperty(softsignOp), { numRuns: 50 }))`. Each run draws a
 * case and checks every law on the draw; a failure names the law.
 */
export function opLawsProperty(op: OpDef, o: OpLawOptions = {}): fc.IProperty<[readonly [number, OpDraw]]> {
  const cases = caseLaws(op, o)
  // no law applies (a leaf with `shape` left out): nothing to check
  const none: CaseLaws = { arb: fc.constant<OpDraw>({ args: [], v: [], u: T.scalar(0), u2: T.scalar(0), w: [], a: 1, b: 1 }), accepted: () => true, laws: [] }
  if (cases.length === 0) cases.push(none)
  const arb = fc.oneof(...cases.map((c, i) => c.arb.map((d): readonly [number, OpDraw] => [i, d])))
  return fc.property(arb, ([i, d]) => {
    const c = cases[i]!
    fc.pre(c.accepted(d))
    for (const l of c.laws) {
      const r = l.check(d)
      if (!r.ok) throw new Error(`${l.name}: ${r.message}`)
    }
  })
}

/** The outcome of one op law on one case: its name, law, whether it held, and the message. */
export interface LawRun {
  readonly name: string
  readonly law: OpLawName
  readonly ok: boolean
  readonly numRuns: number
  readonly numSkips: number
  /** The law's own message for the shrunk counterexample, when failed. */
  readonly error?: string
  /** fast-check's report (counterexample, seed, the law's message) when failed. */
  readonly message?: string
}

/** Runs every applicable law of `op` and returns one plain result per property. */
export function checkOpLaws(op: OpDef, o: OpLawOptions = {}): LawRun[] {
  return opLaws(op, o).map((p) => {
    const r = fc.check(p.property, p.params)
    const base = { name: p.name, law: p.law, ok: !r.failed, numRuns: r.numRuns, numSkips: r.numSkips }
    if (!r.failed) return base
    const error = r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance)
    return { ...base, error, message: fc.defaultReportMessage(r) ?? error }
  })
}

/** Throws an Error listing every failing law of `op` (for test runners). */
export function assertOpLaws(op: OpDef, o: OpLawOptions = {}): void {
  const bad = checkOpLaws(op, o).filter((r) => !r.ok)
  if (bad.length > 0) throw new Error(bad.map((r) => `${r.name}\n${r.message}`).join('\n\n'))
}

/** The laws of every op of a registry (a value: the built-ins plus yours), by op name. */
export function registryLaws(reg: Registry.Registry, o: OpLawOptions = {}): ReadonlyMap<string, NamedProperty[]> {
  return new Map(Registry.list(reg).map((op) => [op.name, opLaws(op, o)]))
}
