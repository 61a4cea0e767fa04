/**
 * Per-channel sums in WebAssembly for the WebAssembly backend's memory: a sum whose kept axes are
 * one block between reduced ones, x viewed as [A, M, B] (a convolution's bias gradient: [N, C, H, W]
 * → [C], A = N, M = C, B = H·W):
 *
 *   channelSum(x, out, A, M, B, m0, m1): out[m] = Σ_a Σ_b x[(a·M + m)·B + b]   for m in m0..m1
 *
 * Accumulated in float64 whatever the data (float32 vectors are widened), in two float64x2
 * accumulators and a scalar one for each row's last elements, then added up and rounded once, so
 * a float32 sum of tens of thousands of terms keeps float32 accuracy. Threads take disjoint
 * channels, so the bits do not depend on them.
 */
import { countDown, f64x2, forRange, get, i32, load, op, set, simd, store, tee, v128zero, F64, I32, V128, type Code, type Func, type Lanes } from './wasm-asm.js'

export function channelSumFunc(L: Lanes): Func {
  const E = L.bytes
  const f32 = L.lanes === 4
  const [X, OUT, A, M, B, M0, M1] = [0, 1, 2, 3, 4, 5, 6]
  const [MM, AA, P, V, T] = [7, 8, 9, 10, 11]
  const S = 12
  const [ACC0, ACC1, W] = [13, 14, 15]
  const promoteLow = simd(95)
  const high: Code = [simd(13), ...[8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]]
  const vector: Code = f32
    ? [get(P), load(V128), tee(W), promoteLow, get(ACC0), f64x2.add, set(ACC0),
      get(W), get(W), high, promoteLow, get(ACC1), f64x2.add, set(ACC1)]
    : [get(P), load(V128), get(ACC0), f64x2.add, set(ACC0)]
  const one: Code = [get(P), load(L.elem), ...(f32 ? [op.f64PromoteF32] : []), get(S), op.f64add, set(S)]
  const body: Code = forRange(MM, get(M0), get(M1), i32(1), [
    v128zero, set(ACC0), v128zero, set(ACC1), [0x44, 0, 0, 0, 0, 0, 0, 0, 0], set(S),
    forRange(AA, i32(0), get(A), i32(1), [
      get(X), get(AA), get(M), op.mul, get(MM), op.add, get(B), op.mul, i32(E), op.mul, op.add, set(P),
      get(B), i32(f32 ? 2 : 1), op.shrU, set(V),
      countDown(V, [vector, get(P), i32(16), op.add, set(P)]),
      get(B), i32(L.lanes - 1), op.and, set(T),
      countDown(T, [one, get(P), i32(E), op.add, set(P)]),
    ]),
    get(ACC0), get(ACC1), f64x2.add, set(ACC0),
    get(OUT), get(MM), i32(E), op.mul, op.add,
    get(ACC0), f64x2.extract(0), get(ACC0), f64x2.extract(1), op.f64add, get(S), op.f64add,
    ...(f32 ? [op.f32DemoteF64] : []), store(L.elem),
  ])
  return { name: 'channelSum', params: new Array(7).fill(I32), locals: [...new Array(5).fill(I32), F64, V128, V128, V128], body }
}
