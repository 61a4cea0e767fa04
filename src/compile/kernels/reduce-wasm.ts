/**
 * Sums over a block of axes with something left after it (bias gradients: [N, 512] → [512]) in
 * WebAssembly SIMD, on the WebAssembly backend's memory; the other reductions stay the JavaScript
 * kernel's (kernels/reduce.ts).
 *
 *   colSum(x, out, outer, red, inner, i0, i1): OUT[o, i] = Σ_r X[o, r, i] for i in i0..i1
 *
 * Like the JavaScript kernel, each sum starts at 0 and adds the rows in order, one rounding per
 * add, so float64 gives its bits; in float32 too (the JavaScript kernel adds in double and rounds
 * each partial sum to float32: for one add that is the float32 sum). Columns are split across
 * threads (never a sum), so 1 and N threads give the same bits.
 */
import type { ReduceKind } from './reduce.js'
import { splitGuided, type ThreadPool } from '../threads.js'
import { assemble, forRange, get, i32, load, op, set, store, v128zero, f32x4, f64x2, F32, F64, I32, V128, type Code, type Lanes } from './wasm-asm.js'
import type { Dtype } from '../arena.js'

function colSumBytes(V: Lanes, shared: boolean): Uint8Array<ArrayBuffer> {
  const [X, OUT, OUTER, RED, INNER, I0, I1] = [0, 1, 2, 3, 4, 5, 6]
  const [O, R, I, XR, OO, VEND, END] = [7, 8, 9, 10, 11, 12, 13]
  const E = V.bytes
  const shift = E === 4 ? 2 : 3
  const elem = E === 4 ? F32 : F64
  const sadd = E === 4 ? op.f32add : op.f64add
  const zero: Code = E === 4 ? [0x43, 0, 0, 0, 0] : [0x44, 0, 0, 0, 0, 0, 0, 0, 0]
  const vadd = V.add
  const at = (base: number): Code => [get(base), get(I), op.add]
  const rowPass = (vec: Code, one: Code): Code => [
    forRange(I, [get(I0), i32(shift), op.shl], get(VEND), i32(16), vec),
    forRange(I, get(I), get(END), i32(E), one),
  ]
  const body: Code = [
    get(I0), get(I1), get(I0), op.sub, i32(-V.lanes), op.and, op.add, i32(shift), op.shl, set(VEND),
    get(I1), i32(shift), op.shl, set(END),
    forRange(O, i32(0), get(OUTER), i32(1), [
      get(OUT), get(O), get(INNER), op.mul, i32(shift), op.shl, op.add, set(OO),
      rowPass([at(OO), v128zero, store(V128)], [at(OO), zero, store(elem)]),
      forRange(R, i32(0), get(RED), i32(1), [
        get(X), get(O), get(RED), op.mul, get(R), op.add, get(INNER), op.mul, i32(shift), op.shl, op.add, set(XR),
        rowPass(
          [at(OO), at(OO), load(V128), at(XR), load(V128), vadd, store(V128)],
          [at(OO), at(OO), load(elem), at(XR), load(elem), sadd, store(elem)],
        ),
      ]),
    ]),
  ]
  return assemble([{ name: 'colSum', params: new Array(7).fill(I32), locals: new Array(7).fill(I32), body }], { shared, maxPages: 16384 })
}

const cache = new Map<string, WebAssembly.Module | null>()
/** The module for a dtype, plain or shared memory; compiled once per realm, null without SIMD. */
export function reduceModule(dtype: Dtype, shared: boolean): WebAssembly.Module | null {
  const key = `${dtype}/${shared}`
  if (!cache.has(key)) {
    try {
      cache.set(key, new WebAssembly.Module(colSumBytes(dtype === 'float32' ? f32x4 : f64x2, shared)))
    } catch {
      cache.set(key, null)
    }
  }
  return cache.get(key)!
}

export type Reduce = (kind: ReduceKind, X: Float64Array, dims: readonly number[], axes: readonly number[], OUT: Float64Array) => void
type ColSum = (x: number, out: number, outer: number, red: number, inner: number, i0: number, i1: number) => void

export interface ReduceOptions {
  readonly module: WebAssembly.Module
  readonly memory: WebAssembly.Memory
  /** The JavaScript kernel, for every other reduction. */
  readonly fallback: Reduce
  readonly pool?: ThreadPool
  readonly attach?: () => number | undefined
  readonly index?: number
  /** Elements read from which a sum is split across threads. */
  readonly threshold: number
}

/** `rt.reduce` for arrays in the memory: block sums and means with inner > 1 in WebAssembly. */
export function wasmReduce(o: ReduceOptions): Reduce {
  const colSum = new WebAssembly.Instance(o.module, { env: { mem: o.memory } }).exports['colSum'] as ColSum
  const pool = o.pool !== undefined && o.pool.threads > 1 ? o.pool : undefined
  const threshold = o.threshold
  return (kind, X, dims, axes, OUT) => {
    // axes (sorted) one block [a0, a1): [outer, red, inner] (plain loops: a step makes dozens of small calls)
    const r = axes.length, a0 = r === 0 ? -1 : axes[0]!, a1 = a0 + r
    let block = r > 0 && (kind === 'sum' || kind === 'mean')
    for (let j = 1; block && j < r; j++) block = axes[j] === a0 + j
    let outer = 1, red = 1, inner = 1
    for (let i = 0; block && i < dims.length; i++) {
      const d = dims[i]!
      if (i < a0) outer *= d
      else if (i < a1) red *= d
      else inner *= d
    }
    if (!block || inner < 2) return o.fallback(kind, X, dims, axes, OUT)
    const x = X.byteOffset, out = OUT.byteOffset
    const id = pool !== undefined && outer * red * inner >= threshold ? o.attach?.() : undefined
    if (pool === undefined || id === undefined) colSum(x, out, outer, red, inner, 0, inner)
    else {
      const args = splitGuided(inner, pool.threads, 16).map(([i0, i1]) => [x, out, outer, red, inner, i0, i1])
      pool.run(id, o.index ?? 0, 'colSum', args, (a) => colSum(x, out, outer, red, inner, a[5]!, a[6]!), { whole: () => colSum(x, out, outer, red, inner, 0, inner) })
    }
    if (kind === 'mean') for (let i = 0, n = outer * inner; i < n; i++) OUT[i] = OUT[i]! / red
  }
}
