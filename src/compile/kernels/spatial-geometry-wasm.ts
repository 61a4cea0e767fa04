/**
 * What the spatial kernels' generated functions share: functions with named i32 locals, the
 * geometry arguments of a convolution and, for a row of the column matrix, which output columns
 * read inside the image (see spatial-arena-wasm.ts for the column matrix's layout).
 */
import { get, i32, ifThen, op, set, I32, type Code, type Func } from './wasm-asm.js'

/** A function whose params and locals are named (all i32); `body` gets their indices. */
export function func(name: string, params: readonly string[], locals: readonly string[], body: (l: Record<string, number>) => Code): Func {
  const l: Record<string, number> = {}
  ;[...params, ...locals].forEach((n, i) => (l[n] = i))
  return { name, params: params.map(() => I32), locals: locals.map(() => I32), body: body(l) }
}

export const dims = ['C', 'H', 'W', 'KH', 'KW', 'SH', 'SW', 'PH', 'PW', 'OH', 'OW'] as const

/**
 * Shared by im2col and col2im: for row r of col, the channel, kernel row p and the range
 * [LO, HI) of output columns j whose input column j·SW − PW + q lies inside [0, W).
 */
export function rowGeometry(l: Record<string, number>): Code {
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

