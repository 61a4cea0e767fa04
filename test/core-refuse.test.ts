/**
 * Builders refuse what they should, at one check each, with one line naming the place, expected and
 * actual: optimizer hyperparameters, tensor and node shapes, seeds, dtypes, what a user op's eval
 * returns, and a tensor constant whose value disagrees with its shape.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as sg from '../src/index.js'
import { evaluate } from '../src/eval/evaluate.js'
import { decodeGraph, encodeGraph } from '../src/io/graph.js'
import { interpret } from '../src/compile/interpret.js'
import { stages } from '../src/compile/index.js'

const { Tensor: T, Random: R, optim } = sg

/** The thrown error's class name and message (the test fails when nothing is thrown). */
function thrown(f: () => unknown): { name: string; message: string } {
  try {
    f()
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message }
  }
  throw new Error('expected a throw')
}
const oneLine = (m: string) => expect(m).not.toMatch(/\n/)

describe('optimizer builders check their hyperparameters', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['adam(NaN)', () => optim.adam(NaN), /learningRate: expected a positive number or a schedule, got NaN/],
    ['sgd(-1)', () => optim.sgd(-1), /learningRate: expected a positive number .*got -1/],
    ['sgd(0)', () => optim.sgd(0), /learningRate: .*got 0/],
    ['sgd(Infinity)', () => optim.sgd(Infinity), /learningRate: .*got Infinity/],
    ['adam b1: 2', () => optim.adam(0.1, { b1: 2 }), /b1: expected a number in \[0, 1\) or a schedule, got 2/],
    ['adam b2: 1', () => optim.adam(0.1, { b2: 1 }), /b2: expected a number in \[0, 1\)/],
    ['adam b1: -0.1', () => optim.adam(0.1, { b1: -0.1 }), /b1: .*got -0.1/],
    ['adam eps: 0', () => optim.adam(0.1, { eps: 0 }), /eps: expected a positive number/],
    ['momentum mu 1', () => optim.momentum(0.1, 1), /momentum: expected a number in \[0, 1\)/],
    ['nesterov mu NaN', () => optim.nesterov(0.1, NaN), /momentum: .*got NaN/],
    ['rmsprop decay 1.5', () => optim.rmsprop(0.1, { decay: 1.5 }), /decay: /],
    ['adamw weightDecay -1', () => optim.adamw(0.1, -1), /weightDecay: expected a non-negative number/],
    ['adadelta rho 1', () => optim.adadelta(1, { rho: 1 }), /rho: /],
    ['clip maxNorm 0', () => optim.clipByGlobalNorm(0), /maxNorm: /],
    ['scale NaN', () => optim.scale(NaN), /scale: expected a finite number/],
    ['a string', () => optim.sgd('0.1' as unknown as number), /learningRate: .*got string/],
  ]
  for (const [name, f, re] of cases)
    it(name, () => {
      const e = thrown(f)
      expect(e.name).toBe('SymgradError')
      expect(e.message).toMatch(re)
      oneLine(e.message)
    })

  it('accepts the defaults, boundaries and schedules; a schedule that gives NaN is refused at its step', () => {
    expect(() => optim.adam(1e-3, { b1: 0, b2: 0.999999 })).not.toThrow()
    expect(() => optim.momentum(sgSchedule(), 0)).not.toThrow()
    const p = { w: T.of([1, 2]) }
    const opt = optim.sgd((t) => (t < 1 ? 0.1 : NaN))
    const [s0] = [opt.init(p)]
    const [, s1] = opt.update({ w: T.of([1, 1]) }, s0, p)
    const e = thrown(() => opt.update({ w: T.of([1, 1]) }, s1, p))
    expect(e.message).toBe('optimizer hyperparameter learningRate: its schedule gave NaN at step 1, expected a finite number')
  })

  it('a user hyperparameter outside the table must be finite', () => {
    expect(thrown(() => optim.withHyper({ gamma: Infinity }, () => ({}), (g, b) => [g, b])).message).toMatch(/gamma: expected a finite number/)
  })
})
const sgSchedule = () => optim.exponentialDecay(0.1, 0.5)

describe('shapes: tensors and shape rules', () => {
  it.each([
    ['zeros [2.5]', () => T.zeros([2.5]), 'Tensor.zeros: bad dimension 2.5 in shape [2.5]'],
    ['ones [-1]', () => T.ones([-1]), 'Tensor.ones: bad dimension -1 in shape [-1]'],
    ['fill [NaN]', () => T.fill([NaN], 0), 'Tensor.fill: bad dimension NaN in shape [NaN]'],
    ['fill [Infinity]', () => T.fill([2, Infinity], 0), 'Tensor.fill: bad dimension Infinity in shape [2,Infinity]'],
    ['make [2**53]', () => T.make([2 ** 53], []), 'Tensor.make: bad dimension 9007199254740992 in shape [9007199254740992]'],
    ['zeros ["N"]', () => T.zeros(['N'] as unknown as number[]), 'Tensor.zeros: bad dimension a symbol that is not identifier-like in shape [N] (dimensions are non-negative integers)'],
  ])('%s', (_, f, msg) => {
    const e = thrown(f)
    expect(e.name).toBe('ShapeError')
    expect(e.message).toBe(msg)
  })

  const opWith = (shape: sg.Shape.Shape) =>
    sg.defineOp({ name: 'badShape', arity: 1, kind: 'elementwise', shape: () => shape, eval: ([t]) => t!, notation: { form: 'call', name: 'badShape', latex: 'b' } })
  it.each([
    [[-1], 'badShape: its shape rule gave bad dimension -1 in shape [-1]'],
    [[2.5, 3], 'badShape: its shape rule gave bad dimension 2.5 in shape [2.5,3]'],
    [[NaN], 'badShape: its shape rule gave bad dimension NaN in shape [NaN]'],
    [['a b'], "badShape: its shape rule gave bad dimension a symbol that is not identifier-like in shape [?] (symbols are identifier-like, such as 'N')"],
    [null, 'badShape: its shape rule gave expected a shape (a list of dimensions), got null'],
  ])('a shape rule returning %j is refused by apply', (shape, msg) => {
    const e = thrown(() => sg.apply(opWith(shape as sg.Shape.Shape), [sg.input('x', [2])]))
    expect(e.name).toBe('ShapeError')
    expect(e.message).toBe(msg)
  })
})

describe('keys and dtypes', () => {
  it.each([NaN, Infinity, -Infinity, 1.5, 2 ** 53, '7' as unknown as number])('Random.key(%s) is refused', (seed) => {
    const e = thrown(() => R.key(seed))
    expect(e.name).toBe('SymgradError')
    expect(e.message).toMatch(/^Random\.key: expected an integer seed \(\|seed\| < 2\^53\), got /)
  })
  it('integer seeds, negative ones included, stay distinct keys', () => {
    expect(R.key(0)).toEqual([0, 0])
    expect(R.key(-1)).not.toEqual(R.key(0))
    expect(thrown(() => R.foldIn(R.key(1), 0.5)).message).toBe('Random.foldIn: expected an integer index, got 0.5')
  })
  it.each(['float16', 'bfloat16', '', 'Float32'])("compile({ dtype: '%s' }) is refused, never run in float64", (dtype) => {
    const y = sg.add(sg.input('x', [2]), 1)
    for (const f of [() => sg.compile([y], { dtype } as never), () => sg.compileStep({ values: { s: sg.sum(y) } }, { dtype, interpret: true } as never), () => sg.selectBackend(dtype as never)]) {
      const e = thrown(f)
      expect(e.name).toBe('SymgradError')
      expect(e.message).toMatch(/dtype must be one of 'float32' \| 'float64', got "/)
    }
  })
})

describe("a user op's eval is checked against its shape rule everywhere", () => {
  const bad = (result: (t: sg.Tensor.Tensor) => unknown) =>
    sg.defineOp({ name: 'liar', arity: 1, kind: 'elementwise', shape: ([s]) => s!, eval: ([t]) => result(t!) as sg.Tensor.Tensor, notation: { form: 'call', name: 'liar', latex: 'l' } })
  const x = sg.input('x', [2, 3])
  const bind = { x: T.fill([2, 3], 1) }
  it.each([
    ['too few values', (t: sg.Tensor.Tensor) => T.make([5], t.data.subarray(0, 5)), 'liar: eval returned 5 values, its shape rule says [2,3] (6 values)'],
    ['too many values', () => T.zeros([7]), 'liar: eval returned 7 values, its shape rule says [2,3] (6 values)'],
    ['another shape, same count', () => T.zeros([6]), 'liar: eval returned a tensor of shape [6], its shape rule says [2,3]'],
    ['not a tensor', () => 3, 'liar: eval returned no tensor of shape [2,3]: expected a tensor { shape, data }, got number'],
    ['plain array data', () => ({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }), 'liar: eval returned no tensor of shape [2,3]: its data must be a Float64Array, got a list'],
    ['null', () => null, 'liar: eval returned no tensor of shape [2,3]: expected a tensor { shape, data }, got null'],
    ['a lying tensor', () => ({ shape: [2, 3], data: new Float64Array(2) }), 'liar: eval returned no tensor of shape [2,3]: its data holds 2 numbers, its shape [2,3] needs 6'],
  ])('%s', (_, result, msg) => {
    const y = sg.apply(bad(result), [x])
    const viaEvaluate = evaluate([y], bind)
    expect(E.isLeft(viaEvaluate) && viaEvaluate.left.message).toBe(msg)
    const viaProgram = interpret(stages([y], { simplify: false }).program, bind)
    expect(E.isLeft(viaProgram) && viaProgram.left.message).toBe(msg)
    const compiled = sg.compile([y])(bind)
    expect(E.isLeft(compiled) && compiled.left.message).toBe(msg)
  })
})

describe('a tensor constant agrees with its shape', () => {
  it('construction: a value whose data or shape disagrees is refused', () => {
    const lying = { shape: [2, 2], data: new Float64Array(3) }
    expect(thrown(() => sg.tensor(lying)).message).toBe('tensor: its value is not a tensor: its data holds 3 numbers, its shape [2,2] needs 4')
    expect(thrown(() => sg.apply(sg.tensorOp, [], { shape: [4] }, T.zeros([2, 2]))).message).toBe('tensor: a value of shape [2,2] for the shape [4]')
    expect(thrown(() => sg.apply(sg.tensorOp, [], { shape: [2] }, { shape: [2], data: [1, 2] } as never)).message).toBe('tensor: its value is not a tensor: its data must be a Float64Array, got a list')
    expect(thrown(() => sg.apply(sg.tensorOp, [], { shape: [2] }, { shape: [2.5], data: new Float64Array(2) } as never)).message).toBe('tensor: its value is not a tensor: its shape: bad dimension 2.5 in shape [2.5]')
  })
  it('decoding: a graph tensor node whose value length differs from its shape attribute is refused naming the node', () => {
    const g = encodeGraph([sg.add(sg.tensor(T.of([1, 2, 3])), 1)]) as unknown as { nodes: { op: string; attrs: Record<string, unknown>; value?: unknown }[] }
    const edit = (f: (n: { attrs: Record<string, unknown>; value?: unknown }) => void) => {
      const copy = JSON.parse(JSON.stringify(g))
      f(copy.nodes.find((n: { op: string }) => n.op === 'tensor'))
      return decodeGraph(copy)
    }
    const longer = edit((n) => (n.attrs['shape'] = [5]))
    expect(E.isLeft(longer) && longer.left.message).toBe('graph.nodes[0] (tensor): tensor: a value of shape [3] for the shape [5]')
    const shorter = edit((n) => (n.attrs['shape'] = [2]))
    expect(E.isLeft(shorter) && shorter.left.message).toMatch(/^graph\.nodes\[0\] \(tensor\): .*for the shape \[2\]/)
    const reshaped = edit((n) => (n.attrs['shape'] = [3, 1]))
    expect(E.isLeft(reshaped)).toBe(true)
    const same = edit(() => undefined)
    expect(E.isRight(same)).toBe(true)
  })
})

describe('random draws, dropout keep, schedules and averages refuse what would be silently wrong', () => {
  it.each<[string, () => unknown, string]>([
    ['uniform [2.5]', () => R.uniform(R.key(1), [2.5]), 'Random.uniform: bad dimension 2.5 in shape [2.5]'],
    ['normal [-1]', () => R.normal(R.key(1), [-1]), 'Random.normal: bad dimension -1 in shape [-1]'],
    ['normal std NaN', () => R.normal(R.key(1), [2], NaN), 'Random.normal: expected a finite std ≥ 0 and a finite mean, got std NaN, mean 0'],
    ['uniform lo > hi', () => R.uniform(R.key(1), [2], 1, 0), 'Random.uniform: expected finite bounds lo ≤ hi, got 1..0'],
    ['split into 2.5 keys', () => R.split(R.key(1), 2.5), 'Random.split: expected a non-negative integer count, got 2.5'],
    ['a key holding NaN', () => R.uniform([NaN, 0] as unknown as sg.Random.Key, [2]), 'Random.uniform: expected a key (two unsigned 32-bit integers, from Random.key), got [NaN,0]'],
    ['a key of one word', () => R.normalArray([1] as unknown as sg.Random.Key, 2), 'Random.normal: expected a key (two unsigned 32-bit integers, from Random.key), got [1]'],
    ['permutation of 2.5', () => R.permutation(R.key(1), 2.5), 'Random.permutation: expected a non-negative integer count, got 2.5'],
    ['mlp keep 1.5', () => sg.nn.mlp([2, 3, 2], { keep: 1.5 }), 'mlp: keep must be a keep probability in (0, 1], got 1.5'],
    ['mlp keep NaN', () => sg.nn.mlp([2, 3, 2], { keep: NaN }), 'mlp: keep must be a keep probability in (0, 1], got NaN'],
    ['mlp inputKeep 0', () => sg.nn.mlp([2, 3, 2], { inputKeep: 0 }), 'mlp: inputKeep must be a keep probability in (0, 1], got 0'],
    ['exponentialDecay(NaN)', () => optim.exponentialDecay(NaN, 0.5), 'exponentialDecay: init must be a finite number, got NaN'],
    ['stepDecay every 0', () => optim.stepDecay(0.1, 0.5, 0), 'stepDecay: every must be a finite positive number, got 0'],
    ['inverseTimeDecay k Infinity', () => optim.inverseTimeDecay(0.1, Infinity), 'inverseTimeDecay: k must be a finite number, got Infinity'],
    ['linearWarmup over 0 steps', () => optim.linearWarmup(0, 1, 0), 'linearWarmup: steps must be a finite positive number, got 0'],
    ['emaAverage(NaN)', () => optim.emaAverage(NaN), 'optimizer hyperparameter decay: expected a number in [0, 1) or a schedule, got NaN'],
  ])('%s', (_, f, msg) => {
    expect(thrown(f).message).toBe(msg)
  })
  it('the ordinary calls still work and give the same numbers', () => {
    expect(R.uniform(R.key(1), [3]).data).toEqual(R.uniform(R.key(1), [3]).data)
    expect(R.split(R.key(1), 0)).toEqual([])
    expect(() => sg.nn.mlp([2, 3, 2], { keep: 1 })).not.toThrow()
    expect(optim.linearWarmup(0, 1, 10)(5)).toBe(0.5)
  })
})

