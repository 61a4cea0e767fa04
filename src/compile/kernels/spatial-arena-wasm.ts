/**
 * Convolution kernels in WebAssembly SIMD (float32x4 or float64x2), assembled with the gemm of
 * gemm-wasm.ts and max pooling (pool-arena-wasm.ts) into one module so they run where the data
 * lives: in the WebAssembly backend's memory, one image at a time, on any thread of a pool.
 *
 *   col [K, P]: row r = (c·KH + p)·KW + q, column i·OW + j = x[c, i·sh − ph + p, j·sw − pw + q] (0 outside)
 *   convFwd:  y_n [F, P]   = W [F, K] · col_n                       for images n0..n1
 *   convBI:   dx_n         = col2im(Wᵀ [K, F] · g_n [F, P])         for images n0..n1
 *   convBF:   dW[:, k0..k1] = Σ_n g_n [F, P] · col_n[k0..k1]ᵀ        (only those rows of col_n are built)
 *
 * All addresses are byte offsets; `col` is one thread's scratch of K·P elements, `s` its gemm
 * scratch. Each element of the results is the same sum in the same order however images or
 * columns of dW are split between calls, so threads never change a bit.
 */
import { gemmFuncs, type GemmShape } from './gemm-wasm.js'
import { maxPoolFunc } from './pool-arena-wasm.js'
import {
  assemble, call, countDown, forRange, get, i32, ifThen, load, memFill, op, set, store, tee,
  I32, V128, type Code, type Func,
} from './wasm-asm.js'

/** A function whose params and locals are named (all i32); `body` gets their indices. */
function func(name: string, params: readonly string[], locals: readonly string[], body: (l: Record<string, number>) => Code): Func {
  const l: Record<string, number> = {}
  ;[...params, ...locals].forEach((n, i) => (l[n] = i))
  return { name, params: params.map(() => I32), locals: locals.map(() => I32), body: body(l) }
}

const dims = ['C', 'H', 'W', 'KH', 'KW', 'SH', 'SW', 'PH', 'PW', 'OH', 'OW'] as const

/**
 * Shared by im2col and col2im: for row r of col, the channel, kernel row p and the range
 * [LO, HI) of output columns j whose input column j·SW − PW + q lies inside [0, W).
 */
function rowGeometry(l: Record<string, number>): Code {
  const g = (n: string) => get(l[n]!)
  const s = (n: string) => set(l[n]!)
  return [
    g('R'), g('KK'), op.divS, s('CC'),
    g('R'), g('CC'), g('KK'), op.mul, op.sub, s('T'),
    g('T'), g('KW'), op.divS, s('P'),
    g('T'), g('P'), g('KW'), op.mul, op.sub, g('PW'), op.sub, s('FIRST'), // q − pw
    // LO = FIRST < 0 ? ceil(−FIRST / SW) : 0, at most OW
    i32(0), s('LO'),
    ifThen([g('FIRST'), i32(0), op.ltS], [g('SW'), i32(1), op.sub, g('FIRST'), op.sub, g('SW'), op.divS, s('LO')]),
    ifThen([g('LO'), g('OW'), op.gtS], [g('OW'), s('LO')]),
    // HI = W − 1 − FIRST < 0 ? 0 : min(OW, (W − 1 − FIRST) / SW + 1), at least LO
    g('W'), i32(1), op.sub, g('FIRST'), op.sub, s('T'),
    i32(0), s('HI'),
    ifThen([g('T'), i32(0), op.geS], [g('T'), g('SW'), op.divS, i32(1), op.add, s('HI')]),
    ifThen([g('HI'), g('OW'), op.gtS], [g('OW'), s('HI')]),
    ifThen([g('HI'), g('LO'), op.ltS], [g('LO'), s('HI')]),
  ]
}

const geometryLocals = ['R', 'KK', 'CC', 'T', 'P', 'FIRST', 'LO', 'HI', 'I', 'Y', 'ROW', 'SRC', 'DST', 'N', 'V']

/** im2col(x, dims…, r0, r1, dst): rows r0..r1 of one image's col [K, P] (row r at dst + r·P·E). */
function im2col(s: GemmShape): Func {
  const L = s.lanes
  const E = L.bytes
  const shift = L.lanes === 4 ? 2 : 1
  return func('im2col', ['X', ...dims, 'R0', 'R1', 'OUT'], geometryLocals, (l) => {
    const g = (n: string) => get(l[n]!)
    const st = (n: string) => set(l[n]!)
    const zero = (from: Code, count: Code): Code => ifThen([count, i32(0), op.gtS], [g('ROW'), from, i32(E), op.mul, op.add, i32(0), count, i32(E), op.mul, memFill])
    const copyRow: Code = [
      g('ROW'), g('LO'), i32(E), op.mul, op.add, st('DST'),
      g('HI'), g('LO'), op.sub, st('N'),
      ifThen([g('SW'), i32(1), op.eq], [
        g('N'), i32(shift), op.shrU, st('V'),
        countDown(l['V']!, [g('DST'), g('SRC'), load(V128), store(V128),
          g('DST'), i32(16), op.add, st('DST'), g('SRC'), i32(16), op.add, st('SRC')]),
        g('N'), i32(L.lanes - 1), op.and, st('N'),
        countDown(l['N']!, [g('DST'), g('SRC'), load(L.elem), store(L.elem),
          g('DST'), i32(E), op.add, st('DST'), g('SRC'), i32(E), op.add, st('SRC')]),
      ], [
        g('SW'), i32(E), op.mul, st('V'),
        countDown(l['N']!, [g('DST'), g('SRC'), load(L.elem), store(L.elem),
          g('DST'), i32(E), op.add, st('DST'), g('SRC'), g('V'), op.add, st('SRC')]),
      ]),
    ]
    return [
      g('KH'), g('KW'), op.mul, st('KK'),
      forRange(l['R']!, g('R0'), g('R1'), i32(1), [
        rowGeometry(l),
        g('OUT'), g('R'), g('OH'), op.mul, g('OW'), op.mul, i32(E), op.mul, op.add, st('ROW'),
        forRange(l['I']!, i32(0), g('OH'), i32(1), [
          g('I'), g('SH'), op.mul, g('PH'), op.sub, g('P'), op.add, tee(l['Y']!), g('H'), op.ltU,
          ifThen([], [
            zero(i32(0), g('LO')),
            g('X'), g('CC'), g('H'), op.mul, g('Y'), op.add, g('W'), op.mul, g('FIRST'), op.add, g('LO'), g('SW'), op.mul, op.add, i32(E), op.mul, op.add, st('SRC'),
            copyRow,
            zero(g('HI'), [g('OW'), g('HI'), op.sub]),
          ], zero(i32(0), g('OW'))),
          g('ROW'), g('OW'), i32(E), op.mul, op.add, st('ROW'),
        ]),
      ]),
    ]
  })
}

/** col2im(col, dims…, dx): adds one image's col [K, P] into dx (the adjoint of im2col). */
function col2im(s: GemmShape): Func {
  const L = s.lanes
  const E = L.bytes
  const shift = L.lanes === 4 ? 2 : 1
  return func('col2im', ['COL', ...dims, 'DX'], geometryLocals, (l) => {
    const g = (n: string) => get(l[n]!)
    const st = (n: string) => set(l[n]!)
    const addRow: Code = [
      g('ROW'), g('LO'), i32(E), op.mul, op.add, st('SRC'),
      g('HI'), g('LO'), op.sub, st('N'),
      ifThen([g('SW'), i32(1), op.eq], [
        g('N'), i32(shift), op.shrU, st('V'),
        countDown(l['V']!, [g('DST'), g('DST'), load(V128), g('SRC'), load(V128), L.add, store(V128),
          g('DST'), i32(16), op.add, st('DST'), g('SRC'), i32(16), op.add, st('SRC')]),
        g('N'), i32(L.lanes - 1), op.and, st('N'),
        countDown(l['N']!, [g('DST'), g('DST'), load(L.elem), g('SRC'), load(L.elem), L.sadd, store(L.elem),
          g('DST'), i32(E), op.add, st('DST'), g('SRC'), i32(E), op.add, st('SRC')]),
      ], [
        g('SW'), i32(E), op.mul, st('V'),
        countDown(l['N']!, [g('DST'), g('DST'), load(L.elem), g('SRC'), load(L.elem), L.sadd, store(L.elem),
          g('DST'), g('V'), op.add, st('DST'), g('SRC'), i32(E), op.add, st('SRC')]),
      ]),
    ]
    return [
      g('KH'), g('KW'), op.mul, st('KK'),
      forRange(l['R']!, i32(0), [g('C'), g('KK'), op.mul], i32(1), [
        rowGeometry(l),
        g('COL'), g('R'), g('OH'), op.mul, g('OW'), op.mul, i32(E), op.mul, op.add, st('ROW'),
        forRange(l['I']!, i32(0), g('OH'), i32(1), [
          g('I'), g('SH'), op.mul, g('PH'), op.sub, g('P'), op.add, tee(l['Y']!), g('H'), op.ltU,
          ifThen([], [
            g('DX'), g('CC'), g('H'), op.mul, g('Y'), op.add, g('W'), op.mul, g('FIRST'), op.add, g('LO'), g('SW'), op.mul, op.add, i32(E), op.mul, op.add, st('DST'),
            addRow,
          ]),
          g('ROW'), g('OW'), i32(E), op.mul, op.add, st('ROW'),
        ]),
      ]),
    ]
  })
}

const GEMM = 1, IM2COL = 4, COL2IM = 5

/** The dims as arguments of im2col/col2im. */
const dimArgs = (l: Record<string, number>): Code => dims.map((d) => get(l[d]!))

/** convFwd(x, w, y, n0, n1, F, dims…, col, s). */
function convFwd(E: number): Func {
  return func('convFwd', ['X', 'WT', 'Y', 'N0', 'N1', 'F', ...dims, 'COL', 'S'], ['n', 'K', 'PP'], (l) => {
    const g = (n: string) => get(l[n]!)
    return [
      g('C'), g('KH'), op.mul, g('KW'), op.mul, set(l['K']!),
      g('OH'), g('OW'), op.mul, set(l['PP']!),
      forRange(l['n']!, g('N0'), g('N1'), i32(1), [
        g('X'), g('n'), g('C'), op.mul, g('H'), op.mul, g('W'), op.mul, i32(E), op.mul, op.add,
        dimArgs(l), i32(0), g('K'), g('COL'), call(IM2COL),
        g('WT'), i32(0), g('COL'), i32(0),
        g('Y'), g('n'), g('F'), op.mul, g('PP'), op.mul, i32(E), op.mul, op.add,
        g('F'), g('PP'), g('K'), i32(0), i32(0), g('F'), i32(0), g('PP'), g('S'), call(GEMM),
      ]),
    ]
  })
}

/** convBI(g, w, dx, n0, n1, F, dims…, col, s). */
function convBI(E: number): Func {
  return func('convBI', ['G', 'WT', 'DX', 'N0', 'N1', 'F', ...dims, 'COL', 'S'], ['n', 'K', 'PP', 'IMG'], (l) => {
    const g = (n: string) => get(l[n]!)
    return [
      g('C'), g('KH'), op.mul, g('KW'), op.mul, set(l['K']!),
      g('OH'), g('OW'), op.mul, set(l['PP']!),
      forRange(l['n']!, g('N0'), g('N1'), i32(1), [
        g('WT'), i32(1),
        g('G'), g('n'), g('F'), op.mul, g('PP'), op.mul, i32(E), op.mul, op.add, i32(0),
        g('COL'), g('K'), g('PP'), g('F'), i32(0), i32(0), g('K'), i32(0), g('PP'), g('S'), call(GEMM),
        g('DX'), g('n'), g('C'), op.mul, g('H'), op.mul, g('W'), op.mul, i32(E), op.mul, op.add, tee(l['IMG']!),
        i32(0), g('C'), g('H'), op.mul, g('W'), op.mul, i32(E), op.mul, memFill,
        g('COL'), dimArgs(l), g('IMG'), call(COL2IM),
      ]),
    ]
  })
}

/** convBF(x, g, dw, n, F, dims…, k0, k1, col, s): columns k0..k1 of dW [F, K], over every image. */
function convBF(E: number): Func {
  return func('convBF', ['X', 'G', 'DW', 'NN', 'F', ...dims, 'K0', 'K1', 'COL', 'S'], ['n', 'K', 'PP'], (l) => {
    const g = (n: string) => get(l[n]!)
    return [
      g('C'), g('KH'), op.mul, g('KW'), op.mul, set(l['K']!),
      g('OH'), g('OW'), op.mul, set(l['PP']!),
      forRange(l['n']!, i32(0), g('NN'), i32(1), [
        g('X'), g('n'), g('C'), op.mul, g('H'), op.mul, g('W'), op.mul, i32(E), op.mul, op.add,
        dimArgs(l), g('K0'), g('K1'), g('COL'), call(IM2COL),
        g('G'), g('n'), g('F'), op.mul, g('PP'), op.mul, i32(E), op.mul, op.add, i32(0),
        g('COL'), i32(1), g('DW'), g('F'), g('K'), g('PP'),
        g('n'), i32(0), op.gtS, i32(0), g('F'), g('K0'), g('K1'), g('S'), call(GEMM),
      ]),
    ]
  })
}

export function spatialModuleBytes(s: GemmShape, shared: boolean): Uint8Array<ArrayBuffer> {
  const E = s.lanes.bytes
  return assemble([...gemmFuncs(s), im2col(s), col2im(s), convFwd(E), convBI(E), convBF(E), maxPoolFunc(s.lanes)], { shared, maxPages: 16384 })
}
