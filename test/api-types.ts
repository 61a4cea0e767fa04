/**
 * Type-level tests of the public API's shapes, checked by `tsc --noEmit` (tsconfig includes test/):
 * each `@ts-expect-error` line must fail to compile, or tsc reports the unused directive.
 */
import type * as E from 'fp-ts/lib/Either.js'
import * as sg from '../src/index.js'
import { grad, nn, param, square, sum, valueAndGrad, type Expr, type Tensor } from '../src/index.js'
import * as node from '../src/node/index.js'
import * as web from '../src/web/index.js'
import * as queue from '../src/queue/index.js'
import * as laws from '../laws/index.js'

// dropout: how much is dropped is named; a bare number (keep in some libraries, rate in others) is refused
export const kept = nn.dropout({ keep: 0.9 })
export const dropped = nn.dropout({ rate: 0.1 })
// @ts-expect-error a bare number: keep or rate?
nn.dropout(0.1)
// @ts-expect-error keep and rate together
nn.dropout({ keep: 0.9, rate: 0.1 })

// valueAndGrad: the gradients have the shape of `wrt` (record → record, array → array), like grad
const w = param('w', [3])
const lossW = sum(square(w))
export const byName: Tensor.Tensor = valueAndGrad(lossW, { w }).runOrThrow({}).grads.w
export const byIndex: readonly Tensor.Tensor[] = valueAndGrad(lossW, [w]).runOrThrow({}).grads
// @ts-expect-error an array in gives an array out, not a record keyed '0'
export const notKeyed: Tensor.Tensor = valueAndGrad(lossW, [w]).runOrThrow({}).grads.w
export const gradsByIndex: Expr[] = grad(lossW, [w])
export const gradsByName: Record<'w', Expr> = grad(lossW, { w })

// every …OrThrow twin takes the same arguments as its Either-returning call (read from the types of
// each public namespace; overloads compare by their last, widest signature)
type Mismatched<M> = {
  [K in keyof M & string]: K extends `${infer B}OrThrow`
    ? B extends keyof M
      ? M[B] extends (...a: infer P) => unknown
        ? M[K] extends (...a: infer Q) => unknown
          ? [P] extends [Q] ? ([Q] extends [P] ? never : K) : K
          : K
        : never
      : never
    : never
}[keyof M & string]
type NoMismatch<T extends never> = T
export type Twins = [
  NoMismatch<Mismatched<typeof sg>>,
  NoMismatch<Mismatched<typeof sg.nn>>,
  NoMismatch<Mismatched<typeof sg.optim>>,
  NoMismatch<Mismatched<typeof sg.Data>>,
  NoMismatch<Mismatched<typeof sg.io>>,
  NoMismatch<Mismatched<typeof sg.train>>,
  NoMismatch<Mismatched<typeof node>>,
  NoMismatch<Mismatched<typeof web>>,
  NoMismatch<Mismatched<typeof queue>>,
  NoMismatch<Mismatched<typeof laws>>,
]
// the check finds a twin with other arguments
declare const wrongTwin: { f: (x: number) => E.Either<sg.SymgradError, number>; fOrThrow: (x: string) => number }
// @ts-expect-error fOrThrow takes a string where f takes a number
export type Caught = NoMismatch<Mismatched<typeof wrongTwin>>

// evaluate and evaluateOrThrow: one expression gives one tensor, an array an array
export const one: Tensor.Tensor = sg.evaluateOrThrow(lossW, { w: sg.Tensor.zeros([3]) })
export const many: Tensor.Tensor[] = sg.evaluateOrThrow([lossW, w], { w: sg.Tensor.zeros([3]) })
export const oneE: E.Either<sg.SymgradError, Tensor.Tensor> = sg.evaluate(lossW, { w: sg.Tensor.zeros([3]) })
// @ts-expect-error an array in is an array out
export const notOne: Tensor.Tensor = sg.evaluateOrThrow([lossW], {})

// ex: holes are Exprs or numbers
export const formula: Expr = sg.ex`(${w} + 1) * ${2}`
// @ts-expect-error a string is not a hole
sg.ex`${'w'} + 1`
