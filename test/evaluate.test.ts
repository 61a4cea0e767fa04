import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import type { Expr, OpDef } from '../src/core/Expr.js'
import { apply } from '../src/core/Expr.js'
import * as T from '../src/core/Tensor.js'
import { ShapeError, SymgradError } from '../src/core/errors.js'
import { evaluate, evaluateAll, evaluateOrThrow } from '../src/eval/evaluate.js'
import { call, defineOp } from '../src/ops/Op.js'
import {
  add, gatherLabel, input, matmul, mul, oneHot, param, reshape, sum, transpose, where,
} from '../src/ops/index.js'

function leftMessage(r: E.Either<SymgradError, unknown>): string {
  if (E.isRight(r)) throw new Error('expected a Left')
  return r.left.message
}
function leftKind(r: E.Either<SymgradError, unknown>): string {
  if (E.isRight(r)) throw new Error('expected a Left')
  return r.left.kind
}

describe('evaluate: bindings', () => {
  const x = input('x', ['N', 3])
  const W = param('W', [3, 2])
  const y = input('y', ['N'])
  const f = sum(matmul(x, W), [1])

  it('binds symbolic dimensions from the inputs and evaluates', () => {
    const b = { x: T.of([[1, 2, 3], [4, 5, 6]]), W: T.of([[1, 0], [0, 1], [1, 1]]) }
    const r = evaluateAll([f], b)
    expect(E.isRight(r) && r.right.env).toEqual({ N: 2 })
    expect(T.toNested(evaluateOrThrow(f, b))).toEqual([1 + 2 + 3 + 3, 4 + 5 + 6 + 6])
  })

  it('a missing binding is a Left naming the leaf and its shape', () => {
    const r = evaluate([f], { x: T.zeros([2, 3]) })
    expect(leftKind(r)).toBe('binding')
    expect(leftMessage(r)).toBe("missing binding for param 'W' [3,2]")
  })

  it('a wrongly shaped binding names the leaf, expected and actual shapes', () => {
    const b = { x: T.zeros([2, 4]), W: T.zeros([3, 2]) }
    expect(leftMessage(evaluate([f], b))).toBe("binding for input 'x' [N,3]: expected [N,3], got [2,4] (axis 1)")
    const rank = { x: T.zeros([3]), W: T.zeros([3, 2]) }
    expect(leftMessage(evaluate([f], rank))).toBe("binding for input 'x' [N,3]: expected rank 2 [N,3], got [3]")
  })

  it('a symbolic dimension bound twice differently is a Left naming both values', () => {
    const g = add(f, y)
    const b = { x: T.zeros([4, 3]), W: T.zeros([3, 2]), y: T.zeros([5]) }
    expect(leftMessage(evaluate([g], b))).toBe("binding for input 'y' [N]: expected [N] with N=4, got [5]")
  })

  it('a binding that is not a tensor is a Left', () => {
    const bad = { x: { shape: [2, 3], data: new Float64Array(5) }, W: T.zeros([3, 2]) }
    expect(leftMessage(evaluate([f], bad))).toBe("binding for input 'x' [N,3] is not a tensor: its data holds 5 numbers, its shape [2,3] needs 6")
  })

  it('labels out of range or not integers are a Left naming the op, row and range', () => {
    const s = input('s', ['N', 4])
    const g = gatherLabel(s, y)
    const sv = T.zeros([3, 4])
    expect(leftKind(evaluate([g], { s: sv, y: T.of([0, 7, 1]) }))).toBe('value')
    expect(leftMessage(evaluate([g], { s: sv, y: T.of([0, 7, 1]) }))).toBe(
      'gatherLabel: label 7 at row 1 is out of range: expected an integer in [0, 4)',
    )
    expect(leftMessage(evaluate([g], { s: sv, y: T.of([0, 1, 1.5]) }))).toBe(
      'gatherLabel: label 1.5 at row 2 is out of range: expected an integer in [0, 4)',
    )
    expect(leftMessage(evaluate([oneHot(y, 4)], { y: T.of([-1]) }))).toBe(
      'oneHot: label -1 at row 0 is out of range: expected an integer in [0, 4)',
    )
  })

  it('an exception inside an op becomes a Left naming the op', () => {
    const boom: OpDef = defineOp({
      name: 'boom',
      arity: 1,
      kind: 'elementwise',
      shape: ([s]) => s!,
      eval: () => {
        throw new RangeError('no values today')
      },
      notation: call('boom', 'boom'),
    })
    const r = evaluate([apply(boom, [W]) as Expr], { W: T.zeros([3, 2]) })
    expect(leftKind(r)).toBe('value')
    expect(leftMessage(r)).toBe('boom: no values today')
  })

  it('two op definitions that share a name are different nodes (interning is by op identity)', () => {
    const mk = (k: number): OpDef =>
      defineOp({ name: 'scaleBy', arity: 1, kind: 'elementwise', shape: ([s]) => s!, eval: ([t]) => T.scale(t!, k), notation: call('scaleBy', 's') })
    const [two, three] = [apply(mk(2), [W]), apply(mk(3), [W])]
    expect(two).not.toBe(three)
    const r = evaluate([two, three], { W: T.ones([3, 2]) })
    expect(E.isRight(r) && r.right.map((t) => t.data[0])).toEqual([2, 3])
  })

  it('never mutates the bindings', () => {
    const b = { x: T.of([[1, 2, 3]]), W: T.of([[1, 2], [3, 4], [5, 6]]) }
    const copies = [Float64Array.from(b.x.data), Float64Array.from(b.W.data)]
    evaluateOrThrow(mul(transpose(f), 2), b)
    expect(b.x.data).toEqual(copies[0])
    expect(b.W.data).toEqual(copies[1])
  })
})

describe('builders: shape errors name the op, the argument, expected and actual', () => {
  const a = input('a', [3, 4])
  const v = input('v', [5])
  const thrown = (f: () => unknown): string => {
    try {
      f()
    } catch (e) {
      expect(e).toBeInstanceOf(ShapeError)
      return (e as Error).message
    }
    throw new Error('expected a ShapeError')
  }
  it('elementwise broadcasting', () => {
    expect(thrown(() => add(a, v as Expr))).toBe('add: argument 2 of shape [5] does not broadcast with argument 1 of shape [3,4]')
    expect(thrown(() => where(a, v, 0))).toBe('where: argument 2 of shape [5] does not broadcast with argument 1 of shape [3,4]')
  })
  it('matmul (shapes not known as literals at compile time)', () => {
    const x = input('x', ['N', 784] as readonly (string | number)[])
    const W = param('W', [100, 10] as readonly (string | number)[])
    expect(thrown(() => matmul(x, W))).toBe('matmul: argument 2 expected [784,*] to match argument 1 [N,784], got [100,10]')
    expect(thrown(() => matmul(v as Expr, W))).toBe('matmul: argument 1 expected a matrix [M,K], got [5]')
  })
  it('labels, reshape and axes', () => {
    const s = input('s', [4, 3])
    expect(thrown(() => gatherLabel(s, v))).toBe('gatherLabel: argument 2 expected labels [4], got [5]')
    expect(thrown(() => gatherLabel(v, v))).toBe('gatherLabel: argument 1 expected scores [N,C], got [5]')
    expect(thrown(() => reshape(a, [5, 2]))).toBe('reshape: cannot reshape argument 1 of shape [3,4] to [5,2]')
    expect(thrown(() => sum(a, [2]))).toBe('sum: axis 2 is out of range for rank 2')
    expect(thrown(() => transpose(a, [0, 0]))).toBe('transpose: perm [0,0] is not a permutation of the axes of argument 1 [3,4]')
    expect(thrown(() => oneHot(a, 3))).toBe('oneHot: argument 1 expected labels [N], got [3,4]')
  })
  it('leaves reject bad dimensions', () => {
    expect(thrown(() => input('z', [2, -1]))).toBe("input 'z': bad dimension -1 in shape [2,-1]")
    expect(thrown(() => param('p', [1.5]))).toBe("param 'p': bad dimension 1.5 in shape [1.5]")
  })
})
