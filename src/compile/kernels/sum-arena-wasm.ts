/**
 * Per-channel sums in WebAssembly for the WebAssembly backend's memory: a sum whose kept axes are
 * one block between reduced ones, x viewed as [A, M, B] (a convolution's bias gradient: [N, C, H, W]
 * → [C], A = N, M = C, B = H·W):
 *
 *   channelSum(x, out, A, M, B, m0, m1): out[m] = Σ_a Σ_b x[(a·M + m)·B + b]   for m in m0..m1
 *
 * The JavaScript kernel's bits (kernels/reduce.ts): for each a in order, out[m] is read, the row's
 * terms added in order in float64 (float32 terms widened), and the sum stored back (rounded to
 * float32 there). Threads take disjoint channels, so the bits do not depend on them.
 */
import { countDown, forRange, get, i32, load, op, set, store, F64, I32, type Code, type Func, type Lanes } from './wasm-asm.js'

export function channelSumFunc(L: Lanes): Func {
  const E = L.bytes
  const f32 = L.lanes === 4
  const [X, OUT, A, M, B, M0, M1] = [0, 1, 2, 3, 4, 5, 6]
  const [MM, AA, P, T, O] = [7, 8, 9, 10, 11]
  const S = 12
  const widen: Code = f32 ? [op.f64PromoteF32] : []
  const body: Code = forRange(MM, get(M0), get(M1), i32(1), [
    get(OUT), get(MM), i32(E), op.mul, op.add, set(O),
    get(O), [0x44, 0, 0, 0, 0, 0, 0, 0, 0], ...(f32 ? [op.f32DemoteF64] : []), store(L.elem),
    forRange(AA, i32(0), get(A), i32(1), [
      get(X), get(AA), get(M), op.mul, get(MM), op.add, get(B), op.mul, i32(E), op.mul, op.add, set(P),
      get(O), load(L.elem), widen, set(S),
      get(B), set(T),
      countDown(T, [get(S), get(P), load(L.elem), widen, op.f64add, set(S), get(P), i32(E), op.add, set(P)]),
      get(O), get(S), ...(f32 ? [op.f32DemoteF64] : []), store(L.elem),
    ]),
  ])
  return { name: 'channelSum', params: new Array(7).fill(I32), locals: [...new Array(5).fill(I32), F64], body }
}
