/**
 * The hazard analysis on graphs with a known hazard: each is found (op, kind, the formats it occurs
 * in), and its rewritten form — by the stable rewrites of simplify, or by hand where no rewrite
 * applies — analyzes clean. The library's own layers and losses analyze clean too.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Expr } from '../src/core/Expr.js'
import * as ops from '../src/ops/index.js'
import { analyze, builtinRangeRules, formatHazards, withRangeRules, type AnalyzeOptions } from '../src/compile/analyze.js'
import { apply } from '../src/core/Expr.js'
import { simplify } from '../src/compile/simplify.js'
import { defineOp } from '../src/ops/Op.js'
import { unaryOp } from '../src/ops/pointwise.js'
import { call } from '../src/ops/Op.js'
import * as T from '../src/core/Tensor.js'
import { softmaxCrossEntropy, svmLoss } from '../src/nn/losses.js'
import { activate, activationNames } from '../src/nn/activations.js'
import { builtinLayerRegistries, builtinLayers } from '../src/nn/builtinLayers.js'
import { exampleModel } from '../laws/layerLaws.js'
import { checkModel, observedRange } from '../src/train/hazards.js'
import { sequential, dense, relu, batchNorm, dropout, layerNorm } from '../src/nn/index.js'
import { center } from '../src/nn/layers.js'
import { fitStateOrThrow } from '../src/nn/fit.js'
import * as R from '../src/core/Random.js'

const s = ops.input('s', ['N', 5])
const y = ops.input('y', ['N'])
const x = ops.input('x', ['N', 4])
const up = (r: Expr, of: Expr) => ops.broadcastTo(ops.keepShape(r, of.shape, [1]), of.shape)
const naiveSoftmax = (z: Expr) => ops.div(ops.exp(z), up(ops.sum(ops.exp(z), [1]), z))
const unit = { lo: 0, hi: 1 }

interface Case {
  readonly name: string
  readonly graph: () => Expr
  readonly options?: AnalyzeOptions
  /** [op, kind, float32 only?] of each hazard that must be found. */
  readonly finds: readonly (readonly [string, string, boolean?])[]
  /** The graph without the hazard; default: simplify's stable rewrites of `graph`. */
  readonly fixed?: () => Expr
  /** Options for the fixed graph (default `options`). */
  readonly fixedOptions?: AnalyzeOptions
  /** The rewrite the analysis must suggest. */
  readonly rewrite?: string
}

const batchNormNoEps = (z: Expr, eps: number) => {
  const mu = ops.mean(z, [0])
  const c = ops.sub(z, ops.broadcastTo(ops.reshape(mu, [1, 4]), z.shape))
  const v = ops.mean(ops.square(c), [0])
  return ops.sum(ops.div(c, ops.broadcastTo(ops.reshape(ops.sqrt(eps === 0 ? v : ops.add(v, eps)), [1, 4]), z.shape)))
}

const cases: readonly Case[] = [
  { name: 'naive softmax cross-entropy', graph: () => ops.neg(ops.mean(ops.gatherLabel(ops.log(naiveSoftmax(s)), y))), finds: [['exp', 'overflow'], ['div', 'at or across 0'], ['log', 'at or across 0']], rewrite: 'log∘softmax → logSoftmax' },
  { name: 'log(sigmoid(x))', graph: () => ops.sum(ops.log(ops.sigmoid(x))), finds: [['log', 'at or across 0']], rewrite: 'log(sigmoid) → −softplus(−x)' },
  { name: 'sqrt(sum(x²)) at 0', graph: () => ops.sum(ops.sqrt(ops.sum(ops.square(x), [1]))), finds: [['sqrt', 'infinite derivative']], rewrite: '√(Σx²) → norm' },
  { name: 'sqrt(x²)', graph: () => ops.sum(ops.sqrt(ops.mul(x, x))), options: { ranges: { x: { lo: -1, hi: 1 } } }, finds: [['sqrt', 'infinite derivative']], rewrite: 'sqrt(x²) → abs' },
  { name: 'batch norm with a constant feature (no ε)', graph: () => batchNormNoEps(x, 0), options: { ranges: { x: { lo: 3, hi: 3 } } }, finds: [['div', 'at or across 0'], ['sqrt', 'infinite derivative']], fixed: () => batchNormNoEps(x, 1e-5) },
  { name: 'exp in float32 at 100', graph: () => ops.mean(ops.exp(x)), options: { ranges: { x: { lo: 0, hi: 100 } } }, finds: [['exp', 'overflow', true]], fixed: () => ops.mean(ops.exp(ops.minimum(x, 80))) },
  { name: 'log(Σ exp(x))', graph: () => ops.sum(ops.log(ops.sum(ops.exp(s), [1]))), finds: [['exp', 'overflow']], rewrite: 'log(Σ exp) → logSumExp' },
  { name: 'log(1 + x) for small x', graph: () => ops.sum(ops.log(ops.add(1, x))), options: { ranges: { x: { lo: 0, hi: 1e-3 } } }, finds: [['log', 'cancellation']], rewrite: 'log(1 + x) → log1p' },
  { name: 'exp(x) − 1 for small x', graph: () => ops.sum(ops.sub(ops.exp(x), 1)), options: { ranges: { x: { lo: -1e-3, hi: 1e-3 } } }, finds: [['sub', 'cancellation']], rewrite: 'exp(x) − 1 → expm1' },
  { name: '1/(1 + exp(−x))', graph: () => ops.sum(ops.div(1, ops.add(1, ops.exp(ops.neg(x))))), finds: [['exp', 'overflow']], rewrite: 'a/(1 + exp(−u)) → a·σ(u)' },
  { name: 'division across 0', graph: () => ops.sum(ops.div(1, x)), options: { ranges: { x: { lo: -1, hi: 1 } } }, finds: [['div', 'at or across 0']], fixed: () => ops.sum(ops.div(1, ops.add(ops.square(x), 1))) },
  { name: 'abs-power |x|^0.5 at 0', graph: () => ops.sum(ops.pow(ops.abs(x), 0.5)), options: { ranges: { x: unit } }, finds: [['pow', 'infinite derivative']], fixed: () => ops.sum(ops.pow(ops.add(ops.abs(x), 1e-6), 0.5)) },
  { name: 'pow(x, −1) at 0', graph: () => ops.sum(ops.pow(x, -1)), options: { ranges: { x: unit } }, finds: [['pow', 'at or across 0']], fixed: () => ops.sum(ops.pow(ops.add(x, 1), -1)) },
  { name: 'sqrt across 0', graph: () => ops.sum(ops.sqrt(x)), options: { ranges: { x: { lo: -1, hi: 1 } } }, finds: [['sqrt', 'at or across 0']], fixed: () => ops.sum(ops.sqrt(ops.add(ops.square(x), 1))) },
  { name: 'log of raw pixels (0 included)', graph: () => ops.sum(ops.log(x)), options: { ranges: { x: { lo: 0, hi: 255 } } }, finds: [['log', 'at or across 0']], fixed: () => ops.sum(ops.log(ops.add(x, 0.5))) },
  {
    name: 'variance as E[x²] − E[x]² with a large offset',
    graph: () => ops.sum(ops.sub(ops.mean(ops.square(x), [0]), ops.square(ops.mean(x, [0])))),
    options: { ranges: { x: { lo: 1e4, hi: 1e4 + 1 } } },
    finds: [['sub', 'cancellation']],
    fixed: () => ops.sum(ops.mean(ops.square(ops.sub(x, ops.broadcastTo(ops.reshape(ops.mean(x, [0]), [1, 4]), x.shape))), [0])),
  },
  { name: 'product past float32', graph: () => ops.mean(ops.mul(x, x)), options: { ranges: { x: { lo: 0, hi: 1e20 } } }, finds: [['mul', 'overflow', true]], fixed: () => ops.mean(ops.mul(x, x)), fixedOptions: { ranges: { x: { lo: 0, hi: 1e15 } } } },
  { name: 'matmul past float32', graph: () => ops.mean(ops.matmul(x, ops.param('W', [4, 3]))), options: { ranges: { x: { lo: 0, hi: 1e37 }, W: { lo: -10, hi: 10 } } }, finds: [['matmul', 'overflow', true]], fixed: () => ops.mean(ops.matmul(ops.mul(x, 1e-10), ops.param('W', [4, 3]))) },
  { name: 'ε = 1e-50 in float32', graph: () => ops.sum(ops.div(1, ops.add(x, 1e-50))), options: { ranges: { x: unit } }, finds: [['const', 'underflow', true], ['div', 'at or across 0', true]], fixed: () => ops.sum(ops.div(1, ops.add(x, 1e-6))) },
]

describe('hazard analysis: known hazards', () => {
  it('has at least 15 graphs', () => expect(cases.length).toBeGreaterThanOrEqual(15))
  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    it('finds each hazard, with the formats it occurs in', () => {
      const a = analyze([c.graph()], c.options)
      for (const [op, kind, only32] of c.finds) {
        const h = a.hazards.find((z) => z.op === op && z.kind === kind)
        expect(h, `${op} ${kind} in:\n${formatHazards(a)}`).toBeDefined()
        if (only32 === true) expect(h!.dtypes).toEqual(['float32'])
        else expect(h!.dtypes).toContain('float64')
        expect(h!.args.length).toBe(h!.node.args.length)
      }
      if (c.rewrite !== undefined) expect(a.hazards.map((h) => h.rewrite?.name)).toContain(c.rewrite)
    })
    it('finds nothing in the rewritten graph', () => {
      const s2 = simplify([c.graph()])
      if (c.rewrite !== undefined) expect(s2.fired.map((f) => f.rule)).toContain(c.rewrite)
      const fixed = c.fixed !== undefined ? c.fixed() : s2.exprs[0]!
      const a = analyze([fixed], c.fixedOptions ?? c.options)
      expect(a.hazards, formatHazards(a)).toEqual([])
    })
  })
})

describe('hazard analysis: ranges', () => {
  it('gives every node a value range and the loss inputs a gradient range', () => {
    const loss = softmaxCrossEntropy(s, y)
    const a = analyze([loss], { ranges: { s: { lo: -3, hi: 3 } } })
    expect(a.ranges.get(loss.id)!.value.lo).toBeGreaterThanOrEqual(0)
    const g = a.ranges.get(s.id)!.grad!
    expect(Number.isFinite(g.lo) && Number.isFinite(g.hi)).toBe(true)
  })
  it('takes an op without a range rule as unknown (unbounded), not an error, and a rule given for it', () => {
    const twice = unaryOp({ name: 'twiceX', f: (v) => 2 * v, vjp: ({ cot }) => ops.mul(cot, 2), notation: call('twiceX', 'twiceX') })
    const g = ops.sum(ops.exp(apply(twice, [ops.tanh(x)])))
    const a = analyze([g])
    expect(a.unknownOps).toEqual(['twiceX'])
    expect(a.hazards.map((h) => h.op)).toEqual(['exp'])
    const known = analyze([g], { rules: withRangeRules(builtinRangeRules, [[twice, { range: (c) => ({ lo: 2 * c.args[0]!.lo, hi: 2 * c.args[0]!.hi }) }]]) })
    expect(known.unknownOps).toEqual([])
    expect(known.hazards).toEqual([])
  })
  it('suffers no op kind to crash: every built-in op has a rule', () => {
    const rules = builtinRangeRules
    for (const op of ops.builtinOps) expect(rules.has(op), op.name).toBe(true)
  })
  it('reads a tensor constant by its values', () => {
    const c = ops.tensor({ shape: [2], data: Float64Array.of(-1, 800) })
    const a = analyze([ops.sum(ops.exp(c))])
    expect(a.hazards.map((h) => `${h.op} ${h.kind}`)).toEqual(['exp overflow'])
  })
  it('refuses no graph without params or inputs to differentiate: notes it instead', () => {
    expect(analyze([ops.exp(ops.constant(1000))]).gradientNote).toBeDefined()
  })
})

describe('hazard analysis: the library analyzes clean', () => {
  it.each(['softmax', 'svm'] as const)('the %s loss', (kind) => {
    const loss = kind === 'svm' ? svmLoss(s, y) : softmaxCrossEntropy(s, y)
    expect(formatHazards(analyze([loss], { ranges: { y: { lo: 0, hi: 4 } } }))).toBe('hazards: none found')
  })
  it.each(activationNames.map((n) => [n]))('the %s activation', (name) => {
    expect(formatHazards(analyze([ops.sum(activate(name, s))]))).toBe('hazards: none found')
  })
  it.each([...builtinLayers.defs.values()].map((d) => [d.kind, d] as const))('the %s layer (train and inference forms)', (_, def) => {
    const m = exampleModel(def, builtinLayerRegistries)
    expect(formatHazards(checkModel(m, { loss: (z) => ops.sum(z) }).analysis)).toBe('hazards: none found')
  })
  it('an MLP with batch norm, dropout and layer norm, on data in [0, 1] and unbounded', () => {
    const m = sequential(dense(4, 8), batchNorm(), relu, dropout({ keep: 0.5 }), dense(8, 6), layerNorm(), relu, dense(6, 3))
    for (const xr of [unit, undefined]) expect(formatHazards(checkModel(m, xr ? { x: xr } : {}).analysis)).toBe('hazards: none found')
  })
})

describe('hazard analysis: the data and the state it starts from', () => {
  it('observedRange is the smallest and largest entry; NaN anywhere gives NaN; nothing gives unbounded', () => {
    expect(observedRange(T.make([2, 3], [0.5, -2, 7, 0, 3, 1]))).toEqual({ lo: -2, hi: 7 })
    expect(observedRange(T.make([3], [1, NaN, 2]))).toEqual({ lo: NaN, hi: NaN })
    expect(observedRange(T.make([2], [-Infinity, 4]))).toEqual({ lo: -Infinity, hi: 4 })
    expect(observedRange(T.make([3], [Infinity, 2, NaN]))).toEqual({ lo: NaN, hi: NaN })
    expect(observedRange({ shape: [0, 3], data: new Float64Array(0) })).toEqual({ lo: -Infinity, hi: Infinity })
  })
  it('observedRange (four entries at a time) agrees with the entry-by-entry min and max for any length, NaN or infinity anywhere', () => {
    const entry = fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e300))
    fc.assert(fc.property(fc.array(entry, { maxLength: 23 }), (xs) => {
      const want = xs.length === 0 ? { lo: -Infinity, hi: Infinity } : xs.some(Number.isNaN) ? { lo: NaN, hi: NaN } : { lo: Math.min(...xs), hi: Math.max(...xs) }
      const got = observedRange({ shape: [xs.length], data: Float64Array.from(xs) })
      expect(got.lo === want.lo || (Number.isNaN(got.lo) && Number.isNaN(want.lo))).toBe(true)
      expect(got.hi === want.hi || (Number.isNaN(got.hi) && Number.isNaN(want.hi))).toBe(true)
    }), { numRuns: 2000 })
  })
  it('a state given (fitted already, as a run has it) analyzes as fitting on the same rows does', () => {
    const m = sequential({ input: [4] }, center(), dense(4, 8), batchNorm(), relu, dense(8, 3))
    const rows = T.make([3, 4], [0, 1, 0.5, 0.25, 1, 0, 0.75, 0.5, 0.5, 0.5, 0, 1])
    const init = m.init(R.key(0))
    const fitted = fitStateOrThrow(m, init.params, init.state, rows)
    const byFit = checkModel(m, { x: unit, fitOn: rows })
    const byState = checkModel(m, { x: unit, state: fitted })
    expect(byState.ranges).toEqual(byFit.ranges)
    expect(byState.ranges['center0.mean']).toEqual(observedRange(fitted['center0.mean']!))
    expect(formatHazards(byState.analysis)).toBe(formatHazards(byFit.analysis))
  })
})

// a user op of arity 2 without a rule and without a vjp analyzes too
describe('hazard analysis: user ops', () => {
  it('an op without a vjp leaves the gradients out and says why', () => {
    const noGrad = defineOp({ name: 'pairMax', arity: 2, shape: ([a]) => a!, eval: ([a, b]) => T.zipWith(a!, b!, Math.max), notation: call('pairMax', 'pairMax') })
    const a = analyze([ops.sum(apply(noGrad, [x, x]))])
    expect(a.gradientNote).toMatch(/pairMax/)
    expect(a.unknownOps).toEqual(['pairMax'])
  })
})
