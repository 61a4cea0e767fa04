/**
 * A user-defined op through the public API only: swish(x) = x·σ(x) evaluates, differentiates,
 * simplifies, prints, compiles (through its scalar function, its eval, or code the user adds to the
 * JavaScript backend's table) and serializes through a registry that has it — like a built-in.
 * Also: what defineOp and Registry refuse, and that names are never Object.prototype lookups.
 */
import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as sg from '../src/index.js'
import { assertOpLaws } from '../laws/index.js'
import { thrownMessage } from './support/thrown.js'

const { Tensor: T, Registry } = sg
const sigma = (x: number) => 1 / (1 + Math.exp(-x))

/** swish as one record: shape rule, eval, scalar function, vjp, notation, law domain. */
const swishOp = sg.defineOp({
  name: 'swish',
  arity: 1,
  lowering: 'elementwise',
  shape: ([s]) => s!,
  eval: ([t]) => T.map(t!, (x) => x * sigma(x)),
  scalar: () => (x) => x * sigma(x),
  // d swish = σ(x)·(1 + x·(1 − σ(x)))
  vjp: ({ args: [x], cot }) => {
    const s = sg.sigmoid(x!)
    return [sg.mul(cot, sg.mul(s, sg.add(1, sg.mul(x!, sg.sub(1, s)))))]
  },
  notation: { form: 'call', name: 'swish', latex: '\\operatorname{swish}' },
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }] },
})
const swish = <S extends sg.Shape.Shape>(x: sg.Expr<S>): sg.Expr<S> => sg.apply(swishOp, [x]) as sg.Expr<S>

/** The same function without a scalar function: compiles through its eval only. */
const swishEvalOnly = sg.defineOp({
  name: 'swishSlow',
  arity: 1,
  kind: 'elementwise',
  shape: ([s]) => s!,
  eval: ([t]) => T.map(t!, (x) => x * sigma(x)),
  notation: { form: 'call', name: 'swishSlow', latex: 's' },
})

const right = <A>(r: E.Either<sg.SymgradError, A>): A => {
  if (E.isLeft(r)) throw r.left
  return r.right
}
const x = sg.input('x', ['N', 3])
const W = sg.param('W', [3, 2])
const loss = sg.sum(swish(sg.matmul(x, W)))
const bind = { x: T.of([[0.5, -1, 2], [3, 0.25, -2]]), W: T.of([[0.1, -0.3], [0.7, 0.2], [-0.5, 0.4]]) }

describe('a user op works like a built-in', () => {
  it('evaluates', () => {
    const v = sg.evaluateOrThrow(swish(sg.input('a', [4])), { a: T.of([-2, 0, 1, 3]) })
    expect(Array.from(v.data)).toEqual([-2, 0, 1, 3].map((a) => a * sigma(a)))
  })

  it('differentiates: its laws hold (vjp vs central differences, second order, compiled vs interpreted)', () => {
    assertOpLaws(swishOp, { numRuns: 10, interpreters: [{ name: 'compiled', prepare: (outs) => sg.compile(outs) }] })
    const g = sg.grad(loss, { W }).W
    const report = sg.gradcheck(loss, [W], bind)
    expect(E.isRight(report) && report.right.ok).toBe(true)
    expect(g.shape).toEqual([3, 2])
  })

  it('simplifies: rules fire around it and it stays itself', () => {
    const a = sg.input('a', [4])
    const e = sg.add(sg.mul(swish(a), 1), 0)
    const s = sg.simplify([e])
    expect(s.exprs[0]).toBe(swish(a))
    expect(s.fired.map((f) => f.rule)).toEqual(expect.arrayContaining(['x·1 → x', 'x+0 → x']))
    const d = sg.simplifyOne(sg.grad(sg.sum(swish(a)), [a])[0]!)
    expect(sg.toInfix(d)).toContain('σ(a)')
  })

  it('prints', () => {
    expect(sg.toInfix(swish(sg.input('a', [4])))).toBe('swish(a)')
    expect(sg.toLatex(swish(sg.input('a', [4])))).toContain('\\operatorname{swish}')
  })

  it('compiles three ways, each equal to the interpreter: scalar function, eval, backend table entry', () => {
    const gW = sg.grad(loss, { W }).W
    const ref = right(sg.evaluate([loss, gW], bind))
    const table = sg.withCode(sg.jsBackend, { elementwise: [[swishOp, ([v]) => `(${v} / (1 + Math.exp(-${v})))`]] })
    const viaScalar = sg.compile([loss, gW])
    const viaTable = sg.compile([loss, gW], { backend: table })
    const slowLoss = sg.sum(sg.apply(swishEvalOnly, [sg.matmul(x, W)]))
    const viaEval = sg.compile([slowLoss])
    expect(viaScalar.source).toMatch(/S_\d+\(/)
    expect(viaTable.source).toContain('Math.exp(-')
    expect(viaTable.source).not.toMatch(/S_\d+\(/)
    expect(viaEval.source).toMatch(/F\[\d+\]\(\[/)
    for (const f of [viaScalar, viaTable]) {
      const got = right(f(bind))
      expect(T.maxRelError(got[0]!, ref[0]!, 1e-300)).toBeLessThan(1e-12)
      expect(T.maxRelError(got[1]!, ref[1]!, 1e-300)).toBeLessThan(1e-12)
    }
    expect(T.maxRelError(right(viaEval(bind))[0]!, ref[0]!, 1e-300)).toBeLessThan(1e-12)
    // a second batch size reuses the compiled function
    const b3 = { x: T.of([[1, 2, 3], [0, 0, 0], [-1, -2, -3]]), W: bind.W }
    expect(T.maxRelError(right(viaEval(b3))[0]!, right(sg.evaluate([slowLoss], b3))[0]!, 1e-300)).toBeLessThan(1e-12)
  })

  it('an op without any code reads views and literals through its eval (copied or filled first)', () => {
    const hypot = sg.defineOp({
      name: 'hypotSlow',
      arity: 2,
      kind: 'elementwise',
      shape: ([a, b]) => (sg.Shape.equal(a!, b!) ? a! : (() => { throw new sg.ShapeError('hypotSlow: shapes differ') })()),
      eval: ([a, b]) => T.zipWith(a!, b!, Math.hypot),
      notation: { form: 'call', name: 'hypot', latex: 'h' },
    })
    const v = sg.input('v', [3])
    const e = sg.sum(sg.apply(hypot, [sg.broadcastTo(v, ['N', 3]), sg.constant(2, ['N', 3])]) as sg.Expr, [1])
    const f = sg.compile([sg.transpose(sg.apply(hypot, [x, sg.mul(x, 3)]) as sg.Expr<['N', 3]>), e])
    const b = { x: bind.x, v: T.of([3, 0, -1]) }
    const got = right(f(b))
    const ref = right(sg.evaluate([sg.transpose(sg.apply(hypot, [x, sg.mul(x, 3)]) as sg.Expr<['N', 3]>), e], b))
    got.forEach((t, i) => expect(T.maxRelError(t, ref[i]!, 1e-300)).toBeLessThan(1e-15))
  })

  it('serializes: decodes through registries that have it, and names it with how to register when not', () => {
    const registries = sg.Registries.extendOrThrow(sg.Registries.builtins, { ops: [swishOp] })
    const json = JSON.parse(JSON.stringify(sg.io.encodeGraph([loss])))
    expect(right(sg.io.decodeGraph(json, { registries }))[0]).toBe(loss)
    const r = sg.io.decodeGraph(json)
    expect(E.isLeft(r) && r.left.message).toBe(
      "graph.nodes[3].op: unknown op 'swish': define it with defineOp and pass registries that have it (Registries.extend(Registries.builtins, { ops: [yourOp] }))",
    )
  })
})

describe('defineOp and Registry refuse at definition', () => {
  const base = { name: 'myOp', arity: 1, shape: ([s]: readonly sg.Shape.Shape[]) => s!, eval: ([t]: readonly sg.Tensor.Tensor[]) => t!, notation: { form: 'call', name: 'f', latex: 'f' } as const }
  it('a missing shape rule, a clash with a built-in, a bad name, a vjp of the wrong arity', () => {
    const { shape: _, ...noShape } = base
    expect(thrownMessage(() => sg.defineOp(noShape as typeof base))).toBe("defineOp 'myOp': missing shape rule: give shape: (argShapes, attrs) => outShape")
    expect(thrownMessage(() => sg.defineOp({ ...base, name: 'relu' }))).toBe("defineOp 'relu': the name is taken by a built-in op; give yours another name")
    expect(thrownMessage(() => sg.defineOp({ ...base, name: 'a b' }))).toMatch(/^defineOp 'a b': the name must be identifier-like/)
    const twoCots = { ...base, vjp: ({ cot }: sg.VjpCtx) => [cot, cot], law: { cases: [{ shapes: [[2]], attrs: {} }] } }
    expect(thrownMessage(() => sg.defineOp(twoCots))).toBe("defineOp 'myOp': the vjp must return 1 cotangent(s) (one per argument, null for zero), got 2")
    expect(thrownMessage(() => sg.defineOp({ ...base, law: { cases: [{ shapes: [[2], [2]], attrs: {} }] } }))).toBe("defineOp 'myOp': law case 1 gives 2 argument shape(s), arity is 1")
    expect(thrownMessage(() => sg.defineOp({ ...base, lowering: 'view' }))).toMatch(/a view op needs view/)
  })
  it('a vjp of the wrong arity without law cases is caught by grad, naming the op', () => {
    const op = sg.defineOp({ ...base, name: 'noCases', vjp: ({ cot }: sg.VjpCtx) => [cot, cot] })
    const a = sg.input('a', [2])
    expect(thrownMessage(() => sg.grad(sg.sum(sg.apply(op, [a])), [a]))).toBe("grad: the vjp of op 'noCases' must return 1 cotangent(s) (one per argument, null for zero), got 2")
  })
  it('Registries.extend refuses a second op of a taken name; lookups are own names only', () => {
    const other = sg.defineOp({ ...base, name: 'swish' })
    const registries = sg.Registries.extendOrThrow(sg.Registries.builtins, { ops: [swishOp] })
    const reg = registries.ops
    const r = sg.Registries.extend(registries, { ops: [other] })
    expect(E.isLeft(r) && r.left.message).toBe("Registries.extend: op 'swish' is already registered as a different record; give yours another name")
    expect(E.isRight(sg.Registries.extend(registries, { ops: [swishOp] }))).toBe(true)
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) expect(Registry.lookup(reg, name)).toBeUndefined()
    expect(Registry.names(Registry.builtins)).toContain('softplus')
    expect(Registry.has(reg, swishOp) && !Registry.has(Registry.builtins, swishOp)).toBe(true)
  })
  it('a graph naming an Object.prototype member is an unknown op, not a lookup', () => {
    const g = { format: 'symgrad-graph', version: 1, nodes: [{ op: 'constructor', args: [], attrs: {} }], outputs: [0] }
    const r = sg.io.decodeGraph(g)
    expect(E.isLeft(r) && r.left.message).toMatch(/^graph\.nodes\[0\]\.op: unknown op 'constructor'/)
  })
  it('inputs and symbols named like Object.prototype members are plain names', () => {
    const c = sg.input('constructor', ['toString', 2])
    const f = sg.compile([sg.sum(c)])
    expect(T.item(right(f({ constructor: T.ones([3, 2]) }))[0]!)).toBe(6)
    expect(E.isLeft(f({}))).toBe(true)
    expect(E.isLeft(sg.evaluate([sg.sum(c)], {}))).toBe(true)
    const p = sg.input('__proto__', ['__proto__'])
    expect(T.item(right(sg.compile([sg.sum(p)])({ ['__proto__']: T.ones([4]) } as never))[0]!)).toBe(4)
  })
})

describe('softplus', () => {
  it('is stable for large |x| and its derivative is σ', () => {
    const a = sg.input('a', [5])
    const xs = T.of([-800, -30, 0, 30, 800])
    const v = sg.evaluateOrThrow(sg.softplus(a), { a: xs })
    expect(Array.from(v.data)).toEqual([0, Math.log1p(Math.exp(-30)), Math.log(2), 30 + Math.log1p(Math.exp(-30)), 800])
    const c = right(sg.compile([sg.softplus(a), sg.grad(sg.sum(sg.softplus(a)), [a])[0]!])({ a: xs }))
    expect(Array.from(c[0]!.data)).toEqual(Array.from(v.data))
    expect(T.maxRelError(c[1]!, T.map(xs, sigma), 1e-300)).toBeLessThan(1e-15)
    expect(sg.toInfix(sg.softplus(a))).toBe('softplus(a)')
  })
})
