/**
 * The law suites themselves: they pass on correct ops and models, and each law catches the kind of
 * bug it is for (a wrong vjp, a wrong shape rule, a mutating eval, a silent zero derivative,
 * a wrong second derivative, a missing law spec).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import type { Expr, OpDef, VjpCtx } from '../src/core/Expr.js'
import { apply } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { call, defineOp } from '../src/ops/Op.js'
import { evaluate } from '../src/eval/evaluate.js'
import {
  add, gatherLabel, input, logSoftmax, matmul, mean, mul, neg, param, relu, reluOp, sigmoid, square, tanh, tanhOp, whereOp,
} from '../src/ops/index.js'
import {
  allowedIntervals,
  assertOpLaws,
  checkOpLaws,
  mapToIntervals,
  modelLaws,
  opLaws,
  opLawsProperty,
  shapeAgreesWithEval,
  tensorArb,
  type Interpreter,
  type LawRun,
} from '../laws/index.js'

/** A unary elementwise op from a scalar function and a vjp rule. */
function unary(name: string, f: (x: number) => number, vjp: ((c: VjpCtx) => (Expr | null)[]) | undefined, extra: Partial<OpDef> = {}): OpDef {
  return defineOp({
    name,
    arity: 1,
    kind: 'elementwise',
    shape: ([s]) => s!,
    eval: ([t]) => T.map(t!, f),
    ...(vjp ? { vjp } : {}),
    notation: call(name, name),
    ...extra,
  })
}
const failed = (rs: LawRun[]) => rs.filter((r) => !r.ok).map((r) => r.law)
const quick = { numRuns: 10 }

// cube x = x³ written with a helper op for 3x², whose own derivative can be right or wrong
const threeSqGood = unary('threeSq', (x) => 3 * x * x, ({ args: [a], cot }) => [mul(cot, mul(6, a!))])
const threeSqBad = unary('threeSqBad', (x) => 3 * x * x, ({ args: [a], cot }) => [mul(cot, mul(5, a!))])
const cube = (helper: OpDef) => unary('cube', (x) => x ** 3, ({ args: [a], cot }) => [mul(cot, apply(helper, [a!]))])

describe('op laws catch what they are for', () => {
  it('a correct op passes every law', () => {
    const rs = checkOpLaws(cube(threeSqGood), quick)
    expect(rs.map((r) => r.law)).toEqual(['shape', 'symbolic', 'vjp', 'linearity', 'product', 'chain', 'constant', 'secondOrder'])
    expect(failed(rs)).toEqual([])
  })

  it('a wrong vjp fails the vjp law with a message naming the op and both values', () => {
    const sin2 = unary('sinWrong', Math.sin, ({ args: [a], cot }) => [mul(cot, mul(2, tanh(a!)))])
    const rs = checkOpLaws(sin2, quick)
    expect(failed(rs)).toContain('vjp')
    const vjp = rs.find((r) => r.law === 'vjp')!
    expect(vjp.error).toMatch(/^sinWrong \[3,4\] \{\}: vjp vs central differences: ⟨J·v,u⟩ = \S+ by differences, ⟨v,Jᵀ·u⟩ = \S+ by the vjp/)
  })

  it('a wrong second derivative passes the first-order laws but fails the second-order law', () => {
    const rs = checkOpLaws(cube(threeSqBad), quick)
    expect(failed(rs)).toEqual(['secondOrder'])
  })

  it('a vjp returning null (zero) for a smooth function fails: zero derivatives are checked too', () => {
    const rs = checkOpLaws(unary('flatExp', Math.exp, () => [null]), { ...quick, laws: ['vjp'] })
    expect(failed(rs)).toEqual(['vjp'])
  })

  it('a shape rule that disagrees with evaluation fails the shape law', () => {
    const bad = defineOp({ ...threeSqGood, name: 'badShape', shape: ([s]) => [...s!, 1] })
    const rs = checkOpLaws(bad, { ...quick, laws: ['shape'] })
    expect(rs[0]!.error).toBe('badShape [3,4] {}: shape rule vs evaluation: threw badShape: eval returned a tensor of shape [3,4], its shape rule says [3,4,1]')
  })

  it('an eval that mutates its argument fails the shape law', () => {
    const mut = unary('mutating', (x) => x, undefined, {
      eval: ([t]) => {
        t!.data[0] = 42
        return t!
      },
    })
    const rs = checkOpLaws(mut, quick)
    expect(rs[0]!.error).toBe('mutating [3,4] {}: shape rule vs evaluation: evaluation mutated argument 1')
  })

  it('an op that is not elementwise and declares no law cases fails, saying what to add', () => {
    const bare = defineOp({ ...threeSqGood, name: 'bare', kind: 'movement', law: undefined })
    const rs = checkOpLaws(bare, quick)
    expect(rs[0]!.error).toBe("op 'bare' (movement) declares no law cases: add law.cases to its definition")
  })

  it('ops without a vjp get the shape laws only; leaves get the leaf law on three shapes', () => {
    expect(opLaws(unary('noRule', Math.cos, undefined)).map((p) => p.law)).toEqual(['shape', 'symbolic'])
    const leaf = checkOpLaws(param('p', [1]).op, quick)
    expect(leaf.map((r) => r.name)).toEqual(['param [3,4]: shape', 'param []: shape', 'param [5]: shape'])
    expect(failed(leaf)).toEqual([])
  })

  it('nondiff and label arguments are left out of the derivative laws', () => {
    // gatherLabel: labels drawn as integers in [0, C), only the scores are differentiated
    const rs = checkOpLaws(gatherLabel(input('s', [2, 3]), input('y', [2])).op, quick)
    expect(failed(rs)).toEqual([])
    // where: the condition is drawn away from 0 and has a zero derivative, checked numerically
    expect(failed(checkOpLaws(whereOp, quick))).toEqual([])
  })

  it('kinks: relu passes with its awayFrom spec, and fails at the kink without it', () => {
    expect(failed(checkOpLaws(reluOp, quick))).toEqual([])
    const naked = defineOp({ ...reluOp, name: 'reluNoSpec', law: { cases: [{ shapes: [[40]], attrs: {} }], domain: [{ lo: -0.004, hi: 0.004 }] } })
    expect(failed(checkOpLaws(naked, { numRuns: 30, laws: ['vjp'] }))).toEqual(['vjp'])
  })

  it('the interpreter law holds another way of running graphs against the reference interpreter', () => {
    const exact: Interpreter = { name: 'same', prepare: (outs) => (b) => evaluate(outs, b) }
    const off: Interpreter = {
      name: 'offByOnePpm',
      prepare: (outs) => (b) => E.map((ts: T.Tensor[]) => ts.map((t) => T.scale(t, 1 + 1e-6)))(evaluate(outs, b)),
    }
    const rs = checkOpLaws(tanhOp, { ...quick, laws: ['interpreters'], interpreters: [exact, off] })
    expect(rs.map((r) => [r.name, r.ok])).toEqual([
      ['tanh [3,4] {}: same vs interpreter', true],
      ['tanh [3,4] {}: offByOnePpm vs interpreter', false],
    ])
    expect(rs[1]!.error).toMatch(/^tanh \[3,4\] \{\}: offByOnePpm vs reference interpreter: output 1 \(value\): element \d+ is/)
  })

  it('assertOpLaws throws one message listing every failing law', () => {
    expect(() => assertOpLaws(tanhOp, quick)).not.toThrow()
    expect(() => assertOpLaws(cube(threeSqBad), quick)).toThrow(/^cube \[3,4\] \{\}: secondOrder\n/)
  })

  it('opLawsProperty(op): every law as one property for a test file of one’s own', () => {
    const failure = (p: fc.IProperty<[unknown]>) => {
      const r = fc.check(p, quick)
      return r.failed ? String((r.errorInstance as Error).message) : undefined
    }
    expect(failure(opLawsProperty(tanhOp) as fc.IProperty<[unknown]>)).toBeUndefined()
    expect(failure(opLawsProperty(param('p', [1]).op) as fc.IProperty<[unknown]>)).toBeUndefined()
    expect(failure(opLawsProperty(cube(threeSqBad)) as fc.IProperty<[unknown]>)).toMatch(/^cube \[3,4\] \{\}: secondOrder: /)
  })

  it('the predicates can be called on hand-picked values', () => {
    const r = shapeAgreesWithEval(tanhOp, { shapes: [[2]], attrs: {} }, [T.of([0.5, -1])])
    expect(r).toEqual({ ok: true })
  })
})

describe('arbitraries', () => {
  it('allowed intervals cut the margin around awayFrom points', () => {
    expect(allowedIntervals(-2, 2, [0], 0.05)).toEqual([[-2, -0.05], [0.05, 2]])
    expect(allowedIntervals(0, 1, [0], 0.1)).toEqual([[0.1, 1]])
    expect(() => allowedIntervals(-0.01, 0.01, [0], 0.05)).toThrow('is empty')
    expect(mapToIntervals([[-2, -1], [1, 2]], 0.75)).toBe(1.5)
  })

  it('drawn tensors stay inside the domain and away from kinks; labels are integers', () => {
    fc.assert(
      fc.property(tensorArb([4, 5], { lo: -1, hi: 3, awayFrom: [0, 1] }, 0.1), (t) =>
        t.data.every((v) => v >= -1 && v <= 3 && Math.abs(v) >= 0.1 && Math.abs(v - 1) >= 0.1),
      ),
      { numRuns: 50 },
    )
    fc.assert(
      fc.property(tensorArb([7], { labels: 3 }), (t) => t.shape[0] === 7 && t.data.every((v) => Number.isInteger(v) && v >= 0 && v < 3)),
      { numRuns: 50 },
    )
  })
})

describe('model laws', () => {
  const x = input('x', [6, 3])
  const y = input('y', [6])
  const W1 = param('W1', [3, 4])
  const W2 = param('W2', [4, 2])
  const data = { x: R.normal(R.key(1), [6, 3]), y: T.of([0, 1, 1, 0, 1, 0]) }

  it('a two-layer tanh classifier passes (gradient, constants, Hessian-vector products)', () => {
    const loss = neg(mean(gatherLabel(logSoftmax(matmul(tanh(matmul(x, W1)), W2)), y)))
    const ps = modelLaws(loss, [W1, W2], data, { numRuns: 5 })
    expect(ps.map((p) => p.name)).toEqual(['gradient', 'constant', 'secondOrder'])
    for (const p of ps) fc.assert(p.property, p.params)
  })

  it('a model using an op with a wrong rule fails the gradient law', () => {
    const sigmoidWrong = unary('sigmoidWrong', (v) => 1 / (1 + Math.exp(-v)), ({ out, cot }) => [mul(cot, out)])
    const loss = mean(square(apply(sigmoidWrong, [matmul(x, W1)])))
    const [gradient] = modelLaws(loss, [W1], data, { numRuns: 5, secondOrder: false })
    expect(fc.check(gradient!.property, gradient!.params).failed).toBe(true)
  })

  it('relu models pass the first-order laws away from the kink; parameters must be leaves', () => {
    const loss = mean(sigmoid(add(relu(matmul(x, W1)), 0.1)))
    // A difference stencil of width 4h that straddles a ReLU kink is not a derivative: a small h
    // makes that rare, and a fixed seed keeps the draws (and this test) deterministic.
    const [gradient] = modelLaws(loss, [W1], data, { numRuns: 20, secondOrder: false, h: 1e-5, seed: 20261126 })
    fc.assert(gradient!.property, gradient!.params)
    expect(() => modelLaws(loss, [tanh(W1)], data)).toThrow("modelLaws: wrt must be inputs or params, got a 'tanh' node")
  })
})
