/**
 * Cache-blocked matrix products in WebAssembly SIMD, float32x4 and float64x2, generated here as
 * bytes (wasm-asm.ts) and compiled once per realm.
 *
 * C[i0..i1, j0..j1] (=|+=) op(A)·op(B), op ∈ {identity, transpose}, all operands row-major in the
 * module's memory (byte addresses). The loops are the classic Goto/BLIS ones: for each NC-wide
 * block of columns and KC-deep block of k, op(B) is packed into NR-column panels (the panel the
 * micro-kernel reads stays in L1, the block in L2/L3), or, a plain B whose rows spread over the
 * L1 sets, read in place (see gemm); for each MC-tall block of rows, op(A) is
 * packed into MR-row panels (the block stays in L2); then every MR×NR tile of C is computed by a
 * register-tiled micro-kernel (MR·NR/lanes vector accumulators) and stored or added to C.
 *
 * Each element of C is the same sum in the same order whatever the row/column range asked for:
 * per KC block a register accumulation over k, then added to C. So splitting a product across
 * threads by rows or columns never changes a bit.
 */
import {
  assemble, call, countDown, f32x4, f64x2, forRange, get, i32, ifThen, load, memarg, op, set, simd, store, tee, v128zero,
  I32, I64, V128, type Code, type Func, type Lanes, type ValType,
} from './wasm-asm.js'

export interface GemmShape {
  readonly lanes: Lanes
  /** Micro-tile rows and vectors per row (NR = NV·lanes). */
  readonly MR: number
  readonly NV: number
  readonly KC: number
  readonly MC: number
  readonly NC: number
  /** Unrolling of the micro-kernel's k loop (1, 2 or 4). */
  readonly U?: number
  /**
   * float32 only: the micro-kernel's multiply-add as one f32x4.relaxed_madd (relaxed SIMD; an
   * engine may fuse it, rounding once, or not, rounding twice — the same on every thread of one
   * engine, so splits still give the same bits). Only where `hasRelaxedSimd()`.
   */
  readonly fma?: boolean
}

/** f32x4.relaxed_madd(a, b, c) = a·b + c (relaxed SIMD, opcode 0xfd 0x105). */
export const f32x4RelaxedMadd: Code = simd(0x105)

/** Whether this engine compiles WebAssembly relaxed SIMD (a function using f32x4.relaxed_madd validates). */
export function hasRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(assemble([{ name: 'f', params: [], locals: [], body: [v128zero, v128zero, v128zero, f32x4RelaxedMadd, 0x1a] }]))
  } catch {
    return false
  }
}

/**
 * Block sizes. A packed B block is KC·NC elements: 512 KiB in both dtypes, half of a 1 MiB L2, so
 * the A block (MC·KC: 128 KiB in f32) and C stay beside it whatever physical pages the memory got.
 * With NC = 1024 (f32, 1 MiB) the big MLP step ran 13.5 ms in some processes and 21 ms in others
 * (2 of 8, and 3 of 6, on an AMD EPYC with 1 MiB L2); with 512, 13 of 14 processes ran 13.2–13.7.
 */
export const gemmShapes = {
  f32: { lanes: f32x4, MR: 4, NV: 2, KC: 256, MC: 128, NC: 512 },
  f64: { lanes: f64x2, MR: 4, NV: 2, KC: 256, MC: 64, NC: 512 },
  /**
   * float32 with relaxed_madd: a 6×8 tile, 12 accumulators to hide the fused multiply-add's
   * latency (the 4×8 tile's 8 do not), MC a multiple of 6. The three products of the big MLP step,
   * 6th-best of 60 process CPU times (Xeon, Node 20 with --experimental-wasm-relaxed-simd): 4×8 plain
   * 6.2 ms, 4×8 fused 5.2–5.5 ms, 6×8 fused 4.7–4.8 ms (6×8 plain 6.4 ms: plain keeps 4×8).
   */
  f32fma: { lanes: f32x4, MR: 6, NV: 2, KC: 256, MC: 120, NC: 512, fma: true },
} as const satisfies Record<string, GemmShape>

/** The gemm shape of a dtype, the float32 one with relaxed_madd when `fma`. */
export function gemmShapeOf(dtype: 'float32' | 'float64', fma: boolean): GemmShape {
  return dtype === 'float64' ? gemmShapes.f64 : fma ? gemmShapes.f32fma : gemmShapes.f32
}

/** Bytes of scratch one caller needs: packed A block, packed B block, one edge tile. */
export function gemmScratchBytes(s: GemmShape): number {
  const E = s.lanes.bytes
  const NR = s.NV * s.lanes.lanes
  return (s.MC * s.KC + s.KC * (s.NC + NR) + s.MR * NR) * E + 64
}

/**
 * micro(pa, pb, kc, c, ldc, mode, mr, nr, pt, bk): C tile (=|+=) Apanel·Bpanel over kc; the B
 * panel's rows are bk bytes apart (NR·E packed; B's own row length read in place, see gemm).
 */
function micro(s: GemmShape): Func {
  const { lanes: L, MR, NV } = s
  const E = L.bytes, NR = NV * L.lanes
  const [PA, PB, KC, C, LDC, MODE, MRr, NRr, PT, BK] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  const [I, J, ROW] = [10, 11, 12]
  const ACC = 13, A = ACC + MR * NV, B = A + 1
  const acc = (r: number, v: number) => ACC + r * NV + v
  if (s.fma === true && L !== f32x4) throw new Error('gemm: fma is for float32x4 only')
  /** acc(r, v) += A·B(v) */
  const madd = (r: number, v: number): Code =>
    s.fma === true ? [get(A), get(B + v), get(acc(r, v)), f32x4RelaxedMadd, set(acc(r, v))] : [get(acc(r, v)), get(A), get(B + v), L.mul, L.add, set(acc(r, v))]
  const body: Code[] = []
  for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) body.push(v128zero, set(acc(r, v)))
  /** One k step reading A and B at byte offsets `ao`, `bo` from PA, PB. */
  const step = (ao: number, bo: number): Code[] => {
    const out: Code[] = []
    for (let v = 0; v < NV; v++) out.push(get(PB), load(V128, bo + 16 * v), set(B + v))
    for (let r = 0; r < MR; r++) {
      out.push(get(PA), L.loadSplat(ao + E * r), set(A))
      for (let v = 0; v < NV; v++) out.push(madd(r, v))
    }
    return out
  }
  const U = s.U ?? 1
  // unrolled steps read B at fixed offsets: only packed panels (gemm reads B in place only when U = 1)
  const advance = (n: number): Code => [get(PA), i32(n * MR * E), op.add, set(PA), get(PB), U > 1 ? i32(n * NR * E) : get(BK), op.add, set(PB)]
  if (U > 1) {
    // kc = U·q + rest: q unrolled steps, then the rest one by one
    const unrolled: Code[] = []
    for (let u = 0; u < U; u++) unrolled.push(step(u * MR * E, u * NR * E))
    body.push(get(KC), i32(U === 2 ? 1 : 2), op.shrU, set(I), get(KC), i32(U - 1), op.and, set(J))
    body.push(countDown(I, [unrolled, advance(U)]))
    body.push(countDown(J, [step(0, 0), advance(1)]))
  } else body.push(countDown(KC, [step(0, 0), advance(1)]))
  // full tile: straight to C; edge tile: through pt, then element by element
  const full: Code[] = [get(C), set(ROW)]
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < NV; v++)
      full.push(ifThen(get(MODE),
        [get(ROW), get(ROW), load(V128, 16 * v), get(acc(r, v)), L.add, store(V128, 16 * v)],
        [get(ROW), get(acc(r, v)), store(V128, 16 * v)]))
    full.push(get(ROW), get(LDC), op.add, set(ROW))
  }
  const edge: Code[] = []
  for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) edge.push(get(PT), get(acc(r, v)), store(V128, (r * NR + v * L.lanes) * E))
  const dst: Code = [get(C), get(I), get(LDC), op.mul, op.add, get(J), i32(E), op.mul, op.add]
  const src: Code = [get(PT), get(I), i32(NR), op.mul, get(J), op.add, i32(E), op.mul, op.add, load(L.elem)]
  edge.push(forRange(I, i32(0), get(MRr), i32(1), forRange(J, i32(0), get(NRr), i32(1),
    ifThen(get(MODE), [dst, dst, load(L.elem), src, L.sadd, store(L.elem)], [dst, src, store(L.elem)]))))
  body.push(ifThen([get(MRr), i32(MR), op.eq, get(NRr), i32(NR), op.eq, op.and], full, edge))
  return { name: 'micro', params: new Array(10).fill(I32), locals: [I32, I32, I32, ...new Array(MR * NV + 1 + NV).fill(V128)], body }
}

/** Copies `count` elements from src (stride sStride bytes) to dst (stride dStride bytes). */
function copyStrided(E: number, elem: Lanes['elem'], SRC: number, DST: number, N: number, sStride: Code, dStride: Code): Code {
  return countDown(N, [get(DST), get(SRC), load(elem), store(elem), get(SRC), sStride, op.add, set(SRC), get(DST), dStride, op.add, set(DST)])
}
function zeroStrided(elem: Lanes['elem'], DST: number, N: number, dStride: Code, zero: Code): Code {
  return countDown(N, [get(DST), zero, store(elem), get(DST), dStride, op.add, set(DST)])
}

/**
 * pack(X, trans, ld, r0, rows, p0, kc, dst): rows r0..r0+rows of op(X) (op(X)[i, p] = X[i·ld + p],
 * or X[p·ld + i] when trans), columns p0..p0+kc, into panels of R rows interleaved along k:
 * dst[(q·kc + p)·R + r] = op(X)[r0 + q + r, p0 + p], zero past `rows`. Serves A (R = MR) and,
 * with op(B)ᵀ, B (R = NR).
 */
function pack(name: string, s: GemmShape, R: number): Func {
  const L = s.lanes
  const E = L.bytes
  const [X, TR, LD, R0, ROWS, P0, KCl, DST] = [0, 1, 2, 3, 4, 5, 6, 7]
  const [Q, RR, SRC, D, N, I] = [8, 9, 10, 11, 12, 13]
  const zero: Code = L.elem === f32x4.elem ? [0x43, 0, 0, 0, 0] : [0x44, 0, 0, 0, 0, 0, 0, 0, 0]
  const panelBase: Code = [get(DST), get(Q), get(KCl), op.mul, i32(E), op.mul, op.add]
  // not transposed: each row of op(X) is contiguous in X. A panel of R rows present in full is
  // packed `lanes` rows at a time: a vector from each row, transposed by shuffles into one
  // vector per k (lanes of R); two float32 rows left over (R = 6) a pair per k; the other panels,
  // other rows left over and the last kc % lanes columns element by element (R = 6 all element by
  // element: the 64×784 A of the small MLP took 14% of its product)
  const byRow = forRange(RR, i32(0), i32(R), i32(1), [
    panelBase, get(RR), i32(E), op.mul, op.add, set(D), get(KCl), set(N),
    get(Q), get(RR), op.add, tee(I), get(ROWS), op.ltS,
    ifThen([],
      [get(X), get(R0), get(I), op.add, get(LD), op.mul, get(P0), op.add, i32(E), op.mul, op.add, set(SRC),
        copyStrided(E, L.elem, SRC, D, N, i32(E), i32(R * E))],
      zeroStrided(L.elem, D, N, i32(R * E), zero)),
  ])
  const n = L.lanes
  const shift = n === 4 ? 2 : 1
  const [S0, TN, D2, V0, T0] = [14, 14 + n, 15 + n, 16 + n, 16 + 2 * n]
  const shuffle = (elems: readonly number[]): Code => [simd(13), ...elems.flatMap((e) => Array.from({ length: E }, (_, b) => e * E + b))]
  /** Stores, for p < lanes, the vector of element p of V0…V(lanes−1) at D + p·R·E. */
  const transpose: Code = n === 2
    ? [get(D), get(V0), get(V0 + 1), shuffle([0, 2]), store(V128, 0), get(D), get(V0), get(V0 + 1), shuffle([1, 3]), store(V128, R * E)]
    : [
      get(V0), get(V0 + 1), shuffle([0, 4, 1, 5]), set(T0), get(V0), get(V0 + 1), shuffle([2, 6, 3, 7]), set(T0 + 1),
      get(V0 + 2), get(V0 + 3), shuffle([0, 4, 1, 5]), set(T0 + 2), get(V0 + 2), get(V0 + 3), shuffle([2, 6, 3, 7]), set(T0 + 3),
      get(D), get(T0), get(T0 + 2), shuffle([0, 1, 4, 5]), store(V128, 0),
      get(D), get(T0), get(T0 + 2), shuffle([2, 3, 6, 7]), store(V128, R * E),
      get(D), get(T0 + 1), get(T0 + 3), shuffle([0, 1, 4, 5]), store(V128, 2 * R * E),
      get(D), get(T0 + 1), get(T0 + 3), shuffle([2, 3, 6, 7]), store(V128, 3 * R * E),
    ]
  /** Addresses of rows r0 + q + first … + count − 1 of op(X) at column p0 into S0…. */
  const rowsAt = (first: number, count: number): Code[] =>
    Array.from({ length: count }, (_, r) => [get(X), get(R0), get(Q), op.add, i32(first + r), op.add, get(LD), op.mul, get(P0), op.add, i32(E), op.mul, op.add, set(S0 + r)])
  /** The last kc % lanes columns of `count` rows (S0… past the vectors, D past their panel rows), element by element. */
  const tails = (count: number): Code[] =>
    Array.from({ length: count }, (_, r) => [get(KCl), i32(n - 1), op.and, set(TN), get(D), i32(r * E), op.add, set(D2), copyStrided(E, L.elem, S0 + r, D2, TN, i32(E), i32(R * E))])
  const full: Code[] = []
  const groups = Math.floor(R / n)
  for (let g = 0; g < groups; g++) {
    full.push(rowsAt(g * n, n), panelBase, i32(g * n * E), op.add, set(D), get(KCl), i32(shift), op.shrU, set(N))
    const step: Code[] = []
    for (let r = 0; r < n; r++) step.push(get(S0 + r), load(V128), set(V0 + r), get(S0 + r), i32(16), op.add, set(S0 + r))
    full.push(countDown(N, [step, transpose, get(D), i32(n * R * E), op.add, set(D)]), tails(n))
  }
  // rows past the groups of `lanes` (R = 6 in float32: 2; 3 in float64: 1)
  const rest = R - groups * n
  if (n === 4 && rest === 2) {
    // two rows, four columns at a time: interleaved by shuffles into a pair per column, each
    // stored as one 64-bit lane (v128.store64_lane)
    const store64Lane = (offset: number, lane: number): Code => [simd(0x5b), ...memarg(3, offset), lane]
    full.push(rowsAt(groups * n, 2), panelBase, i32(groups * n * E), op.add, set(D), get(KCl), i32(shift), op.shrU, set(N),
      countDown(N, [
        get(S0), load(V128), set(V0), get(S0 + 1), load(V128), set(V0 + 1),
        get(S0), i32(16), op.add, set(S0), get(S0 + 1), i32(16), op.add, set(S0 + 1),
        get(V0), get(V0 + 1), shuffle([0, 4, 1, 5]), set(T0),
        get(V0), get(V0 + 1), shuffle([2, 6, 3, 7]), set(T0 + 1),
        get(D), get(T0), store64Lane(0, 0), get(D), get(T0), store64Lane(R * E, 1),
        get(D), get(T0 + 1), store64Lane(2 * R * E, 0), get(D), get(T0 + 1), store64Lane(3 * R * E, 1),
        get(D), i32(n * R * E), op.add, set(D),
      ]),
      tails(2))
  } else
    for (let r = groups * n; r < R; r++)
      full.push(rowsAt(r, 1), panelBase, i32(r * E), op.add, set(D), get(KCl), set(N), copyStrided(E, L.elem, S0, D, N, i32(E), i32(R * E)))
  const plain = forRange(Q, i32(0), get(ROWS), i32(R), R >= n && n * E === 16 ? ifThen([get(Q), i32(R), op.add, get(ROWS), op.leS], full, byRow) : byRow)
  // transposed: each column p of op(X) is contiguous in X; R rows at a time
  // a panel present in full: R·E bytes copied 16, then 8, then 4 at a time (R = 6 in float32: a
  // vector and an i64; element by element, with a test per element, the 6-row A panels of the
  // products Aᵀ·B took 4% of the big MLP step)
  const fullPanel: Code[] = []
  for (let at = 0; at < R * E;) {
    const [t, w]: [ValType, number] = R * E - at >= 16 ? [V128, 16] : R * E - at >= 8 ? [I64, 8] : [I32, 4]
    fullPanel.push(get(D), get(SRC), load(t, at), store(t, at))
    at += w
  }
  const transposed = forRange(Q, i32(0), get(ROWS), i32(R), [
    panelBase, set(D),
    get(X), get(P0), get(LD), op.mul, get(R0), op.add, get(Q), op.add, i32(E), op.mul, op.add, set(SRC),
    get(KCl), set(N),
    countDown(N, [
      ifThen([get(Q), i32(R), op.add, get(ROWS), op.leS],
        fullPanel,
        forRange(RR, i32(0), i32(R), i32(1), ifThen([get(Q), get(RR), op.add, get(ROWS), op.ltS],
          [get(D), get(RR), i32(E), op.mul, op.add, get(SRC), get(RR), i32(E), op.mul, op.add, load(L.elem), store(L.elem)],
          [get(D), get(RR), i32(E), op.mul, op.add, zero, store(L.elem)]))),
      get(SRC), get(LD), i32(E), op.mul, op.add, set(SRC),
      get(D), i32(R * E), op.add, set(D),
    ]),
  ])
  return { name, params: new Array(8).fill(I32), locals: [...new Array(8 + L.lanes).fill(I32), ...new Array(2 * L.lanes).fill(V128)], body: ifThen(get(TR), transposed, plain) }
}

/**
 * gemm(A, tA, B, tB, C, m, n, k, accumulate, i0, i1, j0, j1, scratch): the blocked product over
 * rows i0..i1 and columns j0..j1 of C (m×n); scratch holds gemmScratchBytes(shape) bytes.
 * tB = 2: B is packed already, op(B)'s columns in panels of NR, each k rows of NR values
 * (op(B)[p, j] at B + ((j / NR)·k + p)·NR·E + (j % NR)·E), read in place; tA = 2 likewise A, in
 * panels of MR rows (op(A)[i, p] at A + ((i / MR)·k + p)·MR·E + (i % MR)·E: packA with kc = k).
 */
function gemm(s: GemmShape, fMicro: number, fPackA: number, fPackB: number): Func {
  const { lanes: L, MR, NV, KC, MC, NC } = s
  const E = L.bytes, NR = NV * L.lanes
  const U1 = (s.U ?? 1) === 1
  const [A, TA, B, TB, C, M, N, K, ACCUM, I0, I1, J0, J1, S] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
  const [JC, NCl, PC, KCl, IC, MCl, JR, NRl, IR, MRl, PA, PB, PT, T1, T2, MODE] = [14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]
  const [DIRECT, PBJ, BK] = [30, 31, 32]
  const minInto = (dst: number, a: Code, b: Code): Code => [a, tee(T1), b, tee(T2), get(T1), get(T2), op.ltS, op.select, set(dst)]
  /** packB(B as op(B)ᵀ, cols j0 … j0 + cols of op(B), rows PC … PC + KCl, into dst). */
  const packB = (j0: Code, cols: Code, dst: Code): Code => [
    get(B), get(TB), op.eqz, get(K), get(N), get(TB), op.select, j0, cols, get(PC), get(KCl), dst, call(fPackB),
  ]
  const body: Code = [
    get(S), set(PA),
    get(S), i32(MC * KC * E), op.add, set(PB),
    get(PB), i32(KC * (NC + NR) * E), op.add, set(PT),
    // a plain B of at least 4 panels is read in place, NR columns of a row per k (no packing
    // pass: 64×784·784×100 223 → 207 µs with 6×8 fused tiles), when a panel's kc rows spread over
    // enough L1 sets to stay there for the next tiles: rows x = n·E bytes apart, whose lowest set
    // bit is 2^b ≥ 64, touch 64/gcd(x/64, 64) of a 64-set cache's sets; with 8 ways that holds
    // 2^15/2^b lines, so the test is min(2^b, 4096) · min(k, KC) ≤ 2^15 (rows 2 KiB apart, as in the big
    // MLP's weights, would share two sets and be fetched again for every tile). Partial panels
    // are packed (reading past a row's end could pass the memory's end).
    U1 ? [
      get(TB), op.eqz, get(N), i32(4 * NR), op.geS, op.and,
      minInto(PBJ, [get(N), i32(E), op.mul, tee(BK), i32(0), get(BK), op.sub, op.and], i32(4096)),
      minInto(BK, get(K), i32(KC)), get(PBJ), get(BK), op.mul, i32(1 << 15), op.leS, op.and, set(DIRECT),
    ] : [],
    forRange(JC, get(J0), get(J1), i32(NC), [
      minInto(NCl, i32(NC), [get(J1), get(JC), op.sub]),
      forRange(PC, i32(0), get(K), i32(KC), [
        minInto(KCl, i32(KC), [get(K), get(PC), op.sub]),
        // op(B) block as NR-row panels of op(B)ᵀ: op(B)ᵀ[j, p] = B[p·n + j], or B[j·k + p] when tB
        ifThen([get(DIRECT), get(TB), i32(2), op.eq, op.or], [], packB(get(JC), get(NCl), get(PB))),
        get(PC), i32(0), op.gtS, get(ACCUM), op.or, set(MODE),
        forRange(IC, get(I0), get(I1), i32(MC), [
          minInto(MCl, i32(MC), [get(I1), get(IC), op.sub]),
          ifThen([get(TA), i32(2), op.ne], [get(A), get(TA), get(M), get(K), get(TA), op.select, get(IC), get(MCl), get(PC), get(KCl), get(PA), call(fPackA)]),
          forRange(JR, i32(0), get(NCl), i32(NR), [
            minInto(NRl, i32(NR), [get(NCl), get(JR), op.sub]),
            get(PB), get(JR), get(KCl), op.mul, i32(E), op.mul, op.add, set(PBJ), i32(NR * E), set(BK),
            ifThen(get(DIRECT), ifThen([get(NRl), i32(NR), op.eq],
              [get(B), get(PC), get(N), op.mul, get(JC), op.add, get(JR), op.add, i32(E), op.mul, op.add, set(PBJ), get(N), i32(E), op.mul, set(BK)],
              [packB([get(JC), get(JR), op.add], get(NRl), get(PB)), get(PB), set(PBJ)])),
            // B packed by the caller: panel (jc + jr)/NR from row pc on
            ifThen([get(TB), i32(2), op.eq], [get(B), get(JC), get(JR), op.add, get(K), op.mul, get(PC), i32(NR), op.mul, op.add, i32(E), op.mul, op.add, set(PBJ)]),
            forRange(IR, i32(0), get(MCl), i32(MR), [
              minInto(MRl, i32(MR), [get(MCl), get(IR), op.sub]),
              // A packed by the caller: panel (ic + ir)/MR from column pc on
              get(A), get(IC), get(IR), op.add, get(K), op.mul, get(PC), i32(MR), op.mul, op.add, i32(E), op.mul, op.add,
              get(PA), get(IR), get(KCl), op.mul, i32(E), op.mul, op.add,
              get(TA), i32(2), op.eq, op.select,
              get(PBJ),
              get(KCl),
              get(C), get(IC), get(IR), op.add, get(N), op.mul, get(JC), op.add, get(JR), op.add, i32(E), op.mul, op.add,
              get(N), i32(E), op.mul,
              get(MODE), get(MRl), get(NRl), get(PT), get(BK), call(fMicro),
            ]),
          ]),
        ]),
      ]),
    ]),
  ]
  return { name: 'gemm', params: new Array(14).fill(I32), locals: new Array(19).fill(I32), body }
}

/** The gemm's functions, `gemm` at index 1: a module may put its own functions after them and call it. */
export function gemmFuncs(s: GemmShape): Func[] {
  const NR = s.NV * s.lanes.lanes
  return [micro(s), gemm(s, 0, 2, 3), pack('packA', s, s.MR), pack('packB', s, NR)]
}

export function gemmModuleBytes(s: GemmShape, shared: boolean): Uint8Array<ArrayBuffer> {
  return assemble(gemmFuncs(s), { shared, maxPages: 16384 })
}
