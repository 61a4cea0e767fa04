/** Integer-label kernels for the JavaScript backend; labels out of range throw a value error. */
import { SymgradError } from '../../core/errors.js'

function label(op: string, y: number, c: number, i: number): number {
  if (!Number.isInteger(y) || y < 0 || y >= c)
    throw new SymgradError('value', `${op}: label ${y} at row ${i} is out of range: expected an integer in [0, ${c})`)
  return y
}

/** OUT[n×c] = one-hot rows of the labels Y[n]. */
export function oneHot(Y: Float64Array, n: number, c: number, OUT: Float64Array): void {
  OUT.fill(0, 0, n * c)
  for (let i = 0; i < n; i++) OUT[i * c + label('oneHot', Y[i]!, c, i)] = 1
}

/** OUT[i] = S[i, Y[i]] for scores S[n×c]. */
export function gatherLabel(S: Float64Array, Y: Float64Array, n: number, c: number, OUT: Float64Array): void {
  for (let i = 0; i < n; i++) OUT[i] = S[i * c + label('gatherLabel', Y[i]!, c, i)]!
}
