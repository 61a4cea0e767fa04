/**
 * The WebAssembly backend: every buffer, input and constant of a compiled function lives in one
 * WebAssembly memory (an arena, arena.ts) in float32 or float64. Matrix products run in the
 * blocked SIMD gemm (kernels/gemm-wasm.ts: float32x4 or float64x2), split over a thread pool when
 * one is given and the product is large; fused elementwise loops are written as WebAssembly SIMD
 * functions from the `vector` table below (kernels/loop-wasm.ts, one module per compiled function,
 * large loops split over the pool too); an op without vector code (log, pow, a user's op without
 * any) runs in a JavaScript loop of its own between vector loops. The other kernels are the
 * JavaScript backend's, over typed-array views of the same memory, so a step's data never leaves
 * that memory between kernels. Selected by `compile` for `dtype: 'float32'`, and for float64 when a
 * thread pool is given; the JavaScript backend stays the reference and the fallback.
 *
 * The backend is one record: `elementwise`, `kernels`, `vector` (extendable with `withCode`), and
 * a runtime assembled from named parts (the gemm, the spatial kernels, the sums, the loops), each
 * a WebAssembly module instantiated on the one memory the runtime exposes as `rt.memory`.
 */
import { jsBackend, jsElementwise, jsKernels } from './backend-js.js'
import type { Backend, KernelCode, NativeCode, Runtime } from './backend.js'
import { opTable } from './backend.js'
import { vectorOpsOf, type VectorCode } from './kernels/vector-code.js'
import { checkDtype, plainArena, wasmArena, type Dtype } from './arena.js'
import * as ops from '../ops/builtins.js'
import { gemmModule, gemmRunner, gemmScratch, maxPages } from './kernels/gemm-run.js'
import type { ThreadPool } from './threads.js'
import { loopKernels, loopWriter } from './kernels/loop-run.js'
import { reduceModule, type Reduce } from './kernels/reduce-wasm.js'
import { arenaSpatial, colCacheBytes, colScratchBytes, partialBytes, spatialModule } from './kernels/spatial-arena.js'
import { arenaSpatialKernels } from './backend-spatial.js'
import type { ConvKernels } from './kernels/conv.js'
import { demoteInto } from './kernels/convert-wasm.js'
import { expandInto } from './kernels/expand-wasm.js'

/** Options of the WebAssembly backend: dtype and threads for large products. */
export interface WasmBackendOptions {
  readonly dtype: Dtype
  /** Threads for large products (symgrad/node's threadPool, symgrad/web's webThreadPool). */
  readonly threads?: ThreadPool
  /** Multiply-adds from which a product is split across threads. */
  readonly threshold?: number
  /** Elements from which a fused loop is split across threads. */
  readonly loopThreshold?: number
  /** Write fused loops in WebAssembly (default true; false keeps them JavaScript). */
  readonly wasmLoops?: boolean
}

const gemmCode: KernelCode = {
  transposedArgs: true,
  emit: (c) => {
    const [a, b] = c.args as [number, number]
    const [ta, tb] = c.trans as [boolean, boolean]
    const [m, n] = c.dims(c.eqn.out) as [string, string]
    const k = c.dims(a)[ta ? 0 : 1]!
    return `rt.gemm.run(${c.arr(a)}.byteOffset, ${ta}, ${c.arr(b)}.byteOffset, ${tb}, ${c.arr(c.eqn.out)}.byteOffset, ${m}, ${n}, ${k}, false);`
  },
}

/** `cond ? 1 : 0` per lane: the comparison's all-ones mask and 1.0. */
const cmp = (k: 'eq' | 'lt' | 'gt' | 'le' | 'ge'): VectorCode => ([x, y], _, V) => [x!, y!, V[k], V.splatConst(1), V.and]

/** The ops written in the WebAssembly loops, with the JavaScript backend's semantics (backend-js.ts). */
export const wasmVector = opTable<VectorCode>([
  [ops.constOp, (_, a, V) => V.splatConst(a['value'])],
  [ops.addOp, ([x, y], _, V) => [x!, y!, V.add]],
  [ops.subOp, ([x, y], _, V) => [x!, y!, V.sub]],
  [ops.mulOp, ([x, y], _, V) => [x!, y!, V.mul]],
  [ops.divOp, ([x, y], _, V) => [x!, y!, V.div]],
  // Math.max/min: NaN if either is NaN, max(−0, +0) = +0: the same as f32x4.max/min
  [ops.maximumOp, ([x, y], _, V) => [x!, y!, V.max]],
  [ops.minimumOp, ([x, y], _, V) => [x!, y!, V.min]],
  [ops.negOp, ([x], _, V) => [x!, V.neg]],
  [ops.squareOp, ([x], _, V) => [x!, x!, V.mul]],
  [ops.absOp, ([x], _, V) => [x!, V.abs]],
  [ops.sqrtOp, ([x], _, V) => [x!, V.sqrt]],
  [ops.expOp, ([x], _, V) => (V.exp !== undefined ? [x!, V.exp] : undefined)],
  [ops.tanhOp, ([x], _, V) => (V.tanh !== undefined ? [x!, V.tanh] : undefined)],
  // x ≥ 0 ? 1/(1 + e^−x) : e^x/(1 + e^x), both from e = e^−|x|
  [ops.sigmoidOp, ([x], _, V) => {
    if (V.exp === undefined) return undefined
    const [e, d] = [V.temp(), V.temp()]
    return [x!, V.abs, V.neg, V.exp, e.set, V.splatConst(1), e.get, V.add, d.set,
      V.splatConst(1), d.get, V.div, e.get, d.get, V.div, x!, V.zero, V.ge, V.select]
  }],
  // x > 0 ? x : 0 (NaN and −0 give +0): x masked by x > 0
  [ops.reluOp, ([x], _, V) => [x!, x!, V.zero, V.gt, V.and]],
  [ops.gtOp, cmp('gt')],
  [ops.geOp, cmp('ge')],
  [ops.ltOp, cmp('lt')],
  [ops.leOp, cmp('le')],
  [ops.eqOp, cmp('eq')],
  [ops.stepOp, ([x], _, V) => [x!, V.zero, V.gt, V.splatConst(1), V.and]],
  [ops.signOp, ([x], _, V) => [x!, V.zero, V.gt, V.splatConst(1), V.and, x!, V.zero, V.lt, V.splatConst(-1), V.and, V.or]],
  // c !== 0 ? a : b (NaN !== 0): a where the mask c ≠ 0 is set
  [ops.whereOp, ([c, a, b], _, V) => [a!, b!, c!, V.zero, V.ne, V.select]],
])

/** The WebAssembly backend for a dtype, or undefined where the engine lacks WebAssembly SIMD. */
export function wasmBackend(o: WasmBackendOptions): Backend | undefined {
  checkDtype(o.dtype, 'wasmBackend')
  const pool = o.threads !== undefined && o.threads.threads > 1 && typeof SharedArrayBuffer !== 'undefined' ? o.threads : undefined
  if (gemmModule(o.dtype, pool !== undefined) === null) return undefined
  return {
    name: `wasm-${o.dtype}${pool !== undefined ? `-${pool.threads}t` : ''}`,
    elementwise: jsElementwise,
    kernels: new Map([...jsKernels, [ops.matmulOp, gemmCode], ...arenaSpatialKernels]),
    scalarCalls: true,
    vector: wasmVector,
    lanes: vectorOpsOf(o.dtype),
    ...(o.wasmLoops !== false ? { loops: (b: Backend) => loopWriter(b.lanes!, b.vector!, pool !== undefined) } : {}),
    runtime: (native?: NativeCode): Runtime => wasmRuntime(o, pool, native),
  }
}

/** The WebAssembly modules of one runtime, by name (null: this engine has none; the loops: this function has none). */
interface WasmModules {
  readonly gemm: WebAssembly.Module
  readonly spatial: WebAssembly.Module | null
  readonly sums: WebAssembly.Module | null
  readonly loops: WebAssembly.Module | undefined
}

/** A fresh runtime on a fresh memory: the JavaScript kernels, then each WebAssembly part by name. */
function wasmRuntime(o: WasmBackendOptions, pool: ThreadPool | undefined, native: NativeCode | undefined): Runtime {
  const memory = pool !== undefined ? new WebAssembly.Memory({ initial: 1, maximum: maxPages, shared: true }) : new WebAssembly.Memory({ initial: 1 })
  const threads = pool?.threads ?? 1
  const js = jsBackend.runtime()
  // scratch: the gemm's per thread, a column matrix per thread for the convolutions, then the
  // column matrices conv2d keeps for the filter gradient, then its per-chunk partial sums
  const col = threads * gemmScratch
  const cache = col + threads * colScratchBytes(o.dtype)
  const partials = cache + colCacheBytes(o.dtype)
  const modules: WasmModules = {
    gemm: gemmModule(o.dtype, true)!,
    spatial: spatialModule(o.dtype, true),
    sums: reduceModule(o.dtype, pool !== undefined),
    loops: native !== undefined ? new WebAssembly.Module(native.wasm) : undefined,
  }
  // one attach of the memory for every module the threads run (the gemm's first: gemm-run.ts runs
  // module 0); a part finds its module's index by name
  const attached = (Object.keys(modules) as (keyof WasmModules)[]).filter((k) => modules[k] !== null && modules[k] !== undefined)
  const list = attached.map((k) => modules[k]!)
  const index = (k: keyof WasmModules): number => attached.indexOf(k)
  let id: number | undefined
  const attach = pool !== undefined ? () => (id ??= pool.attach(memory, list)) : undefined
  const threading = { ...(pool !== undefined ? { pool, attach } : {}), ...(o.threshold !== undefined ? { threshold: o.threshold } : {}) }
  const spatial = arenaSpatial({ dtype: o.dtype, memory, gemm: 0, col, cache, partials, index: index('spatial'), fallback: js['conv'] as ConvKernels, ...threading })
  // reductions the sums module leaves: per-channel sums in the spatial module, the rest in JavaScript
  const jsReduce = js['reduce'] as Reduce
  const reduce: Reduce = (kind, X, dims, axes, OUT) =>
    ((kind === 'sum' || kind === 'mean') && spatial?.sumKept(X, dims, axes, OUT, kind === 'mean')) || jsReduce(kind, X, dims, axes, OUT)
  return {
    ...js,
    memory,
    // float64 inputs and bytes are converted through thread 0's gemm scratch, free between kernel calls
    arena: wasmArena(o.dtype, memory, partials + partialBytes(o.dtype), demoteInto(memory, 0), expandInto(memory, 0)),
    arenaSpatial: spatial ?? { ...(js['conv'] as object), ...(js['spatial'] as object) },
    gemm: gemmRunner({ dtype: o.dtype, memory, scratch: 0, ...threading }),
    ...loopKernels({ memory, modules: list, loops: modules.loops, sums: modules.sums, fallback: reduce, ...(pool !== undefined ? { pool, attach } : {}), ...(o.loopThreshold !== undefined ? { threshold: o.loopThreshold } : {}) }),
  }
}

/** The JavaScript backend over float32 arrays: the float32 fallback where WebAssembly SIMD is missing. */
export const jsFloat32Backend: Backend = {
  ...jsBackend,
  name: 'js-float32',
  runtime: () => ({ ...jsBackend.runtime(), arena: plainArena('float32') }),
}

/** The backend `compile` uses for a dtype and an optional thread pool. */
export function selectBackend(dtype: Dtype, threads?: ThreadPool): Backend {
  checkDtype(dtype, 'selectBackend')
  if (dtype === 'float32') return wasmBackend({ dtype, ...(threads ? { threads } : {}) }) ?? jsFloat32Backend
  if (threads !== undefined && threads.threads > 1) return wasmBackend({ dtype, threads }) ?? jsBackend
  return jsBackend
}
