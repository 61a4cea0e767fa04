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
 *
 * One float64 add waits for the one before it (4 cycles), so one channel at a time ran at a
 * quarter of the adder's rate: a convolution's bias gradient over 64·8·24·24 terms took 0.4 ms.
 * Four channels go side by side instead, each its own chain in its own order (the same bits), and
 * the channels left over (M mod 4) one at a time.
 */
import { countDown, forRange, get, i32, ifThen, load, op, set, store, F64, I32, type Code, type Func, type Lanes } from './wasm-asm.js'

/** Channels summed side by side. */
const CH = 4

export function channelSumFunc(L: Lanes): Func {
  const E = L.bytes
  const f32 = L.lanes === 4
  const [X, OUT, A, M, B, M0, M1] = [0, 1, 2, 3, 4, 5, 6]
  const [MM, AA, P, T, O] = [7, 8, 9, 10, 11]
  /** RB + u: byte distance from channel MM's row to channel MM + u's (u = 1 … CH − 1). */
  const RB = 11
  const S = RB + CH
  const widen: Code = f32 ? [op.f64PromoteF32] : []
  const narrow: Code = f32 ? [op.f32DemoteF64] : []
  const zero: Code = [0x44, 0, 0, 0, 0, 0, 0, 0, 0]
  /** Sums channels MM .. MM + w − 1 (w = 1 or CH), chains side by side, rows RB bytes apart. */
  const channels = (w: number): Code => [
    get(OUT), get(MM), i32(E), op.mul, op.add, set(O),
    Array.from({ length: w }, (_, u) => [get(O), zero, narrow, store(L.elem, u * E)]),
    forRange(AA, i32(0), get(A), i32(1), [
      get(X), get(AA), get(M), op.mul, get(MM), op.add, get(B), op.mul, i32(E), op.mul, op.add, set(P),
      Array.from({ length: w }, (_, u) => [get(O), load(L.elem, u * E), widen, set(S + u)]),
      get(B), set(T),
      countDown(T, [
        Array.from({ length: w }, (_, u) => [get(S + u), get(P), ...(u > 0 ? [get(RB + u), op.add] : []), load(L.elem), widen, op.f64add, set(S + u)]),
        get(P), i32(E), op.add, set(P),
      ]),
      Array.from({ length: w }, (_, u) => [get(O), get(S + u), narrow, store(L.elem, u * E)]),
    ]),
  ]
  const body: Code = [
    Array.from({ length: CH - 1 }, (_, u) => [get(B), i32((u + 1) * E), op.mul, set(RB + u + 1)]),
    // CH channels at a time while CH remain, then one at a time
    forRange(MM, get(M0), [get(M1), i32(CH - 1), op.sub], i32(CH), channels(CH)),
    forRange(MM, get(MM), get(M1), i32(1), channels(1)),
  ]
  return { name: 'channelSum', params: new Array(7).fill(I32), locals: [...new Array(4 + CH).fill(I32), ...new Array(CH).fill(F64)], body }
}
