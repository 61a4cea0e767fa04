/** Shape helpers shared by layer records (per-example shapes, no batch axis). */
import { ShapeError } from '../../core/errors.js'

export function show(s: readonly number[]): string {
  return `[N${s.map((d) => `,${d}`).join('')}]`
}

export function size(s: readonly number[]): number {
  return s.reduce((a, d) => a * d, 1)
}

/** The one feature width of a [N, features] input; a ShapeError for any other rank. */
export function features(kind: string, inShape: readonly number[]): number {
  if (inShape.length !== 1) throw new ShapeError(`${kind} expects [N, features], got ${show(inShape)} (add a flatten layer before it)`)
  return inShape[0]!
}

/** A projection to k of the entries of `inShape` needs 1 ≤ k ≤ their number. */
export function checkK(kind: string, k: number, inShape: readonly number[]): void {
  if (k > size(inShape)) throw new ShapeError(`${kind} to k = ${k} components needs at least ${k} features, got ${show(inShape)}`)
}
