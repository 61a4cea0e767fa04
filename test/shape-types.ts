/**
 * Type-level tests of literal shapes, checked by `tsc --noEmit` (part of `npm test`); vitest does
 * not run this file (its name has no `.test`). Each `// @ts-expect-error` line must fail to
 * compile — if it ever compiles, tsc reports the unused directive and the suite fails.
 * Nothing here is executed: the builders sit inside a function that is never called.
 */
import type { Expr } from '../src/core/Expr.js'
import type { Dim, Shape } from '../src/core/Shape.js'
import {
  add, broadcastTo, div, exp, gatherLabel, gt, input, logSoftmax, logSumExp, matmul, max, maximum, mean, mul, oneHot,
  param, relu, reshape, sigmoid, softmax, sub, sum, tanh, transpose, where,
} from '../src/ops/index.js'

/** True exactly when X and Y are the same type (not merely assignable either way). */
export type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false
/** Compiles only for `true`. */
export function expectType<T extends true>(_proof?: T): void {}
type ShapeIs<E, S> = E extends Expr<infer T> ? Equal<T, S> : false

export function shapeTypes(): void {
  // ── leaves keep their literal shapes, symbolic dims included ──
  const x = input('x', ['N', 784])
  const W = param('W', [784, 10])
  const b = param('b', [10])
  expectType<ShapeIs<typeof x, readonly ['N', 784]>>()
  expectType<ShapeIs<typeof W, readonly [784, 10]>>()

  // ── matmul: [N,784]×[784,10] is Expr<['N',10]>; mismatched inner dimensions do not compile ──
  const h = matmul(x, W)
  expectType<Equal<typeof h, Expr<['N', 10]>>>()
  // @ts-expect-error [N,784]×[100,10]: inner dimensions differ
  matmul(input('x', ['N', 784]), param('W', [100, 10]))
  // @ts-expect-error [784,10]×[784,10]: inner dimensions differ
  matmul(W, W)
  // @ts-expect-error argument 1 is not a matrix
  matmul(b, W)
  // @ts-expect-error argument 2 is not a matrix
  matmul(x, param('v', [784]))
  // chained: [N,784]×[784,10]×[10,3]
  const h2 = matmul(h, param('W2', [10, 3]))
  expectType<ShapeIs<typeof h2, ['N', 3]>>()
  // @ts-expect-error [N,10]×[3,10]
  matmul(h, param('W3', [3, 10]))
  // shapes only known at run time compile (and are checked when the graph is built)
  const loose: Expr<Shape> = x
  expectType<ShapeIs<ReturnType<typeof matmul<Shape, Shape>>, [Dim, Dim]>>()
  matmul(loose, W)

  // ── elementwise ops keep literal shapes; broadcasting gives the broadcast literal shape ──
  const z = add(h, b)
  expectType<ShapeIs<typeof z, ['N', 10]>>()
  expectType<ShapeIs<ReturnType<typeof tanh<['N', 10]>>, ['N', 10]>>()
  const a1 = relu(tanh(sigmoid(exp(z))))
  expectType<ShapeIs<typeof a1, ['N', 10]>>()
  const scaled = mul(2, z)
  expectType<ShapeIs<typeof scaled, ['N', 10]>>()
  const col = param('col', [3, 1])
  const row = param('row', [4])
  const outer = sub(col, row)
  expectType<ShapeIs<typeof outer, [3, 4]>>()
  const q = div(maximum(outer, 0), param('s', [1, 4]))
  expectType<ShapeIs<typeof q, [3, 4]>>()
  const c = gt(z, 0)
  expectType<ShapeIs<typeof c, ['N', 10]>>()
  expectType<ShapeIs<ReturnType<typeof where<['N', 10]>>, ['N', 10]>>()
  // @ts-expect-error [N,10] + [3]: the last dimensions differ
  add(h, param('c3', [3]))
  // @ts-expect-error [3,1] · [2,4]: 3 against 2
  mul(col, param('m24', [2, 4]))
  // @ts-expect-error a symbolic dimension does not broadcast against a different number
  add(input('u', ['N']), param('w5', [5]))

  // ── reductions remove the reduced axes from the literal shape ──
  const s1 = sum(z, [1])
  expectType<ShapeIs<typeof s1, ['N']>>()
  const s0 = sum(z, [0])
  expectType<ShapeIs<typeof s0, [10]>>()
  const all = sum(z)
  expectType<ShapeIs<typeof all, []>>()
  const t3 = input('t3', [2, 3, 4])
  expectType<ShapeIs<ReturnType<typeof mean<readonly [2, 3, 4], [0, 2]>>, [3]>>()
  const m02 = mean(t3, [0, 2])
  expectType<ShapeIs<typeof m02, [3]>>()
  const mx = max(t3, [1])
  expectType<ShapeIs<typeof mx, [2, 4]>>()
  const lse = logSumExp(z, [1])
  expectType<ShapeIs<typeof lse, ['N']>>()
  // negative axes are not resolved at the type level: the shape widens to Shape
  const neg1 = sum(z, [-1])
  expectType<ShapeIs<typeof neg1, Shape>>()

  // ── movement, labels, composites ──
  const tW = transpose(W)
  expectType<ShapeIs<typeof tW, [10, 784]>>()
  const rs = reshape(W, [7840])
  expectType<ShapeIs<typeof rs, readonly [7840]>>()
  const bc = broadcastTo(b, ['N', 10])
  expectType<ShapeIs<typeof bc, readonly ['N', 10]>>()
  const y = input('y', ['N'])
  const oh = oneHot(y, 10)
  expectType<ShapeIs<typeof oh, ['N', 10]>>()
  const picked = gatherLabel(z, y)
  expectType<ShapeIs<typeof picked, ['N']>>()
  const ls = logSoftmax(z)
  expectType<ShapeIs<typeof ls, ['N', 10]>>()
  const sm = softmax(z)
  expectType<ShapeIs<typeof sm, ['N', 10]>>()

  // the helper itself tells shapes apart
  expectType<Equal<ShapeIs<typeof h, ['N', 11]>, false>>()
  expectType<Equal<ShapeIs<typeof h, [Dim, Dim]>, false>>()
}
