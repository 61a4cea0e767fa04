/**
 * Convolution kernels in WebAssembly SIMD (float32x4 or float64x2), assembled with the gemm of
 * gemm-wasm.ts, max pooling (pool-arena-wasm.ts) and per-channel sums (sum-arena-wasm.ts) into one module so they run where the data
 * lives: in the WebAssembly backend's memory, one image at a time, on any thread of a pool.
 *
 *   col [K, P]: row r = (c·KH + p)·KW + q, column i·OW + j = x[c, i·sh − ph + p, j·sw − pw + q] (0 outside)
 *   convFwd:  y_n [F, P]   = W [F, K] · col_n                       for images n0..n1
 *   convBI:   dx_n         = col2im(Wᵀ [K, F] · g_n [F, P])         for images n0..n1 (stride 1, no padding: col2im-dense-wasm.ts)
 *   convBF:   dW[:, k0..k1] = Σ_n g_n [F, P] · col_n[k0..k1]ᵀ        (only those rows of col_n are built, or none)
 *   convBFChunks: dW_c = Σ_{n in chunk c} g_n · col_nᵀ              for chunks c0..c1 (partial sums)
 *   chunkSum: dW = ((dW_0 + dW_1) + dW_2) + …                       the partial sums in chunk order
 *
 * The column matrix is copied once: convFwd's im2col writes it as the gemm's packed B panels
 * (im2col-panels-wasm.ts), which the gemm reads in place; convBF's product (dot-wasm.ts) reads g and
 * the rows of col along p, in place, from a row-major col, from convFwd's panels, or from the image
 * itself where the geometry allows (then nothing is built or kept).
 *
 * All addresses are byte offsets; `col` is one thread's scratch of K·P' elements (P' = P rounded
 * up to the panels), `s` its gemm scratch. Each element of the results is the same sum in the same order however images or
 * columns of dW are split between calls, so threads never change a bit.
 */
import { gemmFuncs, gemmScratchBytes, type GemmShape } from './gemm-wasm.js'
import { maxPoolFunc } from './pool-arena-wasm.js'
import { channelSumFunc } from './sum-arena-wasm.js'
import { dotRowsFunc, dotSumsFunc } from './dot-wasm.js'
import { im2colPanelsFunc, im2colPanelsWholeFunc } from './im2col-panels-wasm.js'
import { col2imDenseFunc, denseApplies, maskTable } from './col2im-dense-wasm.js'
import { dims, func, rowGeometry } from './spatial-geometry-wasm.js'
import {
  assemble, call, countDown, forRange, get, i32, ifThen, load, memFill, min, op, set, store, tee,
  I32, V128, type Code, type Func, type Lanes, type ValType,
} from './wasm-asm.js'

const geometryLocals = ['R', 'KK', 'CC', 'T', 'P', 'FIRST', 'LO', 'HI', 'I', 'Y', 'ROW', 'SRC', 'DST', 'N', 'V', 'CNT', 'S', 'D', 'LOB', 'HIB', 'TAIL', 'RSTEP', 'SSTEP', 'VN', 'TN']

/**
 * The walk shared by im2col and col2im over rows R of col: per R the geometry and the first
 * output row's addresses (col row at ROW, image row at SRC: advanced by a row of col and SH rows
 * of the image per output row), then `row` for each output row i whose image row Y = i·SH − PH + p
 * lies inside the image, `outside` for the others. A row R whose output rows all lie inside the
 * image, unclipped, with stride 1 along a row (no padding: every row) runs `fast` for each instead.
 */
function walk(l: Record<string, number>, L: GemmShape['lanes'], from: Code, to: Code, colBase: string, row: Code, outside: Code, fast: Code): Code {
  const g = (n: string) => get(l[n]!)
  const st = (n: string) => set(l[n]!)
  const E = L.bytes
  const advance: Code = [g('ROW'), g('RSTEP'), op.add, st('ROW'), g('SRC'), g('SSTEP'), op.add, st('SRC')]
  const whole: Code = [
    g('SW'), i32(1), op.eq, g('LO'), op.eqz, op.and, g('HI'), g('OW'), op.eq, op.and,
    g('Y'), i32(0), op.geS, op.and, g('Y'), g('OH'), i32(1), op.sub, g('SH'), op.mul, op.add, g('H'), op.ltS, op.and,
  ]
  return [
    g('OW'), i32(L.lanes === 4 ? 2 : 1), op.shrU, st('VN'),
    g('OW'), i32(L.lanes - 1), op.and, st('TN'),
    g('KH'), g('KW'), op.mul, st('KK'),
    g('OW'), i32(E), op.mul, st('RSTEP'),
    g('SH'), g('W'), op.mul, i32(E), op.mul, st('SSTEP'),
    forRange(l['R']!, from, to, i32(1), [
      rowGeometry(l),
      g(colBase), g('R'), g('OH'), op.mul, g('OW'), op.mul, i32(E), op.mul, op.add, st('ROW'),
      g('CC'), g('H'), op.mul, g('P'), op.add, g('PH'), op.sub, g('W'), op.mul, g('FIRST'), op.add, g('LO'), g('SW'), op.mul, op.add, i32(E), op.mul, st('SRC'),
      g('P'), g('PH'), op.sub, st('Y'),
      g('HI'), g('LO'), op.sub, st('N'),
      g('LO'), i32(E), op.mul, st('LOB'),
      g('HI'), i32(E), op.mul, st('HIB'),
      g('OW'), g('HI'), op.sub, i32(E), op.mul, st('TAIL'),
      g('OH'), st('I'),
      ifThen(whole, countDown(l['I']!, [fast, advance]), countDown(l['I']!, [
        g('Y'), g('H'), op.ltU,
        ifThen([], row, outside),
        advance,
        g('Y'), g('SH'), op.add, st('Y'),
      ])),
    ]),
  ]
}

/** OW consecutive elements from S to D, or added into D from S, in VN vectors and TN more. */
function wholeRow(l: Record<string, number>, L: GemmShape['lanes'], add: boolean): Code {
  const g = (n: string) => get(l[n]!)
  const st = (n: string) => set(l[n]!)
  const E = L.bytes
  const vec: Code = add ? [g('D'), g('D'), load(V128), g('S'), load(V128), L.add, store(V128)] : [g('D'), g('S'), load(V128), store(V128)]
  const one: Code = add ? [g('D'), g('D'), load(L.elem), g('S'), load(L.elem), L.sadd, store(L.elem)] : [g('D'), g('S'), load(L.elem), store(L.elem)]
  return [
    g('VN'), st('V'),
    countDown(l['V']!, [vec, g('D'), i32(16), op.add, st('D'), g('S'), i32(16), op.add, st('S')]),
    g('TN'), st('CNT'),
    countDown(l['CNT']!, [one, g('D'), i32(E), op.add, st('D'), g('S'), i32(E), op.add, st('S')]),
  ]
}

/**
 * N elements from S (stride SW) to D (consecutive), or added into D (stride SW) from S
 * (consecutive): `op` combines a loaded destination vector/element with the source one, or
 * undefined to copy. Vectors of lanes where the strided side has stride 1.
 */
function runOf(l: Record<string, number>, L: GemmShape['lanes'], add: boolean): Code {
  const g = (n: string) => get(l[n]!)
  const st = (n: string) => set(l[n]!)
  const E = L.bytes
  const shift = L.lanes === 4 ? 2 : 1
  const vec: Code = add ? [g('D'), g('D'), load(V128), g('S'), load(V128), L.add, store(V128)] : [g('D'), g('S'), load(V128), store(V128)]
  const one: Code = add ? [g('D'), g('D'), load(L.elem), g('S'), load(L.elem), L.sadd, store(L.elem)] : [g('D'), g('S'), load(L.elem), store(L.elem)]
  // im2col strides the source (image) side, col2im the destination (image) side
  const [srcStep, dstStep] = add ? [i32(E), g('V')] : [g('V'), i32(E)]
  return ifThen([g('SW'), i32(1), op.eq], [
    g('N'), i32(shift), op.shrU, st('V'),
    countDown(l['V']!, [vec, g('D'), i32(16), op.add, st('D'), g('S'), i32(16), op.add, st('S')]),
    g('N'), i32(L.lanes - 1), op.and, st('CNT'),
    countDown(l['CNT']!, [one, g('D'), i32(E), op.add, st('D'), g('S'), i32(E), op.add, st('S')]),
  ], [
    g('SW'), i32(E), op.mul, st('V'),
    g('N'), st('CNT'),
    countDown(l['CNT']!, [one, g('D'), dstStep, op.add, st('D'), g('S'), srcStep, op.add, st('S')]),
  ])
}

/** im2col(x, dims…, r0, r1, dst): rows r0..r1 of one image's col [K, P] (row r at dst + r·P·E). */
function im2col(s: GemmShape): Func {
  return func('im2col', ['X', ...dims, 'R0', 'R1', 'OUT'], geometryLocals, (l) => {
    const g = (n: string) => get(l[n]!)
    const st = (n: string) => set(l[n]!)
    const row: Code = [
      ifThen(g('LOB'), [g('ROW'), i32(0), g('LOB'), memFill]),
      g('ROW'), g('LOB'), op.add, st('D'), g('X'), g('SRC'), op.add, st('S'),
      runOf(l, s.lanes, false),
      ifThen(g('TAIL'), [g('ROW'), g('HIB'), op.add, i32(0), g('TAIL'), memFill]),
    ]
    const fast: Code = [g('ROW'), st('D'), g('X'), g('SRC'), op.add, st('S'), wholeRow(l, s.lanes, false)]
    return walk(l, s.lanes, g('R0'), g('R1'), 'OUT', row, [g('ROW'), i32(0), g('RSTEP'), memFill], fast)
  })
}

/** col2im(col, dims…, dx): adds one image's col [K, P] into dx (the adjoint of im2col). */
function col2im(s: GemmShape): Func {
  return func('col2im', ['COL', ...dims, 'DX'], geometryLocals, (l) => {
    const g = (n: string) => get(l[n]!)
    const st = (n: string) => set(l[n]!)
    const row: Code = [g('ROW'), g('LOB'), op.add, st('S'), g('DX'), g('SRC'), op.add, st('D'), runOf(l, s.lanes, true)]
    const fast: Code = [g('ROW'), st('S'), g('DX'), g('SRC'), op.add, st('D'), wholeRow(l, s.lanes, true)]
    return walk(l, s.lanes, i32(0), [g('C'), g('KK'), op.mul], 'COL', row, [], fast)
  })
}

/**
 * Images (kept column matrices, or images read directly) the filter gradient reads per pass over
 * dW's tiles: per 64 images, the 16×200×64 product 0.80 ms with 1, 0.74 with 2, 0.75 with 4 or 8.
 */
const keptImages = 2

const GEMM = 1, PACKA = 2, IM2COL = 4, COL2IM = 5, CONVBF = 8, DOTROWS = 13, DOTSUMS = 14, IM2COLPANELS = 15, IM2COLPANELSWHOLE = 16, COL2IMDENSE = 17

/** The dims as arguments of im2col/col2im. */
const dimArgs = (l: Record<string, number>): Code => dims.map((d) => get(l[d]!))

/** K = C·KH·KW (a column matrix's rows) and PP = OH·OW (its columns) into locals K and PP. */
const sizes = (l: Record<string, number>): Code => [
  get(l['C']!), get(l['KH']!), op.mul, get(l['KW']!), op.mul, set(l['K']!),
  get(l['OH']!), get(l['OW']!), op.mul, set(l['PP']!),
]

/** The byte address of image n of the [N, C, H, W] tensor at local `base`. */
const imageAt = (l: Record<string, number>, base: string, E: number): Code => [
  get(l[base]!), get(l['n']!), get(l['C']!), op.mul, get(l['H']!), op.mul, get(l['W']!), op.mul, i32(E), op.mul, op.add,
]

/**
 * The filters as the gemm's A, packed once for every image of a call (packA's arguments `args`,
 * m × k rows and columns) at the start of s, which the gemm leaves alone then (tA = 2), when they
 * fit its A block; else A and tA stay W and `args`' tA, packed per image by the gemm.
 */
function packOnce(s: GemmShape, l: Record<string, number>, args: Code[], m: Code, k: Code): Code {
  const room = s.MC * s.KC
  return [
    args[0]!, set(l['A']!), args[1]!, set(l['TA']!),
    ifThen([m, i32(s.MR - 1), op.add, i32(s.MR), op.divS, i32(s.MR), op.mul, k, op.mul, i32(room), op.leS],
      [args, get(l['S']!), call(PACKA), get(l['S']!), set(l['A']!), i32(2), set(l['TA']!)]),
  ]
}

/**
 * convFwd(x, w, y, n0, n1, F, dims…, col, colStep, s): image n's column matrix at col + n·colStep
 * (colStep 0: one scratch for every image; K·P'·E: every image's kept for the filter gradient),
 * written as the gemm's packed B panels (im2col-panels-wasm.ts; P' = P rounded up to NR).
 */
function convFwd(s: GemmShape): Func {
  const E = s.lanes.bytes, NR = s.NV * s.lanes.lanes
  return func('convFwd', ['X', 'WT', 'Y', 'N0', 'N1', 'F', ...dims, 'COL', 'CSTEP', 'S'], ['n', 'K', 'PP', 'CN', 'WHOLE', 'A', 'TA'], (l) => {
    const g = (n: string) => get(l[n]!)
    return [
      sizes(l),
      packOnce(s, l, [g('WT'), i32(0), g('K'), i32(0), g('F'), i32(0), g('K')], g('F'), g('K')),
      // no padding, stride 1 along rows, whole panels per output row: the quick im2col
      g('PH'), g('PW'), op.or, op.eqz, g('SW'), i32(1), op.eq, op.and, g('OW'), i32(NR - 1), op.and, op.eqz, op.and, set(l['WHOLE']!),
      forRange(l['n']!, g('N0'), g('N1'), i32(1), [
        g('COL'), g('n'), g('CSTEP'), op.mul, op.add, set(l['CN']!),
        ifThen(g('WHOLE'), [imageAt(l, 'X', E), dimArgs(l), g('CN'), call(IM2COLPANELSWHOLE)], [imageAt(l, 'X', E), dimArgs(l), g('CN'), call(IM2COLPANELS)]),
        g('A'), g('TA'), g('CN'), i32(2),
        g('Y'), g('n'), g('F'), op.mul, g('PP'), op.mul, i32(E), op.mul, op.add,
        g('F'), g('PP'), g('K'), i32(0), i32(0), g('F'), i32(0), g('PP'), g('S'), call(GEMM),
      ]),
    ]
  })
}

/** convBI(g, w, dx, n0, n1, F, dims…, col, colStep (unused), s): stride 1 without padding by col2imDense (its masks in s). */
function convBI(s: GemmShape): Func {
  const E = s.lanes.bytes
  return func('convBI', ['G', 'WT', 'DX', 'N0', 'N1', 'F', ...dims, 'COL', 'CSTEP', 'S'], ['n', 'K', 'PP', 'IMG', 'A', 'TA', 'DENSE'], (l) => {
    const g = (n: string) => get(l[n]!)
    return [
      sizes(l), denseApplies(s, l), set(l['DENSE']!),
      packOnce(s, l, [g('WT'), i32(1), g('K'), i32(0), g('K'), i32(0), g('F')], g('K'), g('F')),
      forRange(l['n']!, g('N0'), g('N1'), i32(1), [
        g('A'), g('TA'),
        g('G'), g('n'), g('F'), op.mul, g('PP'), op.mul, i32(E), op.mul, op.add, i32(0),
        g('COL'), g('K'), g('PP'), g('F'), i32(0), i32(0), g('K'), i32(0), g('PP'), g('S'), call(GEMM), imageAt(l, 'DX', E), set(l['IMG']!),
        ifThen(g('DENSE'), [g('COL'), dimArgs(l), g('IMG'), g('S'), i32(maskTable(s).offset), op.add, call(COL2IMDENSE)],
          [g('IMG'), i32(0), g('C'), g('H'), op.mul, g('W'), op.mul, i32(E), op.mul, memFill, g('COL'), dimArgs(l), g('IMG'), call(COL2IM)]),
      ]),
    ]
  })
}

/**
 * convBF(x, g, dw, n, F, dims…, k0, k1, build, col, colStep, s): columns k0..k1 of dW [F, K] over
 * every image, image n's column matrix at col + n·colStep: kept from convFwd (in panels) when
 * build = 0, built there (rows k0..k1, row-major) when 1, none when 2: the rows read from the
 * image itself (no padding, stride 1 along rows, output rows of whole panels; see dot-wasm.ts).
 * s holds the table of rows' offsets, then a vector of lane sums per element of dW.
 */
function convBF(s: GemmShape): Func {
  const E = s.lanes.bytes, NR = s.NV * s.lanes.lanes
  const bytes = gemmScratchBytes(s)
  return func('convBF', ['X', 'G', 'DW', 'NN', 'F', ...dims, 'K0', 'K1', 'BUILD', 'COL', 'CSTEP', 'S'],
    ['n', 'K', 'PP', 'CN', 'NB', 'TA', 'TB', 'B0', 'B1', 'KB', 'VS', 'CC', 'PK', 'QK', 'R', 'HW', 'DIRECT'], (l) => {
      const g = (n: string) => get(l[n]!)
      const st = (n: string) => set(l[n]!)
      const direct = [g('BUILD'), i32(2), op.eq]
      return [
        sizes(l),
        direct, st('DIRECT'),
        g('H'), g('W'), op.mul, i32(E), op.mul, st('HW'),
        // the rows' offsets: row k = (c, p, q) at x[c, p, q] (direct), else k·P·E (built) or k·NR·E (kept)
        i32(0), st('R'),
        forRange(l['CC']!, i32(0), g('C'), i32(1), forRange(l['PK']!, i32(0), g('KH'), i32(1), forRange(l['QK']!, i32(0), g('KW'), i32(1), [
          g('S'), g('R'), i32(4), op.mul, op.add,
          g('CC'), g('HW'), op.mul, g('PK'), g('W'), op.mul, g('QK'), op.add, i32(E), op.mul, op.add,
          g('R'), g('PP'), i32(E), op.mul, i32(NR * E), g('BUILD'), op.select, op.mul,
          g('DIRECT'), op.select, store(I32),
          g('R'), i32(1), op.add, st('R'),
        ]))),
        // then blocks of columns of dW whose lane sums fit s (a multiple of 4; the caller keeps F small enough)
        g('S'), g('K'), i32(4), op.mul, i32(15), op.add, i32(-16), op.and, op.add, st('VS'),
        i32(bytes), g('VS'), g('S'), op.sub, op.sub, i32(16), op.divS, g('F'), op.divS, i32(-4), op.and, st('KB'),
        forRange(l['B0']!, g('K0'), g('K1'), g('KB'), [
          min([g('B0'), g('KB'), op.add], g('K1'), l['TA']!, l['TB']!), st('B1'),
          // images one at a time when built here, else keptImages at a time (dotRows reads each
          // image's rows in turn: the same sums in the same order)
          forRange(l['n']!, i32(0), g('NN'), g('NB'), [
            g('X'), g('n'), g('HW'), g('C'), op.mul, op.mul, op.add,
            g('COL'), g('n'), g('CSTEP'), op.mul, op.add, g('DIRECT'), op.select, st('CN'),
            i32(1), min(i32(keptImages), [g('NN'), g('n'), op.sub], l['TA']!, l['TB']!), g('BUILD'), i32(1), op.eq, op.select, st('NB'),
            ifThen([g('BUILD'), i32(1), op.eq], [
              imageAt(l, 'X', E),
              dimArgs(l), g('B0'), g('B1'), g('CN'), call(IM2COL),
            ]),
            // lane sums of g_n · col_nᵀ over columns b0..b1 (dot-wasm.ts)
            g('G'), g('n'), g('F'), op.mul, g('PP'), op.mul, i32(E), op.mul, op.add, g('PP'), i32(E), op.mul, g('F'), g('PP'), op.mul, i32(E), op.mul,
            g('CN'), g('S'),
            // panels: direct NR·E apart, OH runs of OW/NR; else one run of P/NR, NR·E (built) or K·NR·E (kept) apart
            i32(NR * E), g('K'), i32(NR * E), op.mul, g('BUILD'), op.select,
            g('SH'), g('W'), op.mul, g('OW'), op.sub, i32(E), op.mul, i32(0), g('DIRECT'), op.select,
            g('OH'), i32(1), g('DIRECT'), op.select,
            g('OW'), g('PP'), g('DIRECT'), op.select, i32(NR), op.divS,
            g('HW'), g('C'), op.mul, g('CSTEP'), g('DIRECT'), op.select, g('NB'),
            g('PP'), i32(NR), op.remS,
            g('VS'), g('B1'), g('B0'), op.sub, g('F'), g('B0'), g('B1'), g('n'), op.eqz, call(DOTROWS),
          ]),
          g('VS'), g('F'), g('B1'), g('B0'), op.sub, g('DW'), g('B0'), i32(E), op.mul, op.add, g('K'), i32(E), op.mul, call(DOTSUMS),
        ]),
      ]
    })
}

/**
 * convBFChunks(x, g, part, nn, cs, c0, c1, F, dims…, build, col, colStep, s): for each chunk c in
 * c0..c1 of images [c·cs, min((c + 1)·cs, nn)), the whole dW [F, K] of those images into
 * part + c·F·K (convBF over the chunk; its column matrices at col + n·colStep as there). The chunks
 * are fixed by cs whatever thread runs them, so their sums, added in chunk order, do not depend on
 * the threads.
 */
function convBFChunks(E: number): Func {
  return func('convBFChunks', ['X', 'G', 'PART', 'NN', 'CS', 'C0', 'C1', 'F', ...dims, 'BUILD', 'COL', 'CSTEP', 'S'], ['c', 'N0', 'N1', 'K', 'PP', 'TA', 'TB'], (l) => {
    const g = (n: string) => get(l[n]!)
    return [
      sizes(l),
      forRange(l['c']!, g('C0'), g('C1'), i32(1), [
        g('c'), g('CS'), op.mul, set(l['N0']!),
        min([g('N0'), g('CS'), op.add], g('NN'), l['TA']!, l['TB']!), set(l['N1']!),
        g('X'), g('N0'), g('C'), op.mul, g('H'), op.mul, g('W'), op.mul, i32(E), op.mul, op.add,
        g('G'), g('N0'), g('F'), op.mul, g('PP'), op.mul, i32(E), op.mul, op.add,
        g('PART'), g('c'), g('F'), op.mul, g('K'), op.mul, i32(E), op.mul, op.add,
        g('N1'), g('N0'), op.sub, g('F'), dimArgs(l), i32(0), g('K'), g('BUILD'),
        g('COL'), g('N0'), g('CSTEP'), op.mul, op.add, g('CSTEP'), g('S'), call(CONVBF),
      ]),
    ]
  })
}

/** chunkSum(part, dw, fk, chunks): dw[e] = ((part_0[e] + part_1[e]) + …) for e < fk, part_c at part + c·fk (lanes at a time, then one by one). */
function chunkSum(L: Lanes): Func {
  const E = L.bytes
  const [PART, DW, FK, CH, O, C, P, STRIDE, VEND, END, ACC, S] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
  /** Adds part_1… of the element(s) at offset O into the local `acc` with `add`. */
  const rest = (t: ValType, acc: number, add: Code): Code => [
    get(PART), get(O), op.add, get(STRIDE), op.add, set(P),
    forRange(C, i32(1), get(CH), i32(1), [get(acc), get(P), load(t), add, set(acc), get(P), get(STRIDE), op.add, set(P)]),
  ]
  return {
    name: 'chunkSum', params: [I32, I32, I32, I32], locals: [I32, I32, I32, I32, I32, I32, V128, L.elem],
    body: [
      get(FK), i32(E), op.mul, tee(STRIDE), set(END),
      get(FK), i32(-L.lanes), op.and, i32(E), op.mul, set(VEND),
      forRange(O, i32(0), get(VEND), i32(16), [
        get(PART), get(O), op.add, load(V128), set(ACC), rest(V128, ACC, L.add),
        get(DW), get(O), op.add, get(ACC), store(V128),
      ]),
      forRange(O, get(VEND), get(END), i32(E), [
        get(PART), get(O), op.add, load(L.elem), set(S), rest(L.elem, S, L.sadd),
        get(DW), get(O), op.add, get(S), store(L.elem),
      ]),
    ],
  }
}

export function spatialModuleBytes(s: GemmShape, shared: boolean): Uint8Array<ArrayBuffer> {
  const E = s.lanes.bytes
  return assemble([...gemmFuncs(s), im2col(s), col2im(s), convFwd(s), convBI(s), convBF(s), maxPoolFunc(s.lanes), channelSumFunc(s.lanes), convBFChunks(E), chunkSum(s.lanes), dotRowsFunc(s), dotSumsFunc(s.lanes), im2colPanelsFunc(s), im2colPanelsWholeFunc(s), col2imDenseFunc(s)], { shared, maxPages: 16384 })
}
