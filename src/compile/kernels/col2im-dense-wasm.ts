/**
 * col2im for a convolution of stride 1 without padding (W = OW + KW − 1, H = OH + KH − 1), in
 * WebAssembly SIMD (float32x4 or float64x2):
 *
 *   col2imDense(col, dims…, dx, t): dx[c, y, x] = Σ_p Σ_q col[(c·KH + p)·KW + q, (y − p)·OW + x − q]
 *
 * over the terms inside col (0 ≤ y − p < OH, 0 ≤ x − q < OW), from 0, p then q ascending: the order
 * in which col2im (spatial-arena-wasm.ts) and the JavaScript kernel add them, so the same bits.
 * dx is written, not added to (every element has a term). col2im adds each row of col into dx,
 * and the row of the next q reloads the vectors just stored one element over (a load partly
 * overlapping a pending store is not forwarded from it); here each row of dx is summed in
 * registers, in strips of up to `strip` vectors, and stored once, two channels at a time (their
 * terms share masks and pointer steps, and each element's sum is a chain of additions: two
 * channels keep twice the chains in flight). The convnet's 8→16 layer at batch 64 (2.6 GHz Xeon,
 * Node 20): col2im with dx zeroed 0.25 ms, this 0.145 ms one channel at a time, 0.126 ms in pairs
 * (float64 0.32, 0.28, 0.26 ms). A term's vector for the
 * elements x…x + lanes − 1 is loaded from col at x − q (unaligned) and its lanes outside [0, OW)
 * zeroed by a mask; adding those zeros changes nothing (a sum started at +0 is never −0). The
 * masks are a table at t, entry e for d = e − (KW − 1) = x − q: lane l set when 0 ≤ d + l < OW,
 * (W / lanes − 1)·lanes + KW entries of 16 bytes. Loads stay inside col: row r = (c, p, q) read at
 * d ≥ −q follows at least q rows, and d + l ≤ W − 1 − q = OW − 1 + (KW − 1 − q) precedes at least
 * KW − 1 − q. The last W mod lanes elements of a row are summed one by one.
 */
import type { GemmShape } from './gemm-wasm.js'
import { dims } from './spatial-geometry-wasm.js'
import { countDown, forRange, get, i32, ifThen, load, op, set, simd, store, tee, v128zero, I32, V128, type Code, type Func } from './wasm-asm.js'

/** Vectors of a row summed in registers at a time, for one channel (half as many per channel of a pair). */
const strip = 8

const AND = simd(0x4e), I32X4_SPLAT = simd(0x11), I32X4_ADD = simd(0xae), I32X4_LT_U = simd(0x3a)

/**
 * Where the mask table goes in a thread's gemm scratch: the packed B block (after the packed A
 * block, gemm-wasm.ts), which no product uses between convBI's products; and the bytes there.
 */
export const maskTable = (s: GemmShape): { readonly offset: number; readonly room: number } => {
  const E = s.lanes.bytes
  return { offset: s.MC * s.KC * E, room: s.KC * (s.NC + s.NV * s.lanes.lanes) * E }
}

/**
 * Whether col2imDense serves the geometry of locals `l` (named as `dims`): stride 1, no padding,
 * and a mask table of at most W + KW entries fits its room.
 */
export const denseApplies = (s: GemmShape, l: Record<string, number>): Code => {
  const g = (n: string) => get(l[n]!)
  return [
    g('SH'), g('SW'), op.or, i32(1), op.eq, g('PH'), g('PW'), op.or, op.eqz, op.and,
    g('W'), g('KW'), op.add, i32(maskTable(s).room >> 4), op.leS, op.and,
  ]
}

export function col2imDenseFunc(s: GemmShape): Func {
  const L = s.lanes
  const E = L.bytes, n = L.lanes
  const params = ['COL', ...dims, 'DX', 'T']
  const ints = ['PB', 'PB1', 'KWPB', 'OWB', 'VW', 'NT', 'CC', 'Y', 'CB', 'CB2', 'CSTEP', 'DR', 'DR2', 'X0', 'REM', 'P0', 'P1', 'PK', 'CP', 'CP2', 'MP', 'MP0', 'QN', 'TX', 'QLO', 'QC', 'EI']
  const l: Record<string, number> = {}
  ;[...params, ...ints].forEach((name, i) => (l[name] = i))
  const ACC = params.length + ints.length, MASK = ACC + 2 * strip, SACC = MASK + 1
  const g = (name: string) => get(l[name]!)
  const st = (name: string) => set(l[name]!)
  // lane l's index as i32 lanes: float64 lanes are two i32 lanes each
  const iota = Array.from({ length: 4 }, (_, k) => (n === 4 ? k : k >> 1))
  const iotaConst: Code = [0xfd, 12, ...iota.flatMap((v) => [v, 0, 0, 0])]
  const table: Code = forRange(l['EI']!, i32(0), g('NT'), i32(1), [
    g('T'), g('EI'), i32(4), op.shl, op.add,
    g('EI'), g('KW'), op.sub, i32(1), op.add, I32X4_SPLAT, iotaConst, I32X4_ADD, g('OW'), I32X4_SPLAT, I32X4_LT_U,
    store(V128),
  ])
  /** The p range of row Y: 0 ≤ Y − p < OH, p < KH. */
  const pRange: Code = [
    g('Y'), g('OH'), op.sub, i32(1), op.add, tee(l['P0']!), i32(0), g('P0'), i32(0), op.geS, op.select, st('P0'),
    g('KH'), i32(1), op.sub, tee(l['P1']!), g('Y'), g('P1'), g('Y'), op.ltS, op.select, st('P1'),
  ]
  /** acc(c, v): the vector accumulator of channel CC + c, vector v. */
  const acc = (c: number, v: number) => ACC + c * strip + v
  /** Elements X0 … X0 + k·lanes − 1 of row Y of `ch` channels: k vectors each summed in registers, stored. */
  const vectors = (ch: 1 | 2, k: number): Code => {
    const cps = ['CP', 'CP2'].slice(0, ch), drs = ['DR', 'DR2']
    const terms: Code[] = []
    for (let v = 0; v < k; v++) {
      terms.push(g('MP'), load(V128, 16 * n * v), set(MASK))
      cps.forEach((cp, c) => terms.push(get(acc(c, v)), g(cp), load(V128, 16 * v), get(MASK), AND, L.add, set(acc(c, v))))
    }
    const stores: Code[] = []
    cps.forEach((_, c) => { for (let v = 0; v < k; v++) stores.push(g(drs[c]!), g('X0'), i32(E), op.mul, op.add, get(acc(c, v)), store(V128, 16 * v)) })
    return [
      cps.map((_, c) => Array.from({ length: k }, (_, v) => [v128zero, set(acc(c, v))])),
      g('T'), g('X0'), g('KW'), op.add, i32(1), op.sub, i32(4), op.shl, op.add, st('MP0'),
      forRange(l['PK']!, g('P0'), [g('P1'), i32(1), op.add], i32(1), [
        g('CB'), g('PK'), g('KWPB'), op.mul, op.add, g('Y'), g('PK'), op.sub, g('OWB'), op.mul, op.add, g('X0'), i32(E), op.mul, op.add, st('CP'),
        ch === 2 ? [g('CP'), g('CSTEP'), op.add, st('CP2')] : [],
        g('MP0'), st('MP'),
        g('KW'), st('QN'),
        countDown(l['QN']!, [terms, cps.map((cp) => [g(cp), g('PB1'), op.add, st(cp)]), g('MP'), i32(16), op.sub, st('MP')]),
      ]),
      stores,
    ]
  }
  /** The whole vectors of row Y of `ch` channels, in strips of `w` vectors and then the rest. */
  const row = (ch: 1 | 2): Code => {
    const w = strip / ch
    return [
      i32(0), st('X0'),
      g('VW'), i32(Math.log2(w)), op.shrU, st('REM'),
      countDown(l['REM']!, [vectors(ch, w), g('X0'), i32(w * n), op.add, st('X0')]),
      g('VW'), i32(w - 1), op.and, st('REM'),
      Array.from({ length: w - 1 }, (_, r) => ifThen([g('REM'), i32(r + 1), op.eq], vectors(ch, r + 1))),
    ]
  }
  /** The last W mod lanes elements of a channel's row one by one: q from max(0, x − OW + 1) to min(KW − 1, x). */
  const tail = (cb: string, dr: string): Code => forRange(l['TX']!, [g('VW'), i32(n), op.mul], g('W'), i32(1), [
    zeroScalar(E), set(SACC),
    g('TX'), g('OW'), op.sub, i32(1), op.add, tee(l['QLO']!), i32(0), g('QLO'), i32(0), op.geS, op.select, st('QLO'),
    g('KW'), i32(1), op.sub, tee(l['QC']!), g('TX'), g('QC'), g('TX'), op.ltS, op.select, g('QLO'), op.sub, i32(1), op.add, st('QC'),
    forRange(l['PK']!, g('P0'), [g('P1'), i32(1), op.add], i32(1), [
      g(cb), g('PK'), g('KWPB'), op.mul, op.add, g('QLO'), g('PB'), op.mul, op.add,
      g('Y'), g('PK'), op.sub, g('OW'), op.mul, g('TX'), op.add, g('QLO'), op.sub, i32(E), op.mul, op.add, st('CP'),
      g('QC'), st('QN'),
      countDown(l['QN']!, [get(SACC), g('CP'), load(L.elem), L.sadd, set(SACC), g('CP'), g('PB1'), op.add, st('CP')]),
    ]),
    g(dr), g('TX'), i32(E), op.mul, op.add, get(SACC), store(L.elem),
  ])
  /** Rows of channel CC (and CC + 1 when ch = 2: the same terms, masks and pointers a channel apart). */
  const channels = (ch: 1 | 2): Code => [
    g('COL'), g('CC'), g('CSTEP'), op.mul, op.add, tee(l['CB']!), g('CSTEP'), op.add, st('CB2'),
    forRange(l['Y']!, i32(0), g('H'), i32(1), [
      g('DX'), g('CC'), g('H'), op.mul, g('Y'), op.add, g('W'), op.mul, i32(E), op.mul, op.add, tee(l['DR']!), g('H'), g('W'), op.mul, i32(E), op.mul, op.add, st('DR2'),
      pRange, row(ch), tail('CB', 'DR'), ch === 2 ? tail('CB2', 'DR2') : [],
    ]),
  ]
  const body: Code = [
    g('OH'), g('OW'), op.mul, i32(E), op.mul, tee(l['PB']!), i32(E), op.sub, st('PB1'),
    g('KW'), g('PB'), op.mul, tee(l['KWPB']!), g('KH'), op.mul, st('CSTEP'),
    g('OW'), i32(E), op.mul, st('OWB'),
    g('W'), i32(n === 4 ? 2 : 1), op.shrU, st('VW'),
    ifThen(g('VW'), [g('VW'), i32(1), op.sub, i32(n), op.mul, g('KW'), op.add, st('NT'), table]),
    // channels in pairs (twice the independent sums in flight: each is a chain of additions), then the last one
    forRange(l['CC']!, i32(0), [g('C'), i32(1), op.sub], i32(2), channels(2)),
    ifThen([g('CC'), g('C'), op.ltS], channels(1)),
  ]
  return { name: 'col2imDense', params: params.map(() => I32), locals: [...ints.map(() => I32), ...new Array(2 * strip + 1).fill(V128), L.elem], body }
}

/** f32.const 0 or f64.const 0. */
const zeroScalar = (bytes: 4 | 8): Code => (bytes === 4 ? [0x43, 0, 0, 0, 0] : [0x44, 0, 0, 0, 0, 0, 0, 0, 0])
