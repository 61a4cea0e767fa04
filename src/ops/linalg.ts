/**
 * Matrix product. The reference evaluation is the plain i-k-j loop; the compiler brings the fast
 * (blocked, transposed-form) kernels.
 */
import type { Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Dim, Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'
import { defineOp, infix, Prec } from './Op.js'
import { transpose } from './movement.js'

/** The shape of a matrix, [rows, columns]. */
export type Mat = readonly [Dim, Dim]
type Literal<A extends Shape> = number extends A['length'] ? false : true

/**
 * Type-level check: for literal shapes, both must be matrices with equal inner dimensions;
 * otherwise the argument type becomes an impossible intersection naming both shapes.
 */
export type InnerMatch<A extends Shape, B extends Shape> =
  Literal<A> extends false
    ? unknown
    : Literal<B> extends false
      ? unknown
      : A extends Mat
        ? B extends Mat
          ? A[1] extends B[0]
            ? unknown
            : B[0] extends A[1]
              ? unknown
              : { readonly 'matmul: inner dimensions differ': readonly [A, B] }
          : { readonly 'matmul: argument 2 is not a matrix': B }
        : { readonly 'matmul: argument 1 is not a matrix': A }
/** The type of a matmul result: [A rows, B columns] when both are matrices. */
export type MatmulOut<A extends Shape, B extends Shape> = A extends Mat ? (B extends Mat ? [A[0], B[1]] : [Dim, Dim]) : [Dim, Dim]

// ── matmul ──  d(A·B) = dC·Bᵀ for A, Aᵀ·dC for B
/** The op record of `matmul` (shape rule, evaluation, derivative, printed form, law cases): d(A·B) = dC·Bᵀ for A, Aᵀ·dC for B. */
export const matmulOp = defineOp({
  name: 'matmul',
  arity: 2,
  kind: 'linalg',
  lowering: 'kernel',
  shape: ([a, b]) => {
    if (a!.length !== 2) throw new ShapeError(`matmul: argument 1 expected a matrix [M,K], got ${S.show(a!)}`)
    if (b!.length !== 2) throw new ShapeError(`matmul: argument 2 expected a matrix [K,N], got ${S.show(b!)}`)
    if (a![1] !== b![0])
      throw new ShapeError(`matmul: argument 2 expected [${a![1]},*] to match argument 1 ${S.show(a!)}, got ${S.show(b!)}`)
    return [a![0]!, b![1]!]
  },
  eval: ([a, b], { outShape }) => {
    const [m, k] = a!.shape as [number, number]
    const n = b!.shape[1]!
    const out = new Float64Array(m * n)
    const A = a!.data
    const B = b!.data
    for (let i = 0; i < m; i++)
      for (let p = 0; p < k; p++) {
        const v = A[i * k + p]!
        if (v === 0) continue
        for (let j = 0; j < n; j++) out[i * n + j]! += v * B[p * n + j]!
      }
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [a, b], cot }) => [matmul(cot, transpose(b!)), matmul(transpose(a!), cot)],
  notation: infix('@', '', Prec.matmul, 'both'),
  law: { cases: [{ shapes: [[3, 4], [4, 2]], attrs: {} }, { shapes: [[1, 5], [5, 1]], attrs: {} }] },
})

/** Matrix product `[M,K]·[K,N] → [M,N]`; mismatched literal inner dimensions do not compile. */
export function matmul<A extends Shape, B extends Shape>(a: Expr<A>, b: Expr<B> & InnerMatch<A, B>): Expr<MatmulOut<A, B>> {
  return apply(matmulOp, [a, b]) as Expr<MatmulOut<A, B>>
}
