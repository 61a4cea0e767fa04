/**
 * Fused elementwise loops in WebAssembly SIMD: a LoopSpec (what codegen hands a backend: the
 * members' equations, how each value is read, what is stored) becomes one function over float32x4
 * or float64x2 lanes, assembled by wasm-asm.ts, addressing the arena by byte offset.
 *
 *   L(lo, hi, unit, addresses…, dims…, strides…)
 *
 * - flat (every array read in the loop's own layout, or a scalar broadcast): elements lo..hi of the
 *   loop, `unit` = 1;
 * - rows (some array read through strides, e.g. a bias broadcast along rows): rows lo..hi of the
 *   first axis, `unit` = elements per row; the inner axes are loops, the last one in SIMD. An array
 *   whose last-axis stride is neither 0 nor 1 makes the loop decline (codegen writes it in JS).
 *
 * Lanes run while a whole vector fits, then a scalar tail runs the same vector code on splatted
 * single elements and stores lane 0, so every element gets the same instructions wherever a range
 * starts or ends (splitting a loop across threads cannot change a bit).
 *
 * Only ops in `vectorCode` are written; a loop with any other op (log, pow, a user's op…, and
 * exp, sigmoid or tanh in float64) declines. Each op's code keeps the JavaScript backend's semantics
 * (NaN, ±0, `x > 0 ? x : 0`): in float64 the results are the JavaScript loops' bits; in float32
 * each op rounds to float32 where the JavaScript loop rounds only at the stores, and exp and tanh
 * are polynomials within a few ulp of Math.exp and Math.tanh (within the float32 law, laws/dtype.ts). Constants are
 * encoded as float immediates from the checked number; nothing of a graph becomes source text.
 */
import type { Attrs, OpDef } from '../../core/Expr.js'
import * as ops from '../../ops/builtins.js'
import type { LoopSpec, OpTable } from '../backend.js'
import { opTable } from '../backend.js'
import { product } from '../codegen.js'
import type { Var } from '../program.js'
import { expF32, tanhF32, vconst } from './vmath-wasm.js'
import {
  forRange, get, i32, load, memarg, op, set, simd, store,
  I32, V128, type Code, type Func, type ValType,
} from './wasm-asm.js'

/** Lane-typed instructions of one dtype. */
export interface Vec {
  readonly bytes: 4 | 8
  readonly lanes: 4 | 2
  readonly shift: 2 | 3
  readonly add: Code
  readonly sub: Code
  readonly mul: Code
  readonly div: Code
  readonly min: Code
  readonly max: Code
  readonly neg: Code
  readonly abs: Code
  readonly sqrt: Code
  readonly eq: Code
  readonly ne: Code
  readonly lt: Code
  readonly gt: Code
  readonly le: Code
  readonly ge: Code
  /** v128.const with every lane x. */
  readonly splatConst: (x: number) => Code
  /** Load one element at the address on the stack, into every lane. */
  readonly loadSplat: Code
  /** Store lane 0 of the vector on the stack at the address below it. */
  readonly storeLane0: Code
  /** e^x per lane, with fresh v128 locals from `tmp` (float32 only; undefined: exp stays JavaScript). */
  readonly exp?: (x: Code, tmp: () => number) => Code
  /** tanh x per lane, likewise. */
  readonly tanh?: (x: Code, tmp: () => number) => Code
}

const AND = simd(0x4e), OR = simd(0x50), BITSELECT = simd(0x52)
const zero: Code = vconst(new Uint8Array(16))

export const vf32: Vec = {
  bytes: 4, lanes: 4, shift: 2,
  add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), div: simd(0xe7), min: simd(0xe8), max: simd(0xe9),
  neg: simd(0xe1), abs: simd(0xe0), sqrt: simd(0xe3),
  eq: simd(0x41), ne: simd(0x42), lt: simd(0x43), gt: simd(0x44), le: simd(0x45), ge: simd(0x46),
  splatConst: (x) => vconst(new Uint8Array(Float32Array.of(x, x, x, x).buffer)),
  loadSplat: [simd(0x09), memarg(2, 0)],
  storeLane0: [simd(0x5a), memarg(2, 0), 0],
  exp: expF32,
  tanh: tanhF32,
}
export const vf64: Vec = {
  bytes: 8, lanes: 2, shift: 3,
  add: simd(0xf0), sub: simd(0xf1), mul: simd(0xf2), div: simd(0xf3), min: simd(0xf4), max: simd(0xf5),
  neg: simd(0xed), abs: simd(0xec), sqrt: simd(0xef),
  eq: simd(0x47), ne: simd(0x48), lt: simd(0x49), gt: simd(0x4a), le: simd(0x4b), ge: simd(0x4c),
  splatConst: (x) => vconst(new Uint8Array(Float64Array.of(x, x).buffer)),
  loadSplat: [simd(0x0a), memarg(3, 0)],
  storeLane0: [simd(0x5b), memarg(3, 0), 0],
}

/**
 * Vector code of an op: its arguments' vectors (cheap to repeat: local reads) → one vector, with
 * fresh v128 locals from `tmp`; undefined when this dtype has no code for it (the loop declines).
 */
export type VectorCode = (args: readonly [Code, Code, Code], attrs: Attrs, V: Vec, tmp: () => number) => Code | undefined

/** `cond ? 1 : 0` per lane: the comparison's all-ones mask and 1.0. */
const cmp = (k: 'eq' | 'lt' | 'gt' | 'le' | 'ge'): VectorCode => ([x, y], _, V) => [x, y, V[k], V.splatConst(1), AND]

/** The ops written in WebAssembly, with the JavaScript backend's semantics (backend-js.ts). */
export const vectorCode: OpTable<VectorCode> = opTable<VectorCode>([
  [ops.addOp, ([x, y], _, V) => [x, y, V.add]],
  [ops.subOp, ([x, y], _, V) => [x, y, V.sub]],
  [ops.mulOp, ([x, y], _, V) => [x, y, V.mul]],
  [ops.divOp, ([x, y], _, V) => [x, y, V.div]],
  // Math.max/min: NaN if either is NaN, max(−0, +0) = +0: the same as f32x4.max/min
  [ops.maximumOp, ([x, y], _, V) => [x, y, V.max]],
  [ops.minimumOp, ([x, y], _, V) => [x, y, V.min]],
  [ops.negOp, ([x], _, V) => [x, V.neg]],
  [ops.squareOp, ([x], _, V) => [x, x, V.mul]],
  [ops.absOp, ([x], _, V) => [x, V.abs]],
  [ops.sqrtOp, ([x], _, V) => [x, V.sqrt]],
  [ops.expOp, ([x], _, V, tmp) => V.exp?.(x, tmp)],
  [ops.tanhOp, ([x], _, V, tmp) => V.tanh?.(x, tmp)],
  // x ≥ 0 ? 1/(1 + e^−x) : e^x/(1 + e^x), both from e = e^−|x|
  [ops.sigmoidOp, ([x], _, V, tmp) => {
    if (V.exp === undefined) return undefined
    const [e, d] = [tmp(), tmp()]
    return [V.exp([x, V.abs, V.neg], tmp), set(e), V.splatConst(1), get(e), V.add, set(d),
      V.splatConst(1), get(d), V.div, get(e), get(d), V.div, x, zero, V.ge, BITSELECT]
  }],
  // x > 0 ? x : 0 (NaN and −0 give +0): x masked by x > 0
  [ops.reluOp, ([x], _, V) => [x, x, zero, V.gt, AND]],
  [ops.gtOp, cmp('gt')],
  [ops.geOp, cmp('ge')],
  [ops.ltOp, cmp('lt')],
  [ops.leOp, cmp('le')],
  [ops.eqOp, cmp('eq')],
  [ops.stepOp, ([x], _, V) => [x, zero, V.gt, V.splatConst(1), AND]],
  [ops.signOp, ([x], _, V) => [x, zero, V.gt, V.splatConst(1), AND, x, zero, V.lt, V.splatConst(-1), AND, OR]],
  // c !== 0 ? a : b (NaN !== 0): a where the mask c ≠ 0 is set
  [ops.whereOp, ([c, a, b], _, V) => [a, b, c, zero, V.ne, BITSELECT]],
])

/** The literal ops (no arguments) whose value is `attrs.value`. */
const literalOps: ReadonlySet<OpDef> = new Set([ops.constOp])

/** One loop as a function body, with the JavaScript arguments its call passes after (lo, hi, unit). */
export interface LoopFunc {
  readonly func: Omit<Func, 'name'>
  /** Expressions of the call's arguments after lo, hi, unit (addresses, dims, strides). */
  readonly args: readonly string[]
  /** The range the whole loop covers (elements when flat, rows otherwise) and its unit. */
  readonly hi: string
  readonly unit: string
}

type Read =
  | { readonly kind: 'literal'; readonly value: number }
  | { readonly kind: 'flat'; readonly addr: number }
  | { readonly kind: 'scalar'; readonly addr: number }
  | { readonly kind: 'strided'; readonly addr: number; readonly last: 0 | 1; readonly strides: readonly (number | null)[] }

/**
 * The loop as a WebAssembly function, or undefined when it holds an op outside `vectorCode` (or
 * one whose code `allowed` does not confirm), a literal that is not a number, or a read through a
 * last-axis stride other than 0 or 1.
 */
export function loopFunc(spec: LoopSpec, V: Vec, allowed: (op: OpDef) => boolean): LoopFunc | undefined {
  const { dims, members, reads, stores } = spec
  for (const m of members) if (!vectorCode.has(m.op) || !allowed(m.op)) return undefined
  const r = dims.length
  const broadcast = (strides: readonly string[]): boolean => strides.every((s, i) => s === '0' || dims[i] === '1')
  const flat = reads.every((x) => !('strides' in x) || broadcast(x.strides))
  if (!flat && reads.some((x) => 'strides' in x && dims[r - 1] !== '1' && x.strides[r - 1] !== '0' && x.strides[r - 1] !== '1')) return undefined

  const params: ValType[] = [I32, I32, I32]
  const args: string[] = []
  const param = (expr: string): number => (args.push(expr), params.push(I32) - 1)
  const LO = 0, HI = 1, UNIT = 2
  const rs: Read[] = []
  for (const x of reads) {
    if ('literal' in x) {
      const value = x.literal.attrs['value']
      if (!literalOps.has(x.literal.op) || !allowed(x.literal.op) || typeof value !== 'number') return undefined
      rs.push({ kind: 'literal', value })
    } else if (!('strides' in x)) rs.push({ kind: 'flat', addr: param(`${x.arr}.byteOffset`) })
    else if (broadcast(x.strides)) rs.push({ kind: 'scalar', addr: param(`${x.arr}.byteOffset`) })
    else rs.push({ kind: 'strided', addr: param(`${x.arr}.byteOffset`), last: x.strides[r - 1] === '1' && dims[r - 1] !== '1' ? 1 : 0, strides: [] })
  }
  const storeAddr = stores.map((s) => param(`${s.arr}.byteOffset`))
  const dimParam = flat ? [] : dims.slice(1).map((d) => param(d))
  // outer-axis strides of strided reads (null: 0 or a unit axis)
  reads.forEach((x, k) => {
    const rd = rs[k]!
    if (rd.kind === 'strided' && 'strides' in x)
      rs[k] = { ...rd, strides: x.strides.slice(0, r - 1).map((s, a) => (s === '0' || dims[a] === '1' ? null : param(s))) }
  })

  const locals: ValType[] = []
  const local = (t: ValType): number => params.length + locals.push(t) - 1
  const O = local(I32), I = local(I32), END = local(I32), VEND = local(I32)
  const { bytes: E, shift } = V
  const J = flat ? [] : dims.slice(0, r - 1).map(() => local(I32))
  const value = new Map<Var, number>()
  const pre: Code[] = []
  /** Per read: the code of one vector (vector loop) and one splatted element (tail). */
  const vec: Code[] = [], one: Code[] = []
  const rowHoists: Code[] = []
  /** Per strided read, its byte base after fixing axes 0..a: q[k][a]. */
  const q = new Map<number, number[]>()
  rs.forEach((rd, k) => {
    const l = local(V128)
    value.set(reads[k]!.v, l)
    if (rd.kind === 'literal') pre.push(V.splatConst(rd.value), set(l))
    else if (rd.kind === 'scalar') pre.push(get(rd.addr), V.loadSplat, set(l))
    else if (rd.kind === 'flat') {
      vec.push([get(rd.addr), get(O), op.add, load(V128), set(l)])
      one.push([get(rd.addr), get(O), op.add, V.loadSplat, set(l)])
    } else {
      const qs = J.map(() => local(I32))
      q.set(k, qs)
      const row = qs[qs.length - 1]!
      if (rd.last === 0) rowHoists.push(get(row), V.loadSplat, set(l))
      else {
        vec.push([get(row), get(I), op.add, load(V128), set(l)])
        one.push([get(row), get(I), op.add, V.loadSplat, set(l)])
      }
    }
  })
  const compute: Code[] = []
  for (const m of members) {
    const l = local(V128)
    const [x = [], y = [], z = []] = m.args.map((a) => get(value.get(a)!))
    const code = vectorCode.get(m.op)!([x, y, z], m.attrs, V, () => local(V128))
    if (code === undefined) return undefined
    compute.push(code, set(l))
    value.set(m.out, l)
  }
  const vecBody = [vec, compute, stores.map((s, k) => [get(storeAddr[k]!), get(O), op.add, get(value.get(s.v)!), store(V128)])]
  const oneBody = [one, compute, stores.map((s, k) => [get(storeAddr[k]!), get(O), op.add, get(value.get(s.v)!), V.storeLane0])]

  let body: Code
  if (flat) {
    body = [
      pre,
      get(HI), i32(shift), op.shl, set(END),
      get(LO), get(HI), get(LO), op.sub, i32(-V.lanes), op.and, op.add, i32(shift), op.shl, set(VEND),
      forRange(O, [get(LO), i32(shift), op.shl], get(VEND), i32(16), vecBody),
      forRange(O, get(O), get(END), i32(E), oneBody),
    ]
  } else {
    const last = dimParam[r - 2]!
    // I walks a row in bytes (stride-1 reads), O every array in the loop's layout
    const inner: Code = [
      rowHoists,
      forRange(I, i32(0), [get(last), i32(-V.lanes), op.and, i32(shift), op.shl], i32(16), [vecBody, get(O), i32(16), op.add, set(O)]),
      forRange(I, get(I), [get(last), i32(shift), op.shl], i32(E), [oneBody, get(O), i32(E), op.add, set(O)]),
    ]
    /** Axis a's loop: bases q[k][a] = q[k][a − 1] (or the address) + j_a·stride. */
    const nest = (a: number): Code => {
      const bases = rs.map((rd, k) => {
        if (rd.kind !== 'strided') return []
        const qs = q.get(k)!
        const s = rd.strides[a]
        return [a === 0 ? get(rd.addr) : get(qs[a - 1]!), ...(s === null || s === undefined ? [] : [get(J[a]!), get(s), op.mul, i32(shift), op.shl, op.add]), set(qs[a]!)]
      })
      return forRange(J[a]!, a === 0 ? get(LO) : i32(0), a === 0 ? get(HI) : get(dimParam[a - 1]!), i32(1), [bases, a === r - 2 ? inner : nest(a + 1)])
    }
    body = [pre, get(LO), get(UNIT), op.mul, i32(shift), op.shl, set(O), nest(0)]
  }
  return {
    func: { params, locals, body },
    args,
    hi: flat ? product(dims) : dims[0]!,
    unit: flat ? '1' : product(dims.slice(1)),
  }
}

/** Bytes of a function's signature and body, to share one function among identical loops. */
export const funcKey = (f: Omit<Func, 'name'>): string => `${f.params.length}|${f.locals.join(',')}|${flat(f.body).join(',')}`
const flat = (c: Code, out: number[] = []): number[] => {
  if (typeof c === 'number') out.push(c)
  else for (const x of c) flat(x, out)
  return out
}
