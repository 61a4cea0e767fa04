/**
 * The filter gradient's product as rows against rows, in WebAssembly SIMD (float32x4 or float64x2):
 *
 *   dotRows(g, ldg, gs, col, tab, cq, ci, ni, nj, cs, nb, tn, v, ldv, f, k0, k1, first):
 *     V(i, k) (= 0 when first |) += lanes of Σ_b Σ_p G_b[i, p]·col_b[k, p]     for i < f, k0 ≤ k < k1
 *   dotSums(v, f, kn, c, ldc): C[i, k] = the sum of V(i, k)'s lanes
 *
 * over nb images b (G_b at g + b·gs, rows ldg bytes apart and contiguous along p; col_b at col + b·cs).
 * Row k of col starts at col + tab[k] (an i32 table) and is read in panels of NR (= 2 vectors)
 * values of p: nj panels cq bytes apart, ni times, ci bytes more between those runs; then tn < NR
 * values one by one. So one kernel reads a row-major column matrix (tab[k] = k·P·E, cq = NR·E),
 * the forward gemm's packed B panels (tab[k] = k·NR·E, cq = K·NR·E) and, for a convolution
 * without padding and stride 1 along rows whose output rows fill whole panels, the image itself
 * (tab[k] = the offset of x[c, p, q] for k = (c, p, q), ni = OH, nj = OW/NR, ci = (SH·W − OW)·E):
 * no column matrix at all.
 *
 * Neither operand is packed: both run along p, the sum's index, so each (i, k) has its own vector
 * accumulator (lane l sums the p ≡ l mod lanes of the full panels; an image's tail sum is added
 * to lane 0 after its panels), kept in V between calls and reduced at the end by dotSums
 * ((l0 + l2) + (l1 + l3), or l0 + l1). Tiles of 2 rows of G by 4 rows of col (8 accumulators: two
 * loads of G and four of col per 8 multiply-adds), then one row of G by 4, the last rows of col by 2 rows of G; every
 * element is the same sum in the same order whatever tile, range of k, layout or number of images
 * per call computes it, so splitting k between threads, or reading another layout, changes no bit.
 */
import { f32x4RelaxedMadd, type GemmShape } from './gemm-wasm.js'
import { countDown, f32x4, forRange, get, i32, ifThen, load, op, set, simd, store, v128zero, I32, V128, type Code, type Func, type Lanes } from './wasm-asm.js'

/** Rows of G by rows of col per tile: 2×4 ran the convnet's filter gradients fastest of 2×4, 2×5, 2×6, 4×2, 3×4, 4×3, 1×8. */
const tileShape = { rows: 2, cols: 4 }

export function dotRowsFunc(s: GemmShape): Func {
  const L = s.lanes
  const E = L.bytes, NV = s.NV, NR = NV * L.lanes
  const [G, LDG, GS, COL, TAB, CQ, CI, NI, NJ, CS, NB, TN, V, LDV, F, K0, K1, FIRST] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
  const FR = tileShape.rows, KR = tileShape.cols
  // VR: FR row pointers into V, GR: FR of G, CK: KR of col; image b's G and col
  const [I, K, N, NJL] = [18, 19, 20, 21], VR = 22, GR = VR + FR, CK = GR + FR, [B, GB, CB] = [CK + KR, CK + KR + 1, CK + KR + 2]
  const ints = CB + 1 - 18
  const ACC = CB + 1, GV = ACC + FR * KR, CV = GV + FR, ST = CV + 1 // v128 accumulators, G vectors, a col vector; scalar tail sums
  if (s.fma === true && L !== f32x4) throw new Error('dotRows: fma is for float32x4 only')
  const madd = (a: number, g: number): Code =>
    s.fma === true ? [get(g), get(CV), get(a), f32x4RelaxedMadd, set(a)] : [get(a), get(g), get(CV), L.mul, L.add, set(a)]
  const zero: Code = L.elem === f32x4.elem ? [0x43, 0, 0, 0, 0] : [0x44, 0, 0, 0, 0, 0, 0, 0, 0]
  const replaceLane0: Code = [simd(L.lanes === 4 ? 0x20 : 0x22), 0]
  /** A tile of fr rows of G (from row I) by kr rows of col (from K). */
  const tile = (fr: number, kr: number): Code => {
    const acc = (f: number, k: number) => ACC + f * kr + k
    const st = (f: number, k: number) => ST + f * kr + k
    const body: Code[] = []
    // VR + f: the address of V(I + f, K)
    for (let f = 0; f < fr; f++) body.push(get(V), get(I), i32(f), op.add, get(LDV), op.mul, get(K), op.add, get(K0), op.sub, i32(16), op.mul, op.add, set(VR + f))
    for (let f = 0; f < fr; f++)
      for (let k = 0; k < kr; k++) body.push(ifThen(get(FIRST), [v128zero, set(acc(f, k))], [get(VR + f), load(V128, 16 * k), set(acc(f, k))]))
    const image: Code[] = []
    for (let f = 0; f < fr; f++) image.push(get(GB), get(I), i32(f), op.add, get(LDG), op.mul, op.add, set(GR + f))
    for (let k = 0; k < kr; k++) image.push(get(CB), get(TAB), get(K), i32(k), op.add, i32(4), op.mul, op.add, load(I32), op.add, set(CK + k))
    for (let a = 0; a < fr * kr; a++) image.push(zero, set(ST + a))
    const step: Code[] = []
    for (let v = 0; v < NV; v++) {
      for (let f = 0; f < fr; f++) step.push(get(GR + f), load(V128, 16 * v), set(GV + f))
      for (let k = 0; k < kr; k++) {
        step.push(get(CK + k), load(V128, 16 * v), set(CV))
        for (let f = 0; f < fr; f++) step.push(madd(acc(f, k), GV + f))
      }
    }
    for (let f = 0; f < fr; f++) step.push(get(GR + f), i32(NR * E), op.add, set(GR + f))
    for (let k = 0; k < kr; k++) step.push(get(CK + k), get(CQ), op.add, set(CK + k))
    /** u panels straight after each other (cq = NR·E): loads at fixed offsets, one advance. */
    const steps = (u: number): Code => {
      const out: Code[] = []
      for (let q = 0; q < u; q++)
        for (let v = 0; v < NV; v++) {
          const at = q * NR * E + 16 * v
          for (let f = 0; f < fr; f++) out.push(get(GR + f), load(V128, at), set(GV + f))
          for (let k = 0; k < kr; k++) {
            out.push(get(CK + k), load(V128, at), set(CV))
            for (let f = 0; f < fr; f++) out.push(madd(acc(f, k), GV + f))
          }
        }
      for (let f = 0; f < fr; f++) out.push(get(GR + f), i32(u * NR * E), op.add, set(GR + f))
      for (let k = 0; k < kr; k++) out.push(get(CK + k), i32(u * NR * E), op.add, set(CK + k))
      return out
    }
    const next: Code[] = []
    for (let k = 0; k < kr; k++) next.push(get(CK + k), get(CI), op.add, set(CK + k))
    const run: Code = ifThen([get(CQ), i32(NR * E), op.eq],
      [get(NJ), i32(1), op.shrU, set(NJL), countDown(NJL, steps(2)), ifThen([get(NJ), i32(1), op.and], steps(1))],
      [get(NJ), set(NJL), countDown(NJL, step)])
    image.push(get(NI), set(N), countDown(N, [run, next]))
    // the tail: tn values of p one by one, into scalar sums added to lane 0
    const tail: Code[] = []
    for (let f = 0; f < fr; f++)
      for (let k = 0; k < kr; k++) tail.push(get(st(f, k)), get(GR + f), load(L.elem), get(CK + k), load(L.elem), L.smul, L.sadd, set(st(f, k)))
    for (let f = 0; f < fr; f++) tail.push(get(GR + f), i32(E), op.add, set(GR + f))
    for (let k = 0; k < kr; k++) tail.push(get(CK + k), i32(E), op.add, set(CK + k))
    image.push(get(TN), set(N), countDown(N, tail))
    // (a product without a tail adds nothing: its lanes go to V as they are)
    const addTail: Code[] = []
    for (let f = 0; f < fr; f++) for (let k = 0; k < kr; k++) addTail.push(get(acc(f, k)), v128zero, get(st(f, k)), replaceLane0, L.add, set(acc(f, k)))
    image.push(ifThen(get(TN), addTail))
    // the images one after another: each its full panels, then its tail added to lane 0
    body.push(get(G), set(GB), get(COL), set(CB), get(NB), set(B),
      countDown(B, [image, get(GB), get(GS), op.add, set(GB), get(CB), get(CS), op.add, set(CB)]))
    for (let f = 0; f < fr; f++) for (let k = 0; k < kr; k++) body.push(get(VR + f), get(acc(f, k)), store(V128, 16 * k))
    return body
  }
  const body: Code = [
    // runs of one panel are panels cq + ci apart: one loop
    ifThen([get(NJ), i32(1), op.eq], [get(CQ), get(CI), op.add, set(CQ), i32(0), set(CI), get(NI), set(NJ), i32(1), set(NI)]),
    // quads of col rows: pairs of G rows, then the last row alone
    forRange(K, get(K0), [get(K1), i32(KR - 1), op.sub], i32(KR), [
      forRange(I, i32(0), [get(F), i32(FR - 1), op.sub], i32(FR), tile(FR, KR)),
      forRange(I, get(I), get(F), i32(1), tile(1, KR)),
    ]),
    // the last r = k1 − k < KR rows of col: tiles of FR (then 1) rows of G by r
    Array.from({ length: KR - 1 }, (_, r) => ifThen([get(K1), get(K), op.sub, i32(r + 1), op.eq], [
      forRange(I, i32(0), [get(F), i32(FR - 1), op.sub], i32(FR), tile(FR, r + 1)),
      forRange(I, get(I), get(F), i32(1), tile(1, r + 1)),
    ])),
  ]
  return {
    name: 'dotRows',
    params: new Array(18).fill(I32),
    locals: [...new Array(ints).fill(I32), ...new Array(FR * KR + FR + 1).fill(V128), ...new Array(FR * KR).fill(L.elem)],
    body,
  }
}

/** dotSums(v, f, kn, c, ldc): C[i, k] = the sum of V(i, k)'s lanes for i < f, k < kn (C's rows ldc bytes apart). */
export function dotSumsFunc(L: Lanes): Func {
  const E = L.bytes
  const [V, F, KN, C, LDC, I, K, A] = [0, 1, 2, 3, 4, 5, 6, 7]
  const hsum: Code = L.lanes === 4
    ? [get(A), L.extract(0), get(A), L.extract(2), L.sadd, get(A), L.extract(1), get(A), L.extract(3), L.sadd, L.sadd]
    : [get(A), L.extract(0), get(A), L.extract(1), L.sadd]
  return {
    name: 'dotSums', params: [I32, I32, I32, I32, I32], locals: [I32, I32, V128],
    body: forRange(I, i32(0), get(F), i32(1), forRange(K, i32(0), get(KN), i32(1), [
      get(V), load(V128), set(A), get(V), i32(16), op.add, set(V),
      get(C), get(I), get(LDC), op.mul, op.add, get(K), i32(E), op.mul, op.add, hsum, store(L.elem),
    ])),
  }
}
