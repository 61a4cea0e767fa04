/**
 * Arbitraries shared by the tests: random smooth expressions over two inputs (for gradient and
 * second-derivative properties), and re-exports of the tensor arbitraries from `laws/`.
 */
import fc from 'fast-check'
import type { Expr } from '../src/core/Expr.js'
import { add, constant, div, exp, log, mul, neg, sigmoid, sqrt, square, sub, tanh } from '../src/ops/index.js'

export { tensorArb, directionArb } from '../laws/arbitraries.js'

/** A random expression tree, kept as a builder so it can be applied to any leaves. */
export interface Smooth {
  readonly show: string
  readonly build: (x: Expr, y: Expr) => Expr
}

const leafX: Smooth = { show: 'x', build: (x) => x }
const leafY: Smooth = { show: 'y', build: (_, y) => y }
const c = (k: number): Smooth => ({ show: String(k), build: (x) => constant(k, x.shape) })

/** Unary maps that are smooth and bounded in growth on all of ℝ (no overflow, no domain edge). */
const unaries: readonly [string, (e: Expr) => Expr][] = [
  ['tanh', tanh],
  ['σ', sigmoid],
  ['neg', neg],
  ['exp∘tanh', (e) => exp(tanh(e))],
  ['log(1+·²)', (e) => log(add(1, square(e)))],
  ['√(1+·²)', (e) => sqrt(add(1, square(e)))],
  ['·²∘tanh', (e) => square(tanh(e))],
]
const binaries: readonly [string, (a: Expr, b: Expr) => Expr][] = [
  ['+', add],
  ['−', sub],
  ['·', (a, b) => mul(tanh(a), b)],
  ['/(1+·²)', (a, b) => div(a, add(1, square(b)))],
]

/** Random smooth expressions of depth ≤ `depth` in x and y. */
export function smoothExpr(depth = 4): fc.Arbitrary<Smooth> {
  const { tree } = fc.letrec<{ tree: Smooth }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', maxDepth: depth, withCrossShrink: true },
      fc.constantFrom(leafX, leafY, c(0.5)),
      fc.tuple(fc.constantFrom(...unaries), tie('tree')).map(([[n, f], a]) => ({ show: `${n}(${a.show})`, build: (x: Expr, y: Expr) => f(a.build(x, y)) })),
      fc
        .tuple(fc.constantFrom(...binaries), tie('tree'), tie('tree'))
        .map(([[n, f], a, b]) => ({ show: `(${a.show} ${n} ${b.show})`, build: (x: Expr, y: Expr) => f(a.build(x, y), b.build(x, y)) })),
    ),
  }))
  return tree
}
