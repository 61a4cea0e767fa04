/**
 * The WebAssembly backend: every buffer, input and constant of a compiled function lives in one
 * WebAssembly memory (an arena, arena.ts) in float32 or float64. Matrix products run in the
 * blocked SIMD gemm (kernels/gemm-wasm.ts: float32x4 or float64x2), split over a thread pool when
 * one is given and the product is large; fused elementwise loops are written as WebAssembly SIMD
 * functions (kernels/loop-wasm.ts, one module per compiled function, large loops split over the
 * pool too), except loops holding an op it has no vector code for (exp, log, …): those and the
 * other kernels are the JavaScript backend's, over typed-array views of the same memory, so a
 * step's data never leaves that memory between kernels. Selected by `compile` for `dtype:
 * 'float32'`, and for float64 when a thread pool is given; the JavaScript backend stays the
 * reference and the fallback.
 */
import { jsBackend, jsElementwise, jsKernels } from './backend-js.js'
import type { Backend, KernelCode, NativeCode, Runtime } from './backend.js'
import { checkDtype, plainArena, wasmArena, type Dtype } from './arena.js'
import * as ops from '../ops/builtins.js'
import { gemmModule, gemmRunner, gemmScratch, maxPages } from './kernels/gemm-run.js'
import type { ThreadPool } from './threads.js'
import { loopKernels, loopWriter } from './kernels/loop-run.js'
import { reduceModule, type Reduce } from './kernels/reduce-wasm.js'
import { arenaSpatial, colCacheBytes, colScratchBytes, spatialModule } from './kernels/spatial-arena.js'
import { arenaSpatialKernels } from './backend-spatial.js'
import type { ConvKernels } from './kernels/conv.js'

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
    ...(o.wasmLoops !== false ? { loops: (given) => loopWriter(o.dtype, pool !== undefined, jsElementwise, given) } : {}),
    runtime: (native?: NativeCode): Runtime => {
      const memory = pool !== undefined ? new WebAssembly.Memory({ initial: 1, maximum: maxPages, shared: true }) : new WebAssembly.Memory({ initial: 1 })
      const threads = pool?.threads ?? 1
      const js = jsBackend.runtime()
      // scratch: the gemm's per thread, a column matrix per thread for the convolutions, then the
      // column matrices conv2d keeps for the filter gradient
      const col = threads * gemmScratch
      const cache = col + threads * colScratchBytes(o.dtype)
      const loops = native !== undefined ? new WebAssembly.Module(native.wasm) : undefined
      const sums = reduceModule(o.dtype, pool !== undefined)
      // one attach of the memory for every module the threads run: the gemm's first, the spatial kernels', the sums', the loops'
      const modules = [gemmModule(o.dtype, true)!, ...[spatialModule(o.dtype, true), sums, loops].filter((m) => m !== null && m !== undefined)]
      let id: number | undefined
      const attach = pool !== undefined ? () => (id ??= pool.attach(memory, modules)) : undefined
      const threading = { ...(pool !== undefined ? { pool, attach } : {}), ...(o.threshold !== undefined ? { threshold: o.threshold } : {}) }
      const spatial = arenaSpatial({ dtype: o.dtype, memory, gemm: 0, col, cache, index: 1, fallback: js['conv'] as ConvKernels, ...threading })
      // reductions the sums module leaves: per-channel sums in the spatial module, the rest in JavaScript
      const jsReduce = js['reduce'] as Reduce
      const reduce: Reduce = (kind, X, dims, axes, OUT) =>
        ((kind === 'sum' || kind === 'mean') && spatial?.sumKept(X, dims, axes, OUT, kind === 'mean')) || jsReduce(kind, X, dims, axes, OUT)
      return {
        ...js,
        arena: wasmArena(o.dtype, memory, cache + colCacheBytes(o.dtype)),
        arenaSpatial: spatial ?? { ...(js['conv'] as object), ...(js['spatial'] as object) },
        gemm: gemmRunner({ dtype: o.dtype, memory, scratch: 0, ...threading }),
        ...loopKernels({ memory, modules, loops, sums, fallback: reduce, ...(pool !== undefined ? { pool, attach } : {}), ...(o.loopThreshold !== undefined ? { threshold: o.loopThreshold } : {}) }),
      }
    },
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
