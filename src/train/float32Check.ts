/**
 * Whether a model may train in float32: the check behind `symgrad train`'s and `npm start`'s
 * default dtype. float32 is taken only when both hold:
 *
 *   1. the engine runs WebAssembly SIMD (float32 programs run on the SIMD backend; without it they
 *      would run on JavaScript float32 kernels, slower than float64);
 *   2. the float32 law holds for this model at its start: one training step (loss and every
 *      gradient) on a batch of the training data, compiled in float32, agrees with the same step
 *      compiled in float64 on the same float32-rounded parameters and inputs:
 *        |loss32 − loss64| ≤ tol·max(1, |loss64|)   and, per parameter,
 *        ‖g32 − g64‖₂ ≤ tol·max(‖g64‖₂, 1e-3·√n)    (n elements; the floor for a gradient near zero)
 *      with tol = 1e-4 (the float32 law's tolerance), and every float32 value finite. Sound models
 *      land near 1e-7 (the small convnet and a 784-50-10 MLP on MNIST: 2.6e-7 and 2.3e-7).
 *
 * Norm-wise per gradient rather than element-wise: a float32 rounding can move a pre-activation
 * across a ReLU kink or break a max-pool tie, changing a few elements of a gradient whose
 * arithmetic is sound; the laws (laws/dtype.ts, element-wise 1e-4 of each output's scale) keep
 * graphs with jumps out for that reason. What this check catches is a model float32 cannot carry:
 * values past its range (rows of order 1e37: their products overflow 3.4e38), losses or gradients
 * lost to cancellation.
 */
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import { hasWasmSimd } from '../compile/kernels/wasm-asm.js'
import type { Programs } from './programs.js'
import type { Params } from './TrainState.js'

export const float32CheckTolerance = 1e-4

export interface Float32Verdict {
  readonly ok: boolean
  /** One line: what was compared and the largest relative error, or why float32 was refused. */
  readonly reason: string
  /** The largest relative error found (NaN when the check did not get to compare). */
  readonly error: number
}

const round = (t: Tensor): Tensor => ({ shape: t.shape, data: Float64Array.from(t.data, Math.fround) })
const roundAll = (p: Params): Params => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, round(t)]))
const norm = (d: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!
  return Math.sqrt(s)
}

export interface Float32CheckInput {
  /** The step programs compiled in float32 and in float64 (the same model, loss and regularization). */
  readonly f32: Programs
  readonly f64: Programs
  readonly params: Params
  readonly modelState: Params
  /** A batch of training rows and labels. */
  readonly x: Tensor
  readonly y: Tensor
  readonly dropoutKey: Key
  readonly simd?: boolean
}

export function checkFloat32(i: Float32CheckInput, tol = float32CheckTolerance): Float32Verdict {
  if (!(i.simd ?? hasWasmSimd())) return { ok: false, error: NaN, reason: 'this engine has no WebAssembly SIMD (float32 would run on JavaScript kernels, slower than float64)' }
  const params = roundAll(i.params), state = roundAll(i.modelState), x = round(i.x)
  const a = i.f32.step(params, state, x, i.y, i.dropoutKey)
  const b = i.f64.step(params, state, x, i.y, i.dropoutKey)
  if (!Number.isFinite(b.loss)) return { ok: false, error: NaN, reason: `the float64 loss at the start is ${b.loss}` }
  if (!Number.isFinite(a.loss)) return { ok: false, error: NaN, reason: `the float32 loss at the start is ${a.loss} (float64: ${b.loss}): float32 cannot hold the values` }
  let worst = Math.abs(a.loss - b.loss) / Math.max(1, Math.abs(b.loss))
  let where = 'the loss'
  if (worst > tol) return { ok: false, error: worst, reason: `the float32 loss differs from float64 by ${worst.toPrecision(2)} (relative) > ${tol}` }
  for (const k of i.f32.paramNames) {
    const g32 = a.grads[k]!.data, g64 = b.grads[k]!.data
    if (!Array.prototype.every.call(g32, Number.isFinite)) return { ok: false, error: NaN, reason: `the float32 gradient of '${k}' is not finite: float32 cannot hold the values` }
    const diff = new Float64Array(g64.length)
    for (let j = 0; j < g64.length; j++) diff[j] = g32[j]! - g64[j]!
    const e = norm(diff) / Math.max(norm(g64), 1e-3 * Math.sqrt(g64.length))
    if (e > tol) return { ok: false, error: e, reason: `the float32 gradient of '${k}' differs from float64 by ${e.toPrecision(2)} (relative, norm-wise) > ${tol}` }
    if (e > worst) (worst = e), (where = `the gradient of '${k}'`)
  }
  return { ok: true, error: worst, reason: `one step on ${i.x.shape[0]} rows within ${worst.toPrecision(2)} of float64 (at most ${tol}; largest: ${where})` }
}
