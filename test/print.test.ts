import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../src/core/Expr.js'
import * as T from '../src/core/Tensor.js'
import {
  abs, add, constant, div, exp, gatherLabel, gt, input, logSoftmax, matmul, maximum, mean, mul, neg, param, pow, relu, sigmoid,
  sqrt, square, sub, sum, tensor, transpose, where,
} from '../src/ops/index.js'
import { toInfix, printInfix } from '../src/print/infix.js'
import { latexNumber, toLatex } from '../src/print/latex.js'
import { toDot } from '../src/print/dot.js'
import { differentiableLeaves, formatTrace, traceBackward } from '../src/print/trace.js'

const scalarInput = (n: string): Expr => input(n, [])
const [a, b, c, x, y, z] = [scalarInput('a'), scalarInput('b'), scalarInput('c'), scalarInput('x'), scalarInput('y'), scalarInput('z')]
const [w0, w1, w2, x0, x1] = [scalarInput('w0'), scalarInput('w1'), scalarInput('w2'), scalarInput('x0'), scalarInput('x1')]
const neuron = add(add(mul(w0, x0), mul(w1, x1)), w2)

describe('infix: minimal parentheses', () => {
  const cases: [Expr, string][] = [
    [mul(add(x, y), z), '(x + y)·z'],
    [add(x, y), 'x + y'],
    [add(mul(x, y), z), 'x·y + z'],
    [mul(x, add(y, z)), 'x·(y + z)'],
    [neg(sub(a, b)), '−(a − b)'],
    [sub(a, sub(b, c)), 'a − (b − c)'],
    [sub(sub(a, b), c), 'a − b − c'],
    [add(a, add(b, c)), 'a + b + c'],
    [add(a, sub(b, c)), 'a + (b − c)'],
    [sub(add(a, b), c), 'a + b − c'],
    [div(div(a, b), c), 'a/b/c'],
    [div(a, div(b, c)), 'a/(b/c)'],
    [div(a, mul(b, c)), 'a/(b·c)'],
    [mul(div(a, b), c), 'a/b·c'],
    [mul(a, div(b, c)), 'a·(b/c)'],
    [mul(a, mul(b, c)), 'a·b·c'],
    [sigmoid(neuron), 'σ(w0·x0 + w1·x1 + w2)'],
    [div(1, add(1, exp(neg(neuron)))), '1/(1 + exp(−(w0·x0 + w1·x1 + w2)))'],
    [mul(x, -4), 'x·(−4)'],
    [add(x, -4), 'x + (−4)'],
    [mul(-4, x), '−4·x'],
    [sub(a, neg(b)), 'a − (−b)'],
    [neg(neg(a)), '−(−a)'],
    [neg(mul(a, b)), '−(a·b)'],
    [mul(neg(a), b), '−a·b'],
    [square(add(a, b)), '(a + b)²'],
    [neg(square(a)), '−a²'],
    [square(neg(a)), '(−a)²'],
    [square(square(a)), 'a²²'],
    [square(exp(a)), 'exp(a)²'],
    [mul(2.5, a), '2.5·a'],
    [mul(1 / 3, a), '0.333333·a'],
    [sqrt(pow(a, 3)), 'sqrt(pow(a, p=3))'],
    [maximum(a, relu(b)), 'max(a, relu(b))'],
    [abs(sub(a, b)), 'abs(a − b)'],
    [where(gt(a, b), a, 0), 'where(a > b, a, 0)'],
  ]
  it.each(cases)('%#: %s', (e, expected) => expect(toInfix(e)).toBe(expected))

  it('prints tensors: matmul, transpose, broadcast (elided in compact mode), reductions', () => {
    const X = input('X', ['N', 3])
    const W = param('W', [3, 4])
    const bias = param('b', [4])
    const h = add(matmul(X, W), bias)
    expect(toInfix(h)).toBe('X @ W + broadcast(b, [N,4])')
    expect(toInfix(h, { compact: true })).toBe('X @ W + b')
    expect(toInfix(mean(square(h)))).toBe('mean((X @ W + b)²)')
    expect(toInfix(mean(square(h)), { compact: false })).toBe('mean((X @ W + broadcast(b, [N,4]))²)')
    expect(toInfix(sum(X, [1]))).toBe('sum(X, axes=[1])')
    expect(toInfix(transpose(matmul(X, W)))).toBe('(X @ W)ᵀ')
    expect(toInfix(matmul(transpose(W), transpose(X)))).toBe('Wᵀ @ Xᵀ')
    expect(toInfix(mul(X, 0))).toBe('X·fill(0, [N,3])')
    expect(toInfix(tensor(T.of([1, 2])))).toBe('tensor[2]')
    expect(toInfix(gatherLabel(logSoftmax(X), input('y', ['N'])), { compact: true })).toBe('pick(X − logSumExp(X, axes=[1]), y)')
  })

  it('binds shared subexpressions past the threshold, so DAGs print in linear size', () => {
    let t: Expr = x
    for (let i = 0; i < 40; i++) t = mul(add(t, 1), t)
    const out = toInfix(t)
    expect(out.length).toBeLessThan(20_000) // the tree form has ~2^40 leaves
    const lines = out.split('\n')
    expect(lines[0]).toMatch(/^t1 = /)
    expect(lines.at(-1)).toMatch(/t\d+/)
    const shared = exp(add(add(mul(w0, x0), mul(w1, x1)), add(w2, mul(x0, x1))))
    expect(toInfix(add(shared, mul(shared, 2)), { letThreshold: 10 })).toBe('t1 = exp(w0·x0 + w1·x1 + w2 + x0·x1)\nt1 + t1·2')
    expect(toInfix(add(shared, mul(shared, 2)))).toBe('exp(w0·x0 + w1·x1 + w2 + x0·x1) + exp(w0·x0 + w1·x1 + w2 + x0·x1)·2')
  })

  it('prints several roots with shared bindings', () => {
    const s = sigmoid(neuron)
    const p = printInfix([s, mul(s, sub(1, s))], { letThreshold: 5 })
    expect(p.lets).toEqual([['t1', 'σ(w0·x0 + w1·x1 + w2)']])
    expect(p.exprs).toEqual(['t1', 't1·(1 − t1)'])
  })
})

describe('LaTeX', () => {
  const cases: [Expr, string][] = [
    [mul(add(x, y), z), '\\left(x + y\\right) \\cdot z'],
    [div(1, add(1, exp(neg(neuron)))), '\\frac{1}{1 + \\exp\\left(-\\left(w_{0} \\cdot x_{0} + w_{1} \\cdot x_{1} + w_{2}\\right)\\right)}'],
    [sigmoid(a), '\\sigma\\left(a\\right)'],
    [sqrt(add(a, b)), '\\sqrt{a + b}'],
    [square(sub(a, b)), '\\left(a - b\\right)^{2}'],
    [div(div(a, b), c), '\\frac{\\frac{a}{b}}{c}'],
    [mul(div(a, b), c), '\\frac{a}{b} \\cdot c'],
    [mul(a, 1e-7), 'a \\cdot 1 \\times 10^{-7}'],
    [add(input('loss', []), input('W_1', [])), '\\mathrm{loss} + W_{1}'],
  ]
  it.each(cases)('%#: %s', (e, expected) => expect(toLatex(e)).toBe(expected))
  it('NaN is one upright word, ∞ is \\infty', () => {
    expect(latexNumber(NaN, 6)).toBe('\\mathrm{NaN}')
    expect(latexNumber(-Infinity, 6)).toBe('-\\infty')
    expect(latexNumber(1.5e-7, 6)).toBe('1.5 \\times 10^{-7}')
    expect(toLatex(add(input('x', []), constant(NaN)))).toBe('x + \\mathrm{NaN}')
  })
  it('transposes a square with braces', () => {
    expect(toLatex(transpose(square(input('M', [2, 2]))))).toBe('{M^{2}}^{\\top}')
  })
})

describe('DOT', () => {
  it('draws every node once, with numbered argument edges', () => {
    const f = mul(add(x, y), z)
    const dot = toDot([f])
    expect(dot.startsWith('digraph "symgrad" {')).toBe(true)
    expect(dot.trimEnd().endsWith('}')).toBe(true)
    expect(dot).toContain(`n${x.id} [label="x", shape=box];`)
    expect(dot).toContain(`n${f.id} [label="·", shape=ellipse, peripheries=2];`)
    expect(dot).toContain(`n${f.args[0]!.id} -> n${f.id} [label="1"];`)
    expect(dot).toContain(`n${z.id} -> n${f.id} [label="2"];`)
    expect(dot.match(/\[label=/g)!.length).toBe(5 + 4)
  })
  it('shows shapes, values and gradients, escaping quotes', () => {
    const W = param('W', [3, 4])
    const s = sum(W)
    const dot = toDot([s], { name: 'my "net"', values: new Map([[s.id, T.scalar(2.5)]]), grads: new Map([[W.id, T.ones([3, 4])]]) })
    expect(dot).toContain('digraph "my \\"net\\"" {')
    expect(dot).toContain(`n${W.id} [label="W [3,4]\\n∂ = [[1,1,1,1],[1,1,1,1],[1,1,1,1]]", shape=box, style=bold];`)
    expect(dot).toContain(`n${s.id} [label="sum\\n= 2.5", shape=ellipse, peripheries=2];`)
  })
})

describe('backward-pass trace', () => {
  const bind = { x: T.scalar(-2), y: T.scalar(5), z: T.scalar(-4) }
  it('gives value, local and upstream gradient of every node of (x + y)·z', () => {
    const tr = traceBackward(mul(add(x, y), z), bind)
    if (E.isLeft(tr)) throw tr.left
    const rows = tr.right.rows
    expect(tr.right.loss).toBe(-12)
    expect(rows.map((r) => r.node)).toEqual(['x', 'y', '#1 + #2', 'z', '#3·#4'])
    expect(rows.map((r) => T.item(r.value))).toEqual([-2, 5, 3, -4, -12])
    expect(rows.map((r) => (r.upstream ? T.item(r.upstream) : undefined))).toEqual([-4, -4, -4, 3, 1])
    expect(rows[4]!.local.map((l) => [l.arg, l.expr, T.item(l.value!)])).toEqual([[3, '#4', -4], [4, '#3', 3]])
    expect(rows[2]!.local.map((l) => [l.expr, T.item(l.value!)])).toEqual([['1', 1], ['1', 1]])
    const text = formatTrace(tr.right)
    expect(text.split('\n')).toHaveLength(7)
    expect(text).toContain('∂/∂#3 = #4 = −4; ∂/∂#4 = #3 = 3')
  })

  it('follows the sigmoid gate: local derivative σ(1 − σ)', () => {
    const tr = traceBackward(sigmoid(neuron), { w0: T.scalar(2), w1: T.scalar(-3), w2: T.scalar(-3), x0: T.scalar(-1), x1: T.scalar(-2) })
    if (E.isLeft(tr)) throw tr.left
    const last = tr.right.rows.at(-1)!
    expect(last.node).toBe('σ(#9)')
    expect(last.expr).toBe('σ(w0·x0 + w1·x1 + w2)')
    expect(last.local[0]!.expr).toBe('#10·(1 − #10)')
    expect(T.item(last.local[0]!.value!)).toBeCloseTo(0.19661193, 8)
    const w0row = tr.right.rows.find((r) => r.node === 'w0')!
    expect(T.item(w0row.upstream!)).toBeCloseTo(-0.19661193, 8)
  })

  it('marks label arguments as non-differentiable and skips them by default', () => {
    const S = input('S', [2, 3])
    const lab = input('lab', [2])
    const loss = mean(neg(gatherLabel(logSoftmax(S), lab)))
    expect(differentiableLeaves(loss)).toEqual([S])
    const tr = traceBackward(loss, { S: T.of([[1, 2, 3], [0, 0, 0]]), lab: T.of([2, 0]) })
    if (E.isLeft(tr)) throw tr.left
    const pick = tr.right.rows.find((r) => r.op === 'gatherLabel')!
    expect(pick.local[1]!.expr).toBe('—')
    expect(pick.local[1]!.value).toBeUndefined()
    expect(tr.right.rows.find((r) => r.node === 'lab')!.upstream).toBeUndefined()
    expect(tr.right.loss).toBeCloseTo((-Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))) + Math.log(3)) / 2, 12)
  })

  it('returns errors as values', () => {
    const notScalar = traceBackward(add(input('v', [2]), 1), { v: T.of([1, 2]) })
    expect(E.isLeft(notScalar) && notScalar.left.message).toMatch(/loss must be a scalar, got shape \[2\]/)
    const missing = traceBackward(mul(x, y), { x: T.scalar(1) })
    expect(E.isLeft(missing) && missing.left.message).toMatch(/missing binding for input 'y'/)
  })
})
