/**
 * The WebAssembly backend's fused loops: a LoopWriter collecting one compiled function's loops
 * (loop-wasm.ts) into one module, and the runner calling them on the function's memory, split
 * across a thread pool when a loop is large.
 *
 * Codegen asks the writer for each loop; the writer answers with the statement
 * `rt.loops.L3(0, hi, unit, …)` or declines (the loop stays JavaScript). Identical loops share a
 * function (the three SGD updates of an MLP are one). The module is assembled once per compiled
 * function, at compile time, and instantiated by the backend's runtime.
 *
 * Splitting: a loop of at least `threshold` elements (defaultLoopThreshold) runs as one part per thread, over whole rows
 * (or, when flat, ranges of elements cut at multiples of 64). Each element is computed by the same
 * instructions whatever range it falls in, so 1 and N threads give the same bits.
 */
import type { LoopWriter, NativeCode, OpTable } from '../backend.js'
import { MAX_ARGS, splitGuided, type ThreadPool } from '../threads.js'
import { funcKey, loopFunc } from './loop-wasm.js'
import type { VectorCode, VectorOps } from './vector-code.js'
import { assemble, type Func } from './wasm-asm.js'
import { wasmReduce, type Reduce } from './reduce-wasm.js'

/** A writer for one compiled function, from a backend's vector table and lane instructions. */
export function loopWriter(V: VectorOps, vector: OpTable<VectorCode>, shared: boolean): LoopWriter {
  const funcs: Func[] = []
  const byKey = new Map<string, string>()
  return {
    loop: (spec) => {
      const l = loopFunc(spec, V, vector)
      if (l === undefined) return undefined
      const key = funcKey(l.func)
      let name = byKey.get(key)
      if (name === undefined) {
        name = `L${funcs.length}`
        funcs.push({ name, ...l.func })
        byKey.set(key, name)
      }
      return `rt.loops.${name}(0, ${l.hi}, ${l.unit}${l.args.map((a) => `, ${a}`).join('')});`
    },
    finish: (): NativeCode | undefined => (funcs.length === 0 ? undefined : { wasm: assemble(funcs, { shared, maxPages: 16384 }) }),
  }
}

type LoopFn = (lo: number, hi: number, unit: number, ...rest: number[]) => void

export interface LoopRunOptions {
  readonly module: WebAssembly.Module
  readonly memory: WebAssembly.Memory
  readonly pool?: ThreadPool
  /** The pool's id for the memory (attaching it on first use), and the module's index in the attach. */
  readonly attach?: () => number | undefined
  readonly index?: number
  /** Elements from which a loop is split across threads. */
  readonly threshold?: number
}

/**
 * Elements from which a loop or a sum is split: 2¹⁷. When a sleeping worker took 50–70 µs to wake,
 * splitting an SGD update of 2¹⁷–2²⁰ elements took 1.3–1.6× longer than one thread and the threshold
 * was 2²⁰; with workers polling between calls and claiming parts (threads.ts) a split call costs
 * a few microseconds, and the convnet step's first ReLU loops (2¹⁸ elements) gain from the second
 * thread: `npm start`'s fold step on 2 threads went 3.93–3.97 → 3.68–3.75 ms with 2¹⁶ here and
 * defaultConvThreshold 2¹⁸ (2-core Xeon, another process running now and then). 2¹⁷ keeps the
 * small MLP's updates (784·100 elements, memory-bound) whole.
 */
export const defaultLoopThreshold = 1 << 17

/** The loops' functions by name (`rt.loops`), instantiated on the memory. */
export function loopRunner(o: LoopRunOptions): Record<string, LoopFn> {
  const ex = new WebAssembly.Instance(o.module, { env: { mem: o.memory } }).exports as Record<string, LoopFn>
  const pool = o.pool
  if (pool === undefined || pool.threads < 2 || o.attach === undefined) return ex
  const attach = o.attach
  const threshold = o.threshold ?? defaultLoopThreshold
  const out: Record<string, LoopFn> = {}
  for (const [name, f] of Object.entries(ex))
    out[name] = (lo, hi, unit, ...rest) => {
      if ((hi - lo) * unit < threshold || rest.length + 3 > MAX_ARGS) return f(lo, hi, unit, ...rest)
      const id = attach()
      if (id === undefined) return f(lo, hi, unit, ...rest)
      const args = splitGuided(hi - lo, pool.threads, unit === 1 ? 64 : 1).map(([a, b]) => [lo + a, lo + b, unit, ...rest])
      pool.run(id, o.index ?? 0, name, args, (a) => f(a[0]!, a[1]!, unit, ...rest), { whole: () => f(lo, hi, unit, ...rest) })
    }
  return out
}

export interface LoopKernelOptions {
  readonly memory: WebAssembly.Memory
  /** Every module attached to the pool with the memory (the loops' and the sums' among them). */
  readonly modules: readonly WebAssembly.Module[]
  /** The compiled function's loops (undefined: it has none) and the sums module (null: no SIMD). */
  readonly loops: WebAssembly.Module | undefined
  readonly sums: WebAssembly.Module | null
  /** The JavaScript reductions, for the ones not written in WebAssembly. */
  readonly fallback: Reduce
  readonly pool?: ThreadPool
  readonly attach?: () => number | undefined
  /** Elements from which a loop or a sum is split across threads. */
  readonly threshold?: number
}

/** The runtime's `loops` and `reduce` on the memory. */
export function loopKernels(o: LoopKernelOptions): { loops?: Record<string, LoopFn>; reduce?: Reduce } {
  const threading = { ...(o.pool !== undefined ? { pool: o.pool } : {}), ...(o.attach !== undefined ? { attach: o.attach } : {}), threshold: o.threshold ?? defaultLoopThreshold }
  return {
    ...(o.loops !== undefined ? { loops: loopRunner({ module: o.loops, memory: o.memory, index: o.modules.indexOf(o.loops), ...threading }) } : {}),
    ...(o.sums !== null ? { reduce: wasmReduce({ module: o.sums, memory: o.memory, index: o.modules.indexOf(o.sums), fallback: o.fallback, ...threading }) } : {}),
  }
}
