/**
 * Per-channel sums in WebAssembly for the WebAssembly backend's memory: a sum whose kept axes are
 * one block between reduced ones, x viewed as [A, M, B] (a convolution's bias gradient: [N, C, H, W]
 * → [C], A = N, M = C, B = H·W):
 *
 *   channelSum(x, out, A, M, B, m0, m1): out[m] = Σ_a Σ_b x[(a·M + m)·B + b]   for m in m0..m1
 *
 * Threads take disjoint channels and each channel's order depends only on A and B, so the bits do
 * not depend on the threads.
 *
 * float64: the JavaScript kernel's bits (kernels/reduce.ts): for each a in order, out[m] is read,
 * the row's terms added in order, and the sum stored back. One add waits for the one before it,
 * so four channels go side by side, each its own chain in its own order (the same bits), and the
 * channels left over (M mod 4) one at a time.
 *
 * float32: each channel in sixteen float64 lanes (eight f64x2 accumulators), rounded to float32
 * once. Along each row, terms b = 16j + 2i + l go to accumulator i, lane l, for the whole 16-term
 * groups; the next whole 4-term groups to accumulators 0 and 1 the same way; the last B mod 4
 * terms to a scalar float64 chain. At the end the accumulators are added as a tree
 * ((0+1)+(2+3))+((4+5)+(6+7)), then lane 0 + lane 1, then the scalar chain. Terms widen exactly,
 * so the result is the float64 sum (its error at most A·B·2⁻⁵³·Σ|x|) rounded once to float32: more
 * accurate than the JavaScript kernel's float32 path, which rounds the partial sum to float32 after
 * each row, and than the float32 law asks (laws/dtype.ts). Each load widens two terms
 * (v128.load64_zero, f64x2.promote_low_f32x4). With eight independent chains instead of one per
 * channel, the kernel alone over 64·8·24·24 terms took 34 µs against 105 µs (2.6 GHz Xeon, Node 20);
 * inside the convnet's training step, its input no longer in the nearest caches, 60–65 µs against
 * 135 µs. Reading the rows in memory order (a block of channels at a time, accumulators kept in
 * scratch) gained 2–4 µs there and was left out.
 */
import { countDown, forRange, get, i32, load, memarg, op, set, simd, store, v128zero, f64, F32, F64, I32, V128, type Code, type Func, type Lanes } from './wasm-asm.js'

/** Channels summed side by side (float64). */
const CH = 4

export function channelSumFunc(L: Lanes): Func {
  return L.lanes === 4 ? channelSum32() : channelSum64(L)
}

/** v128.load64_zero: two float32 terms into the low half of a vector. */
const load64zero = (offset: number): Code => [0xfd, 0x5d, ...memarg(3, offset)]
/** f64x2.promote_low_f32x4: the low two float32 lanes widened to float64 (exact). */
const promoteLow = simd(0x5f)
const f64x2add = simd(0xf0)
const f64x2lane = (l: number): Code => [...(simd(0x21) as number[]), l]
/** f64x2 accumulators per channel (two float32 terms each per 16-term group). */
const ACCS = 8

function channelSum32(): Func {
  const [X, OUT, A, M, B, M0, M1] = [0, 1, 2, 3, 4, 5, 6]
  const [MM, AA, P, T, N16, N4, N1] = [7, 8, 9, 10, 11, 12, 13]
  const ACC = 14
  const S = ACC + ACCS
  /** acc_i += widen(two terms at P + offset). */
  const addPair = (i: number, offset: number): Code => [get(ACC + i), get(P), load64zero(offset), promoteLow, f64x2add, set(ACC + i)]
  const advance = (bytes: number): Code => [get(P), i32(bytes), op.add, set(P)]
  let tree: Code = []
  for (let w = 1; w < ACCS; w *= 2) for (let i = 0; i + w < ACCS; i += 2 * w) tree = [tree, get(ACC + i), get(ACC + i + w), f64x2add, set(ACC + i)]
  const body: Code = [
    // whole 16-term groups, then whole 4-term groups, then single terms, per row
    get(B), i32(4), op.shrU, set(N16),
    get(B), i32(2), op.shrU, i32(3), op.and, set(N4),
    get(B), i32(3), op.and, set(N1),
    forRange(MM, get(M0), get(M1), i32(1), [
      Array.from({ length: ACCS }, (_, i) => [v128zero, set(ACC + i)]), f64(0), set(S),
      forRange(AA, i32(0), get(A), i32(1), [
        get(X), get(AA), get(M), op.mul, get(MM), op.add, get(B), op.mul, i32(4), op.mul, op.add, set(P),
        get(N16), set(T),
        countDown(T, [Array.from({ length: ACCS }, (_, i) => addPair(i, 8 * i)), advance(64)]),
        get(N4), set(T),
        countDown(T, [addPair(0, 0), addPair(1, 8), advance(16)]),
        get(N1), set(T),
        countDown(T, [get(S), get(P), load(F32), op.f64PromoteF32, op.f64add, set(S), advance(4)]),
      ]),
      tree,
      get(OUT), get(MM), i32(4), op.mul, op.add,
      get(ACC), f64x2lane(0), get(ACC), f64x2lane(1), op.f64add, get(S), op.f64add, op.f32DemoteF64, store(F32),
    ]),
  ]
  return { name: 'channelSum', params: new Array(7).fill(I32), locals: [...new Array(7).fill(I32), ...new Array(ACCS).fill(V128), F64], body }
}

function channelSum64(L: Lanes): Func {
  const E = L.bytes
  const [X, OUT, A, M, B, M0, M1] = [0, 1, 2, 3, 4, 5, 6]
  const [MM, AA, P, T, O] = [7, 8, 9, 10, 11]
  /** RB + u: byte distance from channel MM's row to channel MM + u's (u = 1 … CH − 1). */
  const RB = 11
  const S = RB + CH
  /** Sums channels MM .. MM + w − 1 (w = 1 or CH), chains side by side, rows RB bytes apart. */
  const channels = (w: number): Code => [
    get(OUT), get(MM), i32(E), op.mul, op.add, set(O),
    Array.from({ length: w }, (_, u) => [get(O), f64(0), store(F64, u * E)]),
    forRange(AA, i32(0), get(A), i32(1), [
      get(X), get(AA), get(M), op.mul, get(MM), op.add, get(B), op.mul, i32(E), op.mul, op.add, set(P),
      Array.from({ length: w }, (_, u) => [get(O), load(F64, u * E), set(S + u)]),
      get(B), set(T),
      countDown(T, [
        Array.from({ length: w }, (_, u) => [get(S + u), get(P), ...(u > 0 ? [get(RB + u), op.add] : []), load(F64), op.f64add, set(S + u)]),
        get(P), i32(E), op.add, set(P),
      ]),
      Array.from({ length: w }, (_, u) => [get(O), get(S + u), store(F64, u * E)]),
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
