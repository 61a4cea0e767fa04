/**
 * Max pooling in WebAssembly (float32 or float64), for the WebAssembly backend's memory: one
 * function serves the op and both its derivatives, as kernels/pool.ts does in JavaScript. Each
 * window's first largest input is found in registers (nothing stored between calls); then by mode
 *   0: y[o] = x[best]     1: dx[best] += g[o] (dx zeroed first)     2: y[o] = c[best]
 * over the planes nc0..nc1 (threads take disjoint planes, so the bits do not depend on them).
 *
 * 2×2 windows with stride 2 (the usual pooling) take one SIMD vector of windows at a time: the two
 * input rows are loaded and split into the four window corners (even/odd columns); comparing the
 * corners in window order gives masks saying which corner wins (later ones only when strictly
 * larger: the first largest, as the scalar path), and the result, gradient or gathered value is
 * chosen with those masks. Other windows, and the last columns of a row, run the scalar path.
 * Where the vectors cover every window and every input (H = 2·OH, W = 2·OW, OW a multiple of the
 * lanes), the planes' rows are walked as one run of vectors (no per-window test for the scalar
 * path), and mode 1 stores each window's four corners (zeros where a corner loses) instead of
 * zeroing dx first.
 */
import { countDown, forRange, get, i32, ifThen, load, memFill, op, set, simd, store, tee, I32, V128, type Code, type Func, type Lanes } from './wasm-asm.js'

const shuffle = (lanes: readonly number[]): Code => [simd(13), ...lanes]
const [NOT, AND, ANDNOT, OR, BITSELECT] = [simd(77), simd(78), simd(79), simd(80), simd(82)]

/** maxPool(x, h, w, kh, kw, sh, sw, oh, ow, nc0, nc1, mode, src, dst): addresses in bytes, planes nc0..nc1. */
export function maxPoolFunc(L: Lanes): Func {
  const E = L.bytes, N = L.lanes
  const f32 = L.elem === 0x7d
  const gt = f32 ? 0x5e : 0x64
  const vgt = simd(f32 ? 68 : 74)
  const [X, H, W, KH, KW, SH, SW, OH, OW, NC0, NC1, MODE, SRC, DST] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
  const [NC, I, J, TOP, BEST, ROW, P, Q, A, O, C, VEC, DX] = [14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26]
  const M = 27, V = 28
  const [A00, A01, A10, A11, C1, C2, C3, T] = [29, 30, 31, 32, 33, 34, 35, 36]
  const [PAIRS, STEP, COVER] = [37, 38, 39]
  const plane: Code = [get(H), get(W), op.mul, i32(E), op.mul]
  // element e of the concatenation of two vectors, as shuffle lane bytes
  const bytes = (elems: readonly number[]): number[] => elems.flatMap((e) => Array.from({ length: E }, (_, b) => e * E + b))
  const even = shuffle(bytes(Array.from({ length: N }, (_, t) => 2 * t)))
  const odd = shuffle(bytes(Array.from({ length: N }, (_, t) => 2 * t + 1)))
  const lo = shuffle(bytes(Array.from({ length: N }, (_, t) => (t % 2 === 0 ? t / 2 : N + (t - 1) / 2))))
  const hi = shuffle(bytes(Array.from({ length: N }, (_, t) => (t % 2 === 0 ? N / 2 + t / 2 : N + N / 2 + (t - 1) / 2))))
  /** The four corners of N windows from the rows at `at` and `at` + w·E into A00…A11. */
  const corners = (at: Code, into: readonly number[]): Code => [
    at, load(V128), at, load(V128, 16), tee(T), even, set(into[0]!),
    at, load(V128), get(T), odd, set(into[1]!),
    at, get(W), i32(E), op.mul, op.add, tee(ROW), load(V128), get(ROW), load(V128, 16), tee(T), even, set(into[2]!),
    get(ROW), load(V128), get(T), odd, set(into[3]!),
  ]
  /** The value chosen by the masks C1…C3 among four corner vectors. */
  const choose = (v: readonly number[]): Code => [
    get(v[1]!), get(v[0]!), get(C1), BITSELECT, set(T),
    get(v[2]!), get(T), get(C2), BITSELECT, set(T),
    get(v[3]!), get(T), get(C3), BITSELECT,
  ]
  const vector: Code = [
    corners(get(TOP), [A00, A01, A10, A11]),
    get(A01), get(A00), vgt, set(C1), get(A01), get(A00), get(C1), BITSELECT, set(T),
    get(A10), get(T), vgt, set(C2), get(A10), get(T), get(C2), BITSELECT, set(T),
    get(A11), get(T), vgt, set(C3),
    ifThen([get(MODE), op.eqz], [get(DST), get(O), op.add, get(A11), get(T), get(C3), BITSELECT, store(V128)],
      ifThen([get(MODE), i32(1), op.eq], [
        // the gradient into the winning corner of each window (windows do not overlap: stores)
        get(SRC), get(O), op.add, load(V128), set(T),
        get(DST), get(TOP), get(X), op.sub, op.add, set(DX),
        get(T), get(C3), AND, set(A11), // corner 3 wins where C3
        get(T), get(C2), AND, get(C3), ANDNOT, set(A10),
        get(T), get(C1), AND, get(C2), get(C3), OR, ANDNOT, set(A01),
        get(T), get(C1), get(C2), OR, get(C3), OR, NOT, AND, set(A00),
        get(DX), get(A00), get(A01), lo, store(V128), get(DX), get(A00), get(A01), hi, store(V128, 16),
        get(DX), get(W), i32(E), op.mul, op.add, tee(DX), get(A10), get(A11), lo, store(V128),
        get(DX), get(A10), get(A11), hi, store(V128, 16),
      ], [
        corners([get(SRC), get(TOP), get(X), op.sub, op.add], [A00, A01, A10, A11]),
        get(DST), get(O), op.add, choose([A00, A01, A10, A11]), store(V128),
      ])),
    get(O), i32(N * E), op.add, set(O),
  ]
  const scalar: Code = [
    get(TOP), set(BEST),
    get(TOP), load(L.elem), set(M),
    forRange(P, i32(0), get(KH), i32(1), [
      get(TOP), get(P), get(W), op.mul, i32(E), op.mul, op.add, set(A),
      forRange(Q, i32(0), get(KW), i32(1), [
        get(A), load(L.elem), tee(V), get(M), gt, set(C),
        ifThen(get(C), [get(V), set(M), get(A), set(BEST)]),
        get(A), i32(E), op.add, set(A),
      ]),
    ]),
    // O: byte offset of output element (nc, i, j); best − x: byte offset of the chosen input
    ifThen([get(MODE), op.eqz], [get(DST), get(O), op.add, get(M), store(L.elem)],
      ifThen([get(MODE), i32(1), op.eq],
        [get(DST), get(BEST), get(X), op.sub, op.add, tee(A), get(A), load(L.elem), get(SRC), get(O), op.add, load(L.elem), L.sadd, store(L.elem)],
        [get(DST), get(O), op.add, get(SRC), get(BEST), get(X), op.sub, op.add, load(L.elem), store(L.elem)])),
    get(O), i32(E), op.add, set(O),
  ]
  const pairs: Code = [get(KH), i32(2), op.eq, get(KW), i32(2), op.eq, op.and, get(SH), i32(2), op.eq, op.and, get(SW), i32(2), op.eq, op.and]
  // per window: TOP the first input (advanced by SW elements per scalar window, N·SW per vector)
  const rows: Code = forRange(NC, get(NC0), get(NC1), i32(1),
    forRange(I, i32(0), get(OH), i32(1), [
      get(X), get(NC), plane, op.mul, op.add, get(I), get(SH), op.mul, get(W), op.mul, i32(E), op.mul, op.add, set(TOP),
      forRange(J, i32(0), get(OW), [i32(N), i32(1), get(VEC), op.select], [
        get(PAIRS), get(J), i32(N), op.add, get(OW), op.leS, op.and, tee(VEC),
        ifThen([], vector, scalar),
        get(TOP), get(STEP), i32(N), i32(1), get(VEC), op.select, op.mul, op.add, set(TOP),
      ]),
    ]))
  // vectors cover every window and input: the planes' rows are one run of pairs of input rows
  const covered: Code = [
    get(X), get(NC0), plane, op.mul, op.add, set(TOP),
    get(NC1), get(NC0), op.sub, get(OH), op.mul, set(I),
    countDown(I, [
      get(OW), i32(Math.log2(N)), op.shrU, set(J),
      countDown(J, [vector, get(TOP), i32(2 * N * E), op.add, set(TOP)]),
      get(TOP), get(W), i32(E), op.mul, op.add, set(TOP),
    ]),
  ]
  const body: Code = [
    pairs, set(PAIRS),
    get(PAIRS), get(OW), i32(N - 1), op.and, op.eqz, op.and,
    get(OW), i32(2), op.mul, get(W), op.eq, op.and, get(OH), i32(2), op.mul, get(H), op.eq, op.and, set(COVER),
    // dx is zeroed first unless the vectors store every element of it (each window's four corners, zeros where one loses)
    ifThen([get(MODE), i32(1), op.eq, get(COVER), op.eqz, op.and],
      [get(DST), get(NC0), plane, op.mul, op.add, i32(0), get(NC1), get(NC0), op.sub, plane, op.mul, memFill]),
    get(NC0), get(OH), op.mul, get(OW), op.mul, i32(E), op.mul, set(O),
    get(SW), i32(E), op.mul, set(STEP),
    ifThen(get(COVER), covered, rows),
  ]
  return { name: 'maxPool', params: new Array(14).fill(I32), locals: [...new Array(13).fill(I32), L.elem, L.elem, ...new Array(8).fill(V128), I32, I32, I32], body }
}
