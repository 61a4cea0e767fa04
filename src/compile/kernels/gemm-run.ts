/**
 * Running the WebAssembly gemm (gemm-wasm.ts) on one memory, alone or split over a thread pool.
 *
 * A product worth at least `threshold` multiply-adds is split into one part per thread: the
 * longer of C's row and column ranges is cut at micro-tile multiples, and each part computes its
 * block of C with the same loops. The sum behind each element of C is never split, so the bits
 * do not depend on the number of threads.
 */
import { gemmModuleBytes, gemmScratchBytes, gemmShapeOf, gemmShapes, hasRelaxedSimd } from './gemm-wasm.js'
import { isShared, splitRange, type ThreadPool } from '../threads.js'
import type { Dtype } from '../arena.js'

/** Largest shared memory the kernels accept (WebAssembly pages of 64 KiB: 1 GiB). */
export const maxPages = 16384

const cache = new Map<string, WebAssembly.Module | null>()
let relaxed: boolean | undefined
/** Whether float32 gemms use f32x4.relaxed_madd: where the engine has relaxed SIMD (Chromium; Node with --experimental-wasm-relaxed-simd). */
export function gemmUsesFma(): boolean {
  return (relaxed ??= hasRelaxedSimd())
}

/**
 * The gemm module for a dtype, for plain or shared memory; compiled once per realm, null without
 * SIMD. float32 multiply-adds are relaxed_madd where the engine has it (`fma`, default: detected).
 */
export function gemmModule(dtype: Dtype, shared: boolean, fma = dtype === 'float32' && gemmUsesFma()): WebAssembly.Module | null {
  const key = `${dtype}/${shared}/${fma}`
  if (!cache.has(key)) {
    try {
      cache.set(key, new WebAssembly.Module(gemmModuleBytes(gemmShapeOf(dtype, fma), shared)))
    } catch {
      cache.set(key, null)
    }
  }
  return cache.get(key)!
}

/** Scratch bytes one thread needs for either dtype. */
export const gemmScratch = Math.max(...Object.values(gemmShapes).map(gemmScratchBytes))

type GemmFn = (...a: number[]) => void

export interface GemmRunner {
  /** C (m×n at byte address c) (=|+=) op(A)·op(B); addresses are byte offsets in the memory. */
  readonly run: (a: number, tA: boolean, b: number, tB: boolean, c: number, m: number, n: number, k: number, accumulate: boolean) => void
}

export interface GemmOptions {
  readonly dtype: Dtype
  readonly memory: WebAssembly.Memory
  /** Byte address of per-thread scratch: thread t uses [scratch + t·gemmScratch, +gemmScratch). */
  readonly scratch: number
  /**
   * Threads for large products; the memory must be shared. The memory is attached to the pool on
   * the first large product (and again while the pool cannot take it yet: such products run alone).
   */
  readonly pool?: ThreadPool
  /** Multiply-adds from which a product is split across threads. */
  readonly threshold?: number
  /**
   * Attaches the memory to the pool with the gemm module first among others (another kernel's
   * modules on the same memory); by default the gemm module alone.
   */
  readonly attach?: () => number | undefined
}

export const defaultThreshold = 1 << 23

export function gemmRunner(o: GemmOptions): GemmRunner {
  const shared = isShared(o.memory)
  const mod = gemmModule(o.dtype, shared)
  if (mod === null) throw new Error('gemmRunner: WebAssembly SIMD is not available')
  const gemm = new WebAssembly.Instance(mod, { env: { mem: o.memory } }).exports['gemm'] as GemmFn
  const s = gemmShapeOf(o.dtype, o.dtype === 'float32' && gemmUsesFma())
  const NR = s.NV * s.lanes.lanes
  const threshold = o.threshold ?? defaultThreshold
  const pool = shared && o.pool !== undefined && o.pool.threads > 1 ? o.pool : undefined
  let poolId: number | undefined
  return {
    run: (a, tA, b, tB, c, m, n, k, accumulate) => {
      if (m === 0 || n === 0) return
      const ta = tA ? 1 : 0, tb = tB ? 1 : 0, acc = accumulate ? 1 : 0
      if (k === 0) {
        if (!accumulate) new Uint8Array(o.memory.buffer, c, m * n * s.lanes.bytes).fill(0)
        return
      }
      if (pool === undefined || m * n * k < threshold) return gemm(a, ta, b, tb, c, m, n, k, acc, 0, m, 0, n, o.scratch)
      poolId ??= o.attach !== undefined ? o.attach() : pool.attach(o.memory, [mod])
      if (poolId === undefined) return gemm(a, ta, b, tb, c, m, n, k, acc, 0, m, 0, n, o.scratch)
      const byRows = m >= n
      const parts = byRows ? splitRange(m, pool.threads, s.MR) : splitRange(n, pool.threads, NR)
      const args = parts.map(([lo, hi]) => (byRows ? [a, ta, b, tb, c, m, n, k, acc, lo, hi, 0, n] : [a, ta, b, tb, c, m, n, k, acc, 0, m, lo, hi]))
      const tails = Array.from({ length: pool.threads }, (_, t) => [o.scratch + t * gemmScratch])
      pool.run(poolId, 0, 'gemm', args, (p) => gemm(...p), { whole: () => gemm(a, ta, b, tb, c, m, n, k, acc, 0, m, 0, n, o.scratch), tails })
    },
  }
}
