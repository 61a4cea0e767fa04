/**
 * Reductions for the JavaScript backend, by index arithmetic over the input's row-major layout.
 * When the reduced axes form one block (the usual case: rows, columns, everything) the input is
 * viewed as [outer, reduced, inner] and read in place; when the kept axes form one block between
 * reduced ones (a per-channel sum over [N, C, H, W]: a convolution's bias gradient) it is viewed as
 * [reduced, kept, reduced]; otherwise a general odometer walks it. All add the terms of each output
 * in the input's row-major order, like the reference evaluator.
 */
import { forEachOffset, reducedStrides } from '../../ops/movement.js'
import { normData } from '../../ops/stable.js'

export type ReduceKind = 'sum' | 'mean' | 'max' | 'logSumExp' | 'norm'

/** OUT[o] = reduce of X over `axes` (sorted) of the row-major shape `dims`. */
export function reduce(kind: ReduceKind, X: Float64Array, dims: readonly number[], axes: readonly number[], OUT: Float64Array): void {
  let outer = 1
  let red = 1
  let inner = 1
  const block = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1)
  for (let i = 0; i < dims.length; i++) {
    if (axes.includes(i)) red *= dims[i]!
    else if (axes.length === 0 || i < axes[0]!) outer *= dims[i]!
    else inner *= dims[i]!
  }
  const nOut = outer * inner
  // the norm op's own scaled computation (ops/stable.ts)
  if (kind === 'norm') return void OUT.set(normData({ shape: [...dims], data: X }, axes, dims.filter((_, i) => !axes.includes(i))))
  if (kind === 'logSumExp') {
    reduceInto('max', X, dims, axes, OUT, block, outer, red, inner)
    for (let i = 0; i < nOut; i++) if (OUT[i] === -Infinity) OUT[i] = 0
    logSumExpRest(X, dims, axes, OUT, block, outer, red, inner)
    return
  }
  reduceInto(kind === 'max' ? 'max' : 'sum', X, dims, axes, OUT, block, outer, red, inner)
  if (kind === 'mean') {
    const n = red
    for (let i = 0; i < nOut; i++) OUT[i] = OUT[i]! / n
  }
}

function reduceInto(kind: 'sum' | 'max', X: Float64Array, dims: readonly number[], axes: readonly number[], OUT: Float64Array, block: boolean, outer: number, red: number, inner: number): void {
  const nOut = outer * inner
  const init = kind === 'sum' ? 0 : -Infinity
  OUT.fill(init, 0, nOut)
  if (!block) {
    if (kind === 'sum' && keptBlock(X, dims, axes, OUT)) return
    general(X, dims, axes, OUT, kind === 'max')
    return
  }
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let acc = init
      const base = o * red
      if (kind === 'sum') for (let r = 0; r < red; r++) acc += X[base + r]!
      else for (let r = 0; r < red; r++) acc = Math.max(acc, X[base + r]!)
      OUT[o] = acc
    }
    return
  }
  for (let o = 0; o < outer; o++) {
    const ob = o * inner
    for (let r = 0; r < red; r++) {
      const xb = (o * red + r) * inner
      if (kind === 'sum') for (let i = 0; i < inner; i++) OUT[ob + i]! += X[xb + i]!
      else for (let i = 0; i < inner; i++) OUT[ob + i] = Math.max(OUT[ob + i]!, X[xb + i]!)
    }
  }
}

/** With OUT holding the (finite) maxima m: OUT = m + log Σ exp(x − m). */
function logSumExpRest(X: Float64Array, dims: readonly number[], axes: readonly number[], OUT: Float64Array, block: boolean, outer: number, red: number, inner: number): void {
  const nOut = outer * inner
  if (block && inner === 1) {
    for (let o = 0; o < outer; o++) {
      const mo = OUT[o]!
      const base = o * red
      let s = 0
      for (let r = 0; r < red; r++) s += Math.exp(X[base + r]! - mo)
      OUT[o] = mo + Math.log(s)
    }
    return
  }
  const m = OUT.slice(0, nOut)
  OUT.fill(0, 0, nOut)
  forEachOffset(dims, reducedStrides(dims, axes), (i, off) => (OUT[off]! += Math.exp(X[i]! - m[off]!)))
  for (let o = 0; o < nOut; o++) OUT[o] = m[o]! + Math.log(OUT[o]!)
}

/**
 * OUT[m] = Σ_a Σ_b X[(a·M + m)·B + b] when the kept axes are one block [i, j) (reduced axes before
 * and after it), in row-major order of the terms; false (nothing written) for any other pattern.
 */
function keptBlock(X: Float64Array, dims: readonly number[], axes: readonly number[], OUT: Float64Array): boolean {
  const kept = dims.map((_, i) => i).filter((i) => !axes.includes(i))
  if (kept.length === 0 || kept.some((a, i) => i > 0 && a !== kept[i - 1]! + 1)) return false
  const size = (from: number, to: number) => dims.slice(from, to).reduce((p, d) => p * d, 1)
  const A = size(0, kept[0]!)
  const M = size(kept[0]!, kept[kept.length - 1]! + 1)
  const B = size(kept[kept.length - 1]! + 1, dims.length)
  for (let a = 0; a < A; a++)
    for (let m = 0; m < M; m++) {
      let acc = OUT[m]!
      const base = (a * M + m) * B
      for (let b = 0; b < B; b++) acc += X[base + b]!
      OUT[m] = acc
    }
  return true
}

function general(X: Float64Array, dims: readonly number[], axes: readonly number[], OUT: Float64Array, isMax: boolean): void {
  const st = reducedStrides(dims, axes)
  if (isMax) forEachOffset(dims, st, (i, off) => (OUT[off] = Math.max(OUT[off]!, X[i]!)))
  else forEachOffset(dims, st, (i, off) => (OUT[off]! += X[i]!))
}
