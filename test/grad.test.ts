import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import type { Expr, OpDef } from '../src/core/Expr.js'
import { apply } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { GradError } from '../src/core/errors.js'
import { evaluate, evaluateOrThrow } from '../src/eval/evaluate.js'
import { backward, grad } from '../src/ad/grad.js'
import { checkVjp, gradcheck } from '../src/ad/gradcheck.js'
import { call, defineOp } from '../src/ops/Op.js'
import {
  add, exp, gatherLabel, gt, input, logSoftmax, maximum, mean, mul, neg, oneHot, param, relu, sigmoid,
  softmax, sum, tanh, tensor, where,
} from '../src/ops/index.js'
import { smoothExpr } from './arbitraries.js'
import { compile } from '../src/compile/index.js'

const val = (e: Expr, b: Record<string, T.Tensor>) => evaluateOrThrow(e, b)
const num = (e: Expr, b: Record<string, T.Tensor>) => T.item(val(e, b))
function right<A>(r: E.Either<unknown, A>): A {
  if (E.isLeft(r)) throw r.left
  return r.right
}

describe('grad: first derivatives', () => {
  it('(x+y)·z at x=−2, y=5, z=−4: ∂x = ∂y = z = −4, ∂z = x+y = 3', () => {
    const [x, y, z] = [param('x', []), param('y', []), param('z', [])]
    const f = mul(add(x, y), z)
    const b = { x: T.scalar(-2), y: T.scalar(5), z: T.scalar(-4) }
    expect(num(f, b)).toBe(-12)
    const g = grad(f, { x, y, z })
    expect([num(g.x, b), num(g.y, b), num(g.z, b)]).toEqual([-4, -4, 3])
    // the gradients are expressions: ∂f/∂x is the node z itself times the seed
    expect(Object.keys(g)).toEqual(['x', 'y', 'z'])
  })

  it('sums contributions at shared nodes: d(x·x) = 2x, d(x·x + x) = 2x + 1', () => {
    const x = param('x', [3])
    const b = { x: T.of([-1.5, 0.25, 3]) }
    const [g1] = grad(sum(mul(x, x)), [x])
    expect(Array.from(val(g1!, b).data)).toEqual([-3, 0.5, 6])
    const [g2] = grad(sum(add(mul(x, x), x)), [x])
    expect(Array.from(val(g2!, b).data)).toEqual([-2, 1.5, 7])
    // a diamond: h = tanh(x) used twice
    const h = tanh(x)
    const [g3] = grad(sum(mul(h, h)), [x])
    const t = b.x.data.map(Math.tanh)
    Array.from(val(g3!, b).data).forEach((v, i) => expect(v).toBeCloseTo(2 * t[i]! * (1 - t[i]! ** 2), 14))
  })

  it('broadcasting in builders makes bias gradients sum over the batch', () => {
    const x = input('x', ['N', 3])
    const c = param('c', [3])
    const loss = sum(add(x, c))
    const [gc] = grad(loss, [c])
    const b = { x: T.zeros([5, 3]), c: T.zeros([3]) }
    expect(Array.from(right(evaluate([loss, gc!], b))[1]!.data)).toEqual([5, 5, 5])
    // alone, the gradient no longer contains x, so nothing binds N: an error value that says so
    const alone = evaluate([gc!], b)
    expect(E.isLeft(alone) && alone.left.message).toMatch(/^broadcastTo \[N,3\]: symbolic dimension 'N' is not bound by any input or param of the graph/)
  })

  it('a variable the loss does not depend on gets exact zeros of its shape', () => {
    const [x, p] = [param('x', [2]), param('p', [2, 3])]
    const [gp] = grad(sum(exp(x)), [p])
    const v = val(gp!, { x: T.of([1, 2]), p: T.zeros([2, 3]) })
    expect(v.shape).toEqual([2, 3])
    expect(Array.from(v.data)).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('where(x > 0, x, 0) is differentiable and equals relu’s gradient', () => {
    const x = param('x', [4])
    const b = { x: T.of([-2, -0.5, 0.5, 3]) }
    const [g1] = grad(sum(where(gt(x, 0), x, 0)), [x])
    const [g2] = grad(sum(relu(x)), [x])
    expect(Array.from(val(g1!, b).data)).toEqual([0, 0, 1, 1])
    expect(Array.from(val(g2!, b).data)).toEqual([0, 0, 1, 1])
  })

  it("relu's gradient reads its output, step(relu(x)), and equals step(x) everywhere: 0, −0, ±∞, NaN, subnormals; compiled alike", () => {
    const x = param('x', [10])
    const b = { x: T.of([-2, -0, 0, 5e-324, -5e-324, 0.5, Infinity, -Infinity, NaN, 3]) }
    const [g] = grad(sum(relu(x)), [x])
    const ops: string[] = []
    const visit = (e: Expr): void => void (ops.push(e.op.name), e.args.forEach(visit))
    visit(g!)
    expect(ops).toContain('relu')
    const want = [0, 0, 0, 1, 0, 1, 1, 0, 0, 1]
    expect(Array.from(val(g!, b).data)).toEqual(want)
    for (const dtype of ['float64', 'float32'] as const) expect(Array.from(compile([g!], { dtype }).runOrThrow(b)[0]!.data)).toEqual(dtype === 'float32' ? [0, 0, 0, 0, 0, 1, 1, 0, 0, 1] : want)
  })

  it('softmax cross-entropy: the gradient of the mean loss is (softmax − onehot) / N', () => {
    const s = param('s', ['N', 4])
    const y = input('y', ['N'])
    const loss = neg(mean(gatherLabel(logSoftmax(s), y)))
    const b = { s: R.normal(R.key(11), [5, 4], 3), y: T.of([0, 3, 2, 2, 1]) }
    const [gs] = grad(loss, [s])
    const expected = mul(add(softmax(s), neg(oneHot(y, 4))), 1 / 5)
    const [got, want] = right(evaluate([gs!, expected], b))
    expect(T.maxRelError(got!, want!)).toBeLessThan(1e-14)
    // and it is finite for scores in the thousands
    const big = { s: T.scale(b.s, 1000), y: b.y }
    expect(T.isFinite(val(gs!, big))).toBe(true)
    expect(T.isFinite(val(loss, big))).toBe(true)
  })
})

describe('grad: second derivatives', () => {
  const x = param('x', [5])
  const b = { x: T.of([-1.7, -0.3, 0, 0.4, 2.1]) }
  const table: readonly [string, (e: Expr) => Expr, (t: number) => number][] = [
    ['tanh', tanh, (t) => -2 * Math.tanh(t) * (1 - Math.tanh(t) ** 2)],
    ['sigmoid', sigmoid, (t) => { const s = 1 / (1 + Math.exp(-t)); return s * (1 - s) * (1 - 2 * s) }],
    ['exp∘tanh', (e) => exp(tanh(e)), (t) => {
      const th = Math.tanh(t), d = 1 - th * th
      return Math.exp(th) * (d * d - 2 * th * d)
    }],
  ]
  for (const [name, f, d2] of table)
    it(`d²/dx² ${name} matches the closed form and central differences of the first derivative`, () => {
      const [g] = grad(sum(f(x)), [x])
      const [h] = grad(sum(g!), [x]) // diagonal Hessian of an elementwise map
      Array.from(val(h!, b).data).forEach((v, i) => expect(v).toBeCloseTo(d2(b.x.data[i]!), 13))
      const r = right(checkVjp(g!, [x], b, { directions: 3 }))
      expect(r.maxRelError).toBeLessThan(1e-7)
    })

  it('third derivatives are graphs too: d³ tanh = −2(1 − y²)(1 − 3y²)', () => {
    const [g1] = grad(sum(tanh(x)), [x])
    const [g2] = grad(sum(g1!), [x])
    const [g3] = grad(sum(g2!), [x])
    Array.from(val(g3!, b).data).forEach((v, i) => {
      const y = Math.tanh(b.x.data[i]!)
      expect(v).toBeCloseTo(-2 * (1 - y * y) * (1 - 3 * y * y), 12)
    })
  })

  it('second derivatives through maximum (whose vjp uses where) are zero away from ties', () => {
    const [p, q] = [param('p', [3]), param('q', [3])]
    const bb = { p: T.of([1, -1, 0.5]), q: T.of([0, 2, 0.25]) }
    const [gp] = grad(sum(mul(maximum(p, q), maximum(p, q))), [p])
    const r = right(checkVjp(gp!, [p, q], bb, { directions: 2 }))
    expect(r.ok).toBe(true)
    expect(Array.from(val(gp!, bb).data)).toEqual([2, 0, 1])
  })

  it('random smooth expressions: gradients and gradients of gradients agree with differences', () => {
    const xv = param('x', [3])
    const yv = param('y', [3])
    fc.assert(
      fc.property(smoothExpr(4), fc.integer({ min: 0, max: 1 << 30 }), (tree, seed) => {
        const out = tree.build(xv, yv)
        const [k1, k2, k3] = R.split(R.key(seed), 3)
        const bb = { x: R.uniform(k1!, [3], -2, 2), y: R.uniform(k2!, [3], -2, 2) }
        const loss = sum(mul(out, tensor(R.normal(k3!, [3]))))
        const r1 = right(gradcheck(loss, [xv, yv], bb))
        if (!r1.ok) throw new Error(`${tree.show}: gradcheck max rel. error ${r1.maxRelError}`)
        const gs = grad(loss, [xv, yv])
        for (const g of gs) {
          const r2 = right(checkVjp(g, [xv, yv], bb, { directions: 1, key: k3! }))
          if (!r2.ok) throw new Error(`${tree.show}: second derivative rel. error ${r2.maxRelError}`)
        }
      }),
      { numRuns: 60 },
    )
  })
})

describe('grad: errors name the op', () => {
  it('a missing derivative rule is a GradError naming the op, never a silent zero', () => {
    const noRule: OpDef = defineOp({
      name: 'cube',
      arity: 1,
      kind: 'elementwise',
      shape: ([s]) => s!,
      eval: ([t]) => T.map(t!, (v) => v ** 3),
      notation: call('cube', '\\operatorname{cube}'),
    })
    const x = param('x', [2])
    const f = sum(apply(noRule, [x]))
    expect(() => grad(f, [x])).toThrow(GradError)
    expect(() => grad(f, [x])).toThrow("grad: op 'cube' has no derivative rule")
    // not on a path to the variable: no rule is needed
    const y = param('y', [2])
    expect(() => grad(add(f, sum(y)), [y])).not.toThrow()
  })

  it('grad through labels (a nondiff argument) is an error naming the op and argument', () => {
    const s = param('s', [3, 4])
    const yl = param('labels', [3])
    const loss = sum(gatherLabel(s, yl))
    expect(() => grad(loss, [yl])).toThrow(GradError)
    expect(() => grad(loss, [yl])).toThrow("grad: op 'gatherLabel' is not differentiable in argument 2, which depends on a variable")
    expect(() => grad(sum(oneHot(yl, 4)), [yl])).toThrow("grad: op 'oneHot' is not differentiable in argument 1, which depends on a variable")
    // differentiating with respect to the scores alone is fine
    expect(() => grad(loss, [s])).not.toThrow()
  })

  it('the loss must be a scalar; a seed must match the output', () => {
    const x = param('x', [2])
    expect(() => grad(exp(x), [x])).toThrow('grad: the loss must be a scalar, got shape [2] (reduce it with sum or mean first)')
    expect(() => backward(exp(x), [x], param('s', [3]))).toThrow('grad: seed of shape [3] does not match output [2]')
  })
})

describe('grad and valueAndGrad: wrt holds expressions only', () => {
  it('a null, a number, a string or a __proto__ key is one GradError naming the entry', async () => {
    const { valueAndGrad } = await import('../src/compile/index.js')
    const { input } = await import('../src/ops/leaves.js')
    const x = input('x', [])
    const cases: [() => unknown, RegExp][] = [
      [() => grad(x, JSON.parse('{"__proto__": null}')), /^grad: wrt: the key '__proto__' is not allowed$/],
      [() => valueAndGrad(x, JSON.parse('{"__proto__": null}')), /^valueAndGrad: wrt: the key '__proto__' is not allowed$/],
      [() => grad(x, { w: null } as never), /^grad: wrt 'w' is not an expression, got null$/],
      [() => grad(x, [x, 3] as never), /^grad: wrt\[1\] is not an expression, got 3$/],
      [() => valueAndGrad(x, { 'a\u001b[31m': 'x' } as never), /^valueAndGrad: wrt ".*\\u001b\[31m" is not an expression/],
      [() => grad(x, null as never), /^grad: wrt must be an array or a record of expressions, got null$/],
    ]
    for (const [f, re] of cases) {
      let thrown: unknown
      try { f() } catch (e) { thrown = e }
      expect(thrown).toBeInstanceOf(GradError)
      expect((thrown as Error).message).toMatch(re)
    }
  })
})
