/**
 * Interval rules of the built-in elementwise ops and leaves for the hazard analysis, a table keyed
 * by op record (stages switch on records, never names; `withRangeRules` adds rules for ops of your
 * own). A rule gives the range of a node from its arguments' ranges and lists the hazards those
 * ranges allow: overflow past the format's largest value, log / division / sqrt / pow at or
 * across 0, cancellation, an infinite derivative. An op without a rule gets an unknown
 * (unbounded) range, never an error. Reductions, movement and the rest: rangeRulesTensor.ts.
 */
import type { Expr, OpDef } from '../core/Expr.js'
import type { Dim } from '../core/Shape.js'
import * as ops from '../ops/builtins.js'
import * as I from './intervals.js'
import type { DtypeLimits, Interval } from './intervals.js'

/**
 * What goes wrong: a finite result past the format's largest value, log/division/sqrt/pow at or
 * across 0, digits lost in x − y, a derivative that is infinite at a reachable point, a constant that rounds to 0.
 */
export type HazardKind = 'overflow' | 'at or across 0' | 'cancellation' | 'infinite derivative' | 'underflow'
/** The pass a hazard hits: evaluation, the gradient, or both. */
export type Pass = 'forward' | 'backward' | 'forward and backward'

/** One hazard a rule sees in its arguments' ranges. */
export interface Finding {
  readonly kind: HazardKind
  readonly pass: Pass
  /** The argument values that trigger it, e.g. `x > 88.72`. */
  readonly trigger: string
  /** Why, in one line. */
  readonly why: string
}

/** What a range rule sees of a node: the node, its arguments' ranges and the format's limits. */
export interface RangeCtx {
  readonly node: Expr
  readonly args: readonly Interval[]
  readonly limits: DtypeLimits
  /** The number of elements over these dims (a symbolic dim is 1 up to its bound). */
  readonly count: (dims: readonly Dim[]) => Interval
  /** The range given for a leaf, by name. */
  readonly given: (name: string) => Interval | undefined
  /** The range of a node analyzed before this one (an argument's argument: log(1 + x) reads x's). */
  readonly rangeOf: (e: Expr) => Interval | undefined
}

/** The interval rule of one op for the hazard analysis. */
export interface RangeRule {
  /** The range of the node's value from its arguments' ranges (wide enough to hold every element). */
  readonly range: (c: RangeCtx) => Interval
  /** The hazards those argument ranges allow (none when absent). */
  readonly hazards?: (c: RangeCtx) => readonly Finding[]
}

/** Range rules keyed by op record (see `builtinRangeRules`, `withRangeRules`). */
export type RangeTable = ReadonlyMap<OpDef, RangeRule>

const num = I.showNumber

/** Overflow when every argument is finite but the result passes the format's largest value. */
export function overflowed(c: RangeCtx, r: Interval, what: string): Finding[] {
  if (!c.args.every(I.isFiniteInterval) || I.magnitude(r) <= c.limits.max) return []
  return [{ kind: 'overflow', pass: 'forward and backward', trigger: c.args.map(I.showInterval).join(', '), why: `${what} reaches ${num(I.magnitude(r))}, past the largest ${c.limits.dtype} (${num(c.limits.max)})` }]
}

/** Rules whose hazards are the overflow of their own range. */
export function checked(range: (c: RangeCtx) => Interval, what: string): RangeRule {
  return { range, hazards: (c) => overflowed(c, range(c), what) }
}

const simple = (range: (c: RangeCtx) => Interval): RangeRule => ({ range })
const unary = (f: (a: Interval) => Interval): RangeRule => simple((c) => f(c.args[0]!))

const strip = (e: Expr): Expr => (e.op === ops.broadcastToOp || e.op === ops.reshapeOp ? strip(e.args[0]!) : e)
/** x − broadcast(lse(x)) and x − broadcast(max(x)) are ≤ 0 (log-softmax and the max shift). */
function shiftedByOwnTop(n: Expr): boolean {
  const r = strip(n.args[1]!)
  return (r.op === ops.logSumExpOp || r.op === ops.maxOp) && r.args[0] === n.args[0]
}
/** x / broadcast(Σx) for x ≥ 0 (a softmax written by hand): in [lo/(k·hi), 1], not x's range over Σx's. */
function shareOfSum(c: RangeCtx): Interval | undefined {
  const [x, d] = c.node.args as [Expr, Expr]
  const s = strip(d)
  const a = c.args[0]!
  if (s.op !== ops.sumOp || s.args[0] !== x || a.lo < 0) return undefined
  const k = c.count((s.attrs['axes'] as readonly number[]).map((i) => x.shape[i]!))
  return { lo: a.hi === 0 || !Number.isFinite(a.hi) ? 0 : Math.min(1, a.lo / (k.hi * a.hi)), hi: 1 }
}
const isConstant = (e: Expr): boolean => e.op.lowering === 'data' && e.op.arity === 0 && e.op !== ops.inputOp && e.op !== ops.paramOp
/** Where half the digits of x − y are gone: |x|, |y| ≥ 1/√ε with ranges that meet. */
function cancels(c: RangeCtx): Finding[] {
  const [a, b] = c.args as [Interval, Interval]
  const n = c.node
  if (shiftedByOwnTop(n) || n.args.some(isConstant) || n.args.some((x) => x.op.arity === 0)) return []
  if (!I.isFiniteInterval(a) || !I.isFiniteInterval(b) || !I.overlaps(a, b)) return []
  const m = Math.max(I.magnitude(a), I.magnitude(b))
  if (m * Math.sqrt(c.limits.eps) < 1) return []
  return [{ kind: 'cancellation', pass: 'forward', trigger: `${I.showInterval(a)} − ${I.showInterval(b)}`, why: `x − y of ranges that meet, up to ${num(m)}: the difference can be near 0 while each side carries an error of ${num(m * c.limits.eps)}` }]
}
/** |x| below √ε is possible: 1 + x keeps at most half of x's digits. */
const small = (a: Interval, l: DtypeLimits): boolean => I.overlaps(a, { lo: -Math.sqrt(l.eps), hi: Math.sqrt(l.eps) })
const oneArg = (n: Expr): Expr | undefined =>
  n.op === ops.addOp ? (ops.constValue(n.args[0]!) === 1 ? n.args[1] : ops.constValue(n.args[1]!) === 1 ? n.args[0] : undefined) : undefined

const expOverflow = (name: string) => (c: RangeCtx): Finding[] =>
  c.args[0]!.hi > c.limits.lnMax ? [{ kind: 'overflow', pass: 'forward and backward', trigger: `x > ${num(c.limits.lnMax)}`, why: `${name}(x) passes the largest ${c.limits.dtype} for x > ${num(c.limits.lnMax)} (x ∈ ${I.showInterval(c.args[0]!)})` }] : []

function logHazards(c: RangeCtx): Finding[] {
  const a = c.args[0]!
  const out: Finding[] = []
  if (a.lo <= 0) out.push({ kind: 'at or across 0', pass: 'forward and backward', trigger: a.lo < 0 ? 'x ≤ 0' : 'x = 0', why: `log(x) is ${a.lo < 0 ? 'NaN for x < 0 and ' : ''}−∞ at x = 0, and its derivative 1/x is infinite there (x ∈ ${I.showInterval(a)})` })
  const inner = oneArg(c.node.args[0]!)
  const r = inner !== undefined ? c.rangeOf(inner) : undefined
  if (r !== undefined && small(r, c.limits)) out.push({ kind: 'cancellation', pass: 'forward', trigger: `|x| < ${num(Math.sqrt(c.limits.eps))}`, why: `log(1 + x) keeps at most half of x's digits for |x| < ${num(Math.sqrt(c.limits.eps))} and none below ${num(c.limits.eps)} (x ∈ ${I.showInterval(r)})` })
  return out
}

function powHazards(c: RangeCtx): Finding[] {
  const a = c.args[0]!
  const p = c.node.attrs['p'] as number
  const out: Finding[] = []
  if (!Number.isInteger(p) && a.lo < 0) out.push({ kind: 'at or across 0', pass: 'forward and backward', trigger: 'x < 0', why: `pow(x, ${p}) is NaN for x < 0 (x ∈ ${I.showInterval(a)})` })
  if (I.contains(a, 0) && p < 0) out.push({ kind: 'at or across 0', pass: 'forward and backward', trigger: 'x = 0', why: `pow(x, ${p}) is infinite at x = 0 (x ∈ ${I.showInterval(a)})` })
  else if (I.contains(a, 0) && p > 0 && p < 1) out.push({ kind: 'infinite derivative', pass: 'backward', trigger: 'x = 0', why: `d pow(x, ${p}) = ${p}·x^${num(p - 1)} is infinite at x = 0 (x ∈ ${I.showInterval(a)})` })
  return [...out, ...overflowed(c, I.pow(a, p), `pow(x, ${p})`)]
}

const leafRange = (c: RangeCtx): Interval => c.given(c.node.attrs['name'] as string) ?? I.unbounded

export const elementwiseRangeRules: readonly (readonly [OpDef, RangeRule])[] = [
  [ops.inputOp, simple(leafRange)],
  [ops.paramOp, simple(leafRange)],
  [ops.constOp, {
    range: (c) => I.point(c.limits.round(c.node.attrs['value'] as number)),
    hazards: (c) => {
      const v = c.node.attrs['value'] as number
      const r = c.limits.round(v)
      if (Number.isFinite(v) && !Number.isFinite(r)) return [{ kind: 'overflow', pass: 'forward', trigger: `${num(v)}`, why: `the constant ${num(v)} is past the largest ${c.limits.dtype}` }]
      if (v !== 0 && r === 0) return [{ kind: 'underflow', pass: 'forward', trigger: `${num(v)}`, why: `the constant ${num(v)} rounds to 0 in ${c.limits.dtype}` }]
      return []
    },
  }],
  [ops.tensorOp, simple((c) => {
    const d = c.node.value?.data
    if (d === undefined || d.length === 0) return I.unbounded
    let lo = Infinity
    let hi = -Infinity
    for (const v of d) (lo = Math.min(lo, c.limits.round(v))), (hi = Math.max(hi, c.limits.round(v)))
    return I.interval(lo, hi)
  })],
  [ops.addOp, checked((c) => I.add(c.args[0]!, c.args[1]!), 'x + y')],
  [ops.subOp, {
    range: (c) => {
      const r = I.sub(c.args[0]!, c.args[1]!)
      return shiftedByOwnTop(c.node) ? { lo: r.lo, hi: Math.min(r.hi, 0) } : r
    },
    hazards: (c) => {
      const [e, one] = c.node.args as [Expr, Expr]
      const x = e.op === ops.expOp && ops.constValue(one) === 1 ? c.args[0]! : undefined
      const expm1 = x !== undefined && I.overlaps(x, { lo: 1 - Math.sqrt(c.limits.eps), hi: 1 + Math.sqrt(c.limits.eps) })
        ? [{ kind: 'cancellation' as const, pass: 'forward' as const, trigger: `x near 0`, why: `eˣ − 1 keeps at most half of x's digits for |x| < ${num(Math.sqrt(c.limits.eps))} (eˣ ∈ ${I.showInterval(x)})` }]
        : []
      return [...expm1, ...cancels(c), ...overflowed(c, I.sub(c.args[0]!, c.args[1]!), 'x − y')]
    },
  }],
  // x·x is a square: its range starts at 0, not at −max|x|²
  [ops.mulOp, checked((c) => (c.node.args[0] === c.node.args[1] ? I.square(c.args[0]!) : I.mul(c.args[0]!, c.args[1]!)), 'x·y')],
  [ops.divOp, {
    range: (c) => shareOfSum(c) ?? I.div(c.args[0]!, c.args[1]!),
    hazards: (c) => {
      const b = c.args[1]!
      if (I.contains(b, 0)) return [{ kind: 'at or across 0', pass: 'forward and backward', trigger: 'y = 0', why: `x / y with y ∈ ${I.showInterval(b)}: infinite or NaN at y = 0, and so is its derivative` }]
      return shareOfSum(c) !== undefined ? [] : overflowed(c, I.div(c.args[0]!, b), 'x / y')
    },
  }],
  [ops.maximumOp, simple((c) => I.interval(Math.max(c.args[0]!.lo, c.args[1]!.lo), Math.max(c.args[0]!.hi, c.args[1]!.hi)))],
  [ops.minimumOp, simple((c) => I.interval(Math.min(c.args[0]!.lo, c.args[1]!.lo), Math.min(c.args[0]!.hi, c.args[1]!.hi)))],
  [ops.negOp, unary(I.neg)],
  [ops.squareOp, checked((c) => I.square(c.args[0]!), 'x²')],
  [ops.powOp, { range: (c) => I.pow(c.args[0]!, c.node.attrs['p'] as number), hazards: powHazards }],
  [ops.absOp, unary(I.abs)],
  [ops.expOp, { range: (c) => I.monotone(c.args[0]!, Math.exp), hazards: expOverflow('exp') }],
  [ops.expm1Op, { range: (c) => I.monotone(c.args[0]!, Math.expm1), hazards: expOverflow('expm1') }],
  [ops.logOp, {
    range: (c) => I.monotone({ lo: Math.max(c.args[0]!.lo, 0), hi: Math.max(c.args[0]!.hi, 0) }, Math.log),
    hazards: logHazards,
  }],
  [ops.log1pOp, {
    range: (c) => I.monotone({ lo: Math.max(c.args[0]!.lo, -1), hi: Math.max(c.args[0]!.hi, -1) }, Math.log1p),
    hazards: (c) => (c.args[0]!.lo <= -1 ? [{ kind: 'at or across 0', pass: 'forward and backward', trigger: 'x ≤ −1', why: `log1p(x) is −∞ at x = −1 (NaN below) and its derivative infinite (x ∈ ${I.showInterval(c.args[0]!)})` }] : []),
  }],
  [ops.sqrtOp, {
    range: (c) => I.monotone({ lo: Math.max(c.args[0]!.lo, 0), hi: Math.max(c.args[0]!.hi, 0) }, Math.sqrt),
    hazards: (c) => {
      const a = c.args[0]!
      if (a.lo < 0) return [{ kind: 'at or across 0', pass: 'forward and backward', trigger: 'x < 0', why: `sqrt(x) is NaN for x < 0 (x ∈ ${I.showInterval(a)})` }]
      return a.lo === 0 ? [{ kind: 'infinite derivative', pass: 'backward', trigger: 'x = 0', why: `d sqrt(x) = 1/(2·sqrt(x)) is infinite at x = 0 (x ∈ ${I.showInterval(a)})` }] : []
    },
  }],
  [ops.tanhOp, unary((a) => I.monotone(a, Math.tanh))],
  [ops.sigmoidOp, unary((a) => I.monotone(a, ops.sigmoidScalar))],
  [ops.softplusOp, unary((a) => I.monotone(a, ops.softplusScalar))],
  [ops.reluOp, unary((a) => I.interval(Math.max(a.lo, 0), Math.max(a.hi, 0)))],
  ...[ops.gtOp, ops.geOp, ops.ltOp, ops.leOp, ops.eqOp, ops.stepOp].map((op) => [op, simple(() => I.unitInterval)] as const),
  [ops.signOp, unary((a) => I.interval(Math.sign(a.lo), Math.sign(a.hi)))],
  [ops.whereOp, simple(({ args: [c, a, b] }) => (c!.lo === 1 && c!.hi === 1 ? a! : c!.lo === 0 && c!.hi === 0 ? b! : I.union(a!, b!)))],
]
