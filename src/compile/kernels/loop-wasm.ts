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
 * Each member's code comes from the backend's `vector` table (vector-code.ts: a closed vocabulary
 * of lane instructions, checked as it is encoded); a loop with a member or literal without an entry
 * declines (fuse.ts keeps such ops out of vector loops, so this is rare). The built-in entries
 * (backend-wasm.ts) keep the JavaScript backend's semantics (NaN, ±0, `x > 0 ? x : 0`): in float64
 * the results are the JavaScript loops' bits; in float32 each op rounds to float32 where the
 * JavaScript loop rounds only at the stores, and exp and tanh are polynomials within a few ulp of
 * Math.exp and Math.tanh (within the float32 law, laws/dtype.ts). Constants are encoded as float
 * immediates from the checked number; nothing of a graph becomes source text.
 */
import type { OpDef } from '../../core/Expr.js'
import type { LoopSpec, OpTable } from '../backend.js'
import { product } from '../codegen.js'
import type { Var } from '../program.js'
import { argPush, encodeVector, loadSplat, storeLane0, type VCode, type VectorCode, type VectorOps } from './vector-code.js'
import {
  forRange, get, i32, load, op, set, store,
  I32, V128, type Code, type Func, type ValType,
} from './wasm-asm.js'

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
  | { readonly kind: 'literal'; readonly op: OpDef; readonly code: VCode }
  | { readonly kind: 'flat'; readonly addr: number }
  | { readonly kind: 'scalar'; readonly addr: number }
  | { readonly kind: 'strided'; readonly addr: number; readonly last: 0 | 1; readonly strides: readonly (number | null)[] }

/**
 * The loop as a WebAssembly function, or undefined when it holds an op or a literal without an
 * entry in `vector` (or whose entry has no code for this dtype), or a read through a last-axis
 * stride other than 0 or 1.
 */
export function loopFunc(spec: LoopSpec, V: VectorOps, vector: OpTable<VectorCode>): LoopFunc | undefined {
  const { dims, members, reads, stores } = spec
  for (const m of members) if (!vector.has(m.op)) return undefined
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
      const code = vector.get(x.literal.op)?.([], x.literal.attrs, V)
      if (code === undefined) return undefined
      rs.push({ kind: 'literal', op: x.literal.op, code })
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
  const E = V.dtype === 'float32' ? 4 : 8
  const shift = E === 4 ? 2 : 3
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
    if (rd.kind === 'literal') pre.push(encodeVector(rd.op, rd.code, () => local(V128)), set(l))
    else if (rd.kind === 'scalar') pre.push(get(rd.addr), loadSplat(V), set(l))
    else if (rd.kind === 'flat') {
      vec.push([get(rd.addr), get(O), op.add, load(V128), set(l)])
      one.push([get(rd.addr), get(O), op.add, loadSplat(V), set(l)])
    } else {
      const qs = J.map(() => local(I32))
      q.set(k, qs)
      const row = qs[qs.length - 1]!
      if (rd.last === 0) rowHoists.push(get(row), loadSplat(V), set(l))
      else {
        vec.push([get(row), get(I), op.add, load(V128), set(l)])
        one.push([get(row), get(I), op.add, loadSplat(V), set(l)])
      }
    }
  })
  const compute: Code[] = []
  for (const m of members) {
    const l = local(V128)
    const code = vector.get(m.op)!(m.args.map((a) => argPush(value.get(a)!)), m.attrs, V)
    if (code === undefined) return undefined
    compute.push(encodeVector(m.op, code, () => local(V128)), set(l))
    value.set(m.out, l)
  }
  const vecBody = [vec, compute, stores.map((s, k) => [get(storeAddr[k]!), get(O), op.add, get(value.get(s.v)!), store(V128)])]
  const oneBody = [one, compute, stores.map((s, k) => [get(storeAddr[k]!), get(O), op.add, get(value.get(s.v)!), storeLane0(V)])]

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
