/**
 * Type-level tests of the public API's shapes, checked by `tsc --noEmit` (tsconfig includes test/):
 * each `@ts-expect-error` line must fail to compile, or tsc reports the unused directive.
 */
import { grad, nn, param, square, sum, valueAndGrad, type Expr, type Tensor } from '../src/index.js'

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
