/**
 * Vector code: how an op is written in the WebAssembly backend's fused SIMD loops, as a list of
 * lane instructions over a value stack (`([x], _, V) => [x, V.splatConst(1), x, V.abs, V.add,
 * V.div]` is softsign). The vocabulary is closed: every instruction is an opaque token made here
 * (`VectorOps`, one per dtype), numbers enter only through `splatConst` (a checked number encoded
 * as a float immediate), and a list is refused unless each item is such a token and the stack
 * ends with exactly one vector. No byte or string of a graph, or of the user, reaches the module.
 *
 * Values are float32x4 or float64x2 vectors; comparisons give all-ones/all-zeros lane masks,
 * combined with `and`, `or`, `select`. An op's arguments arrive as instructions pushing them (cheap
 * to repeat); `temp()` gives a fresh vector local for a value used twice.
 */
import { SymgradError } from '../../core/errors.js'
import type { Attrs, OpDef } from '../../core/Expr.js'
import { expF32, tanhF32, vconst } from './vmath-wasm.js'
import { get, memarg, set, simd, tee, type Code } from './wasm-asm.js'

declare const vectorInstr: unique symbol
/** One lane instruction: opaque, made only by a VectorOps. */
export interface VInstr {
  readonly [vectorInstr]: true
}
/** A sequence of instructions (nested lists are flattened). */
export type VCode = VInstr | readonly VCode[]

/** How an instruction is written: values it pops and pushes, and its bytes given fresh v128 locals. */
interface Encoding {
  readonly pops: number
  readonly pushes: number
  readonly emit: (locals: LocalsOf) => Code
}
interface LocalsOf {
  /** A fresh v128 local. */
  readonly fresh: () => number
  /** The local of a temp, allocated on first use. */
  readonly temp: (t: object) => number
}

const encodings = new WeakMap<object, Encoding>()
function instr(pops: number, pushes: number, emit: (l: LocalsOf) => Code): VInstr {
  const token = Object.freeze({}) as VInstr
  encodings.set(token, { pops, pushes, emit })
  return token
}
const fixed = (pops: number, pushes: number, code: Code): VInstr => instr(pops, pushes, () => code)

/** A vector local: `set` pops into it, `get` pushes it, `tee` stores and keeps it on the stack. */
export interface VTemp {
  readonly get: VInstr
  readonly set: VInstr
  readonly tee: VInstr
}

/** The lane instructions of one dtype. */
export interface VectorOps {
  readonly dtype: 'float32' | 'float64'
  readonly lanes: 4 | 2
  readonly add: VInstr
  readonly sub: VInstr
  readonly mul: VInstr
  readonly div: VInstr
  /** NaN if either is NaN; min(−0, +0) = −0, max = +0 (as Math.min/max). */
  readonly min: VInstr
  readonly max: VInstr
  readonly neg: VInstr
  readonly abs: VInstr
  readonly sqrt: VInstr
  /** Lane masks (all ones where the comparison holds). */
  readonly eq: VInstr
  readonly ne: VInstr
  readonly lt: VInstr
  readonly gt: VInstr
  readonly le: VInstr
  readonly ge: VInstr
  readonly and: VInstr
  readonly or: VInstr
  /** a, b, mask → a where the mask is set, else b (v128.bitselect). */
  readonly select: VInstr
  /** Every lane 0. */
  readonly zero: VInstr
  /** Every lane x (a number: NaN and ±∞ allowed; anything else throws). */
  readonly splatConst: (x: unknown) => VInstr
  /** A fresh vector local. */
  readonly temp: () => VTemp
  /** e^x per lane, within a few ulp of Math.exp (float32 only; undefined in float64). */
  readonly exp?: VInstr
  /** tanh x per lane, likewise. */
  readonly tanh?: VInstr
}

/**
 * Vector code of an op: its arguments' pushes → instructions leaving one vector; undefined when
 * this dtype has no code for it (the op runs in a JavaScript loop of its own).
 */
export type VectorCode = (args: readonly VInstr[], attrs: Attrs, V: VectorOps) => VCode | undefined

const AND = simd(0x4e), OR = simd(0x50), BITSELECT = simd(0x52)

function lanes(dtype: 'float32' | 'float64'): VectorOps {
  const f32 = dtype === 'float32'
  const base = f32 ? 0xe0 : 0xec
  const cmpBase = f32 ? 0x41 : 0x47
  const un = (k: number) => fixed(1, 1, simd(base + k))
  const bin = (k: number) => fixed(2, 1, simd(base + k))
  const cmp = (k: number) => fixed(2, 1, simd(cmpBase + k))
  const bytes = (x: number) => new Uint8Array((f32 ? Float32Array.of(x, x, x, x) : Float64Array.of(x, x)).buffer)
  return Object.freeze({
    dtype, lanes: f32 ? 4 : 2,
    abs: un(0), neg: un(1), sqrt: un(3),
    add: bin(4), sub: bin(5), mul: bin(6), div: bin(7), min: bin(8), max: bin(9),
    eq: cmp(0), ne: cmp(1), lt: cmp(2), gt: cmp(3), le: cmp(4), ge: cmp(5),
    and: fixed(2, 1, AND), or: fixed(2, 1, OR), select: fixed(3, 1, BITSELECT),
    zero: fixed(0, 1, vconst(new Uint8Array(16))),
    splatConst: (x: unknown) => {
      if (typeof x !== 'number') throw new SymgradError('value', `vector code: splatConst takes a number, got ${x === null ? 'null' : Array.isArray(x) ? 'a list' : typeof x}`)
      return fixed(0, 1, vconst(bytes(x)))
    },
    temp: (): VTemp => {
      const t = {}
      return { get: instr(0, 1, (l) => get(l.temp(t))), set: instr(1, 0, (l) => set(l.temp(t))), tee: instr(1, 1, (l) => tee(l.temp(t))) }
    },
    ...(f32 ? { exp: instr(1, 1, (l) => expF32([], l.fresh)), tanh: instr(1, 1, (l) => tanhF32([], l.fresh)) } : {}),
  })
}

/** The lane instructions of float32 (float32x4, four lanes; with `exp` and `tanh`). */
export const vectorF32: VectorOps = lanes('float32')
/** The lane instructions of float64 (float64x2, two lanes; no `exp` or `tanh`). */
export const vectorF64: VectorOps = lanes('float64')
/** The lane instructions of a dtype: `vectorF32` or `vectorF64`. */
export const vectorOpsOf = (dtype: 'float32' | 'float64'): VectorOps => (dtype === 'float32' ? vectorF32 : vectorF64)

/** The push of argument k of an op, reading a loop's local. */
export const argPush = (local: number): VInstr => fixed(0, 1, get(local))

/** Arguments standing for no particular local, to ask an op's code whether it exists for a dtype. */
const probeArgs: readonly VInstr[] = [argPush(0), argPush(0), argPush(0)]

/** Whether `code` gives vector code for these attributes in this dtype (it may throw on bad attributes). */
export function hasVector(code: VectorCode, attrs: Attrs, V: VectorOps): boolean {
  return code(probeArgs, attrs, V) !== undefined
}

/**
 * The bytes of an op's vector code, checked: every item an instruction of the vocabulary, the
 * stack never popped below empty, one vector left. `fresh` supplies v128 locals.
 */
export function encodeVector(op: OpDef, code: VCode, fresh: () => number): Code {
  const out: Code[] = []
  const temps = new Map<object, number>()
  const locals: LocalsOf = {
    fresh,
    temp: (t) => {
      let l = temps.get(t)
      if (l === undefined) temps.set(t, (l = fresh()))
      return l
    },
  }
  let depth = 0
  const walk = (c: VCode): void => {
    if (Array.isArray(c)) {
      for (const x of c as readonly VCode[]) walk(x)
      return
    }
    const e = typeof c === 'object' && c !== null ? encodings.get(c) : undefined
    if (e === undefined) throw new SymgradError('value', `vector code of op '${op.name}': item ${out.length} is not an instruction of VectorOps`)
    if (depth < e.pops) throw new SymgradError('value', `vector code of op '${op.name}': instruction ${out.length} pops ${e.pops} values from a stack of ${depth}`)
    depth += e.pushes - e.pops
    out.push(e.emit(locals))
  }
  walk(code)
  if (depth !== 1) throw new SymgradError('value', `vector code of op '${op.name}' leaves ${depth} values on the stack, expected 1`)
  return out
}

/** Load one element at the address on the stack into every lane; store lane 0 at the address below. */
export const loadSplat = (V: VectorOps): Code => (V.dtype === 'float32' ? [simd(0x09), memarg(2, 0)] : [simd(0x0a), memarg(3, 0)])
export const storeLane0 = (V: VectorOps): Code => (V.dtype === 'float32' ? [simd(0x5a), memarg(2, 0), 0] : [simd(0x5b), memarg(3, 0), 0])
/** Raw splat of a number, for the loop's own literal reads. */
export const splatBytes = (V: VectorOps, x: number): Code => vconst(new Uint8Array((V.dtype === 'float32' ? Float32Array.of(x, x, x, x) : Float64Array.of(x, x)).buffer))
