/**
 * im2colPanels(x, dims…, out): one image's column matrix col [K, P] (spatial-arena-wasm.ts) written
 * straight in the layout the gemm's micro-kernel reads as packed B: panels of NR columns,
 * each K rows of NR values, the last panel's columns past P left as they were:
 *
 *   col[r, p] at out + ((p / NR)·K + r)·NR·E + (p % NR)·E
 *
 * so the forward convolution's product reads it in place (gemm with tB = 2) instead of copying
 * it into panels again, and the filter gradient reads it along p (dot-wasm.ts). Each output row's
 * run of OW values is written in vectors where it starts a vector's place in a panel and reads a
 * contiguous stretch of the image (stride 1), else value by value; zeros where the window lies
 * outside the image.
 */
import { dims, func, rowGeometry } from './spatial-geometry-wasm.js'
import { countDown, forRange, get, i32, ifThen, load, op, set, store, v128zero, V128, type Code, type Func } from './wasm-asm.js'
import type { GemmShape } from './gemm-wasm.js'

export function im2colPanelsFunc(s: GemmShape): Func {
  const L = s.lanes
  const E = L.bytes, n = L.lanes, NR = s.NV * n
  const shift = Math.log2(NR)
  const zero: Code = E === 4 ? [0x43, 0, 0, 0, 0] : [0x44, 0, 0, 0, 0, 0, 0, 0, 0]
  return func('im2colPanels', ['X', ...dims, 'OUT'],
    ['R', 'KK', 'CC', 'T', 'P', 'FIRST', 'LO', 'HI', 'K', 'I', 'Y', 'PS', 'D', 'DP', 'N', 'J', 'STEP', 'S', 'SSTEP', 'WRAP'], (l) => {
      const g = (name: string) => get(l[name]!)
      const st = (name: string) => set(l[name]!)
      /** N values from S (stride SW) to D, or zeros, through the panels: a vector where one fits. */
      const run = (copy: boolean): Code => forRange(l['J']!, i32(0), g('N'), g('STEP'), [
        ifThen([g('N'), g('J'), op.sub, i32(n), op.geS, g('DP'), i32(n - 1), op.and, op.eqz, op.and, ...(copy ? [g('SW'), i32(1), op.eq, op.and] : [])],
          [g('D'), copy ? [g('S'), load(V128)] : v128zero, store(V128), i32(n), st('STEP'), g('D'), i32(16), op.add, st('D'),
            copy ? [g('S'), i32(16), op.add, st('S')] : []],
          [g('D'), copy ? [g('S'), load(L.elem)] : zero, store(L.elem), i32(1), st('STEP'), g('D'), i32(E), op.add, st('D'),
            copy ? [g('S'), g('SSTEP'), op.add, st('S')] : []]),
        g('DP'), g('STEP'), op.add, st('DP'),
        ifThen([g('DP'), i32(NR), op.eq], [i32(0), st('DP'), g('D'), g('WRAP'), op.add, st('D')]),
      ])
      const fast: Code = [
        g('SW'), i32(1), op.eq, g('LO'), op.eqz, op.and, g('HI'), g('OW'), op.eq, op.and, g('Y'), g('H'), op.ltU, op.and,
        g('DP'), g('OW'), op.or, i32(n - 1), op.and, op.eqz, op.and,
      ]
      const panel: Code = Array.from({ length: s.NV }, (_, v) => [g('D'), g('S'), load(V128, 16 * v), store(V128, 16 * v)])
      return [
        g('KH'), g('KW'), op.mul, st('KK'),
        g('C'), g('KK'), op.mul, st('K'),
        g('SW'), i32(E), op.mul, st('SSTEP'),
        g('K'), i32(1), op.sub, i32(NR * E), op.mul, st('WRAP'),
        forRange(l['R']!, i32(0), g('K'), i32(1), [
          rowGeometry(l),
          forRange(l['I']!, i32(0), g('OH'), i32(1), [
            g('I'), g('SH'), op.mul, g('P'), op.add, g('PH'), op.sub, st('Y'),
            g('I'), g('OW'), op.mul, st('PS'),
            g('PS'), i32(NR - 1), op.and, st('DP'),
            g('OUT'), g('PS'), i32(shift), op.shrU, g('K'), op.mul, g('R'), op.add, i32(NR), op.mul, g('DP'), op.add, i32(E), op.mul, op.add, st('D'),
            g('X'), g('CC'), g('H'), op.mul, g('Y'), op.add, g('W'), op.mul, g('FIRST'), op.add, g('LO'), g('SW'), op.mul, op.add, i32(E), op.mul, op.add, st('S'),
            ifThen(fast, [
              // the whole row inside the image, contiguous, in vectors: a panel's NV at a time where it starts one
              g('OW'), i32(Math.log2(n)), op.shrU, st('N'),
              forRange(l['J']!, i32(0), g('N'), g('STEP'), ifThen([g('DP'), op.eqz, g('N'), g('J'), op.sub, i32(s.NV), op.geS, op.and],
                [panel, i32(s.NV), st('STEP'), g('S'), i32(NR * E), op.add, st('S'), g('D'), g('WRAP'), i32(NR * E), op.add, op.add, st('D')],
                [g('D'), g('S'), load(V128), store(V128), i32(1), st('STEP'), g('S'), i32(16), op.add, st('S'), g('D'), i32(16), op.add, st('D'),
                  g('DP'), i32(n), op.add, st('DP'),
                  ifThen([g('DP'), i32(NR), op.eq], [i32(0), st('DP'), g('D'), g('WRAP'), op.add, st('D')])])),
            ], ifThen([g('Y'), g('H'), op.ltU], [
              g('LO'), st('N'), run(false),
              g('HI'), g('LO'), op.sub, st('N'), run(true),
              g('OW'), g('HI'), op.sub, st('N'), run(false),
            ], [g('OW'), st('N'), run(false)])),
          ]),
        ]),
      ]
    })
}

/**
 * im2colPanelsWhole(x, dims…, out): im2colPanels where every window lies inside the image (no
 * padding), along rows with stride 1, and each output row fills whole panels (OW a multiple of NR):
 * output row by output row, the K rows of col in turn (c, then kernel row p, then column q), each
 * OW/NR panels of NV vectors copied from x[c, i·SH + p, q …].
 */
export function im2colPanelsWholeFunc(s: GemmShape): Func {
  const E = s.lanes.bytes, NR = s.NV * s.lanes.lanes
  return func('im2colPanelsWhole', ['X', ...dims, 'OUT'], ['I', 'CC', 'P', 'Q', 'NP', 'T', 'SI', 'SC', 'SP', 'S', 'D', 'DT', 'PANEL', 'DI', 'ST'], (l) => {
    const g = (name: string) => get(l[name]!)
    const st = (name: string) => set(l[name]!)
    const copy: Code = Array.from({ length: s.NV }, (_, v) => [g('DT'), g('S'), load(V128, 16 * v), store(V128, 16 * v)])
    return [
      g('C'), g('KH'), op.mul, g('KW'), op.mul, i32(NR * E), op.mul, st('PANEL'),
      g('OW'), i32(Math.log2(NR)), op.shrU, st('NP'),
      g('X'), st('SI'), g('OUT'), st('DI'),
      g('SH'), g('W'), op.mul, i32(E), op.mul, st('ST'),
      forRange(l['I']!, i32(0), g('OH'), i32(1), [
        g('DI'), st('D'), g('SI'), st('SC'),
        forRange(l['CC']!, i32(0), g('C'), i32(1), [
          g('SC'), st('SP'),
          forRange(l['P']!, i32(0), g('KH'), i32(1), [
            g('SP'), st('S'),
            forRange(l['Q']!, i32(0), g('KW'), i32(1), [
              g('D'), st('DT'),
              ifThen([g('NP'), i32(1), op.eq], [copy, g('S'), i32(E), op.add, st('S')], [
                g('NP'), st('T'),
                countDown(l['T']!, [copy, g('S'), i32(NR * E), op.add, st('S'), g('DT'), g('PANEL'), op.add, st('DT')]),
                // the next column q: OW·E bytes of x back, one forward
                g('S'), g('OW'), i32(1), op.sub, i32(E), op.mul, op.sub, st('S'),
              ]),
              g('D'), i32(NR * E), op.add, st('D'),
            ]),
            g('SP'), g('W'), i32(E), op.mul, op.add, st('SP'),
          ]),
          g('SC'), g('H'), g('W'), op.mul, i32(E), op.mul, op.add, st('SC'),
        ]),
        g('SI'), g('ST'), op.add, st('SI'),
        g('DI'), g('NP'), g('PANEL'), op.mul, op.add, st('DI'),
      ]),
    ]
  })
}
