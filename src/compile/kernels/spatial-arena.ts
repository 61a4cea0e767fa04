/**
 * The WebAssembly backend's convolution and max-pooling kernels (spatial-arena-wasm.ts) run on the
 * arena's own memory:
 * operands are views of it (addressed by their byte offsets), the column matrix of one image is
 * built in a scratch region reserved for it beside the gemm's scratch, and nothing is copied in or
 * out. Large convolutions are split over a thread pool: images for conv2d and
 * conv2dBackpropInput, columns of dW for conv2dBackpropFilter (each thread builds only the rows of
 * the column matrix its columns read), planes for pooling, so 1 and N threads give the same bits.
 *
 * A convolution whose one-image column matrix does not fit the reserved scratch runs on the
 * fallback kernels given (the JavaScript backend's, over the same views).
 *
 * The filter gradient reads the column matrices the forward convolution built: codegen numbers
 * each conv2d (`keep`, in execution order) and passes that number to a later
 * conv2dBackpropFilter of the same variable and geometry (`use`). Once a filter gradient has asked
 * for a slot (from the first call on), conv2d builds every image's column matrix in a reserved
 * cache region (slots laid out anew from slot 0 on each call, as far as the region goes) instead
 * of one scratch, and the filter gradient uses them when the slot holds that input's geometry and
 * batch; a conv2d no gradient reads (inference) keeps using the small scratch. The input is the
 * same program variable, live between the two, so its values have not changed. A convolution
 * without padding, of stride 1 along rows and output rows of whole panels (`direct`) keeps none:
 * its filter gradient reads the rows from the image itself, the same values in the same order.
 */
import { gemmScratchBytes, gemmShapeOf } from './gemm-wasm.js'
import { gemmScratch, gemmUsesFma } from './gemm-run.js'
import type { Dtype } from '../arena.js'
import { spatialModuleBytes } from './spatial-arena-wasm.js'
import { outH, outW, type ConvDims, type ConvKernels } from './conv.js'
import type { PoolDims } from './pool.js'
import { isShared, splitGuided, type ThreadPool } from '../threads.js'
import type { FloatArray } from '../arena.js'

/** Elements of one thread's column scratch: one image's K·P must fit (28×28 images: 14,400). */
export const colElements = 1 << 18
/** Bytes of column scratch per thread for a dtype. */
export const colScratchBytes = (d: Dtype): number => colElements * (d === 'float32' ? 4 : 8)
/** Elements of the column-matrix cache (the small convnet at batch 64 keeps 1.74M). */
export const cacheElements = 1 << 21
/** Bytes of the column-matrix cache for a dtype. */
export const colCacheBytes = (d: Dtype): number => cacheElements * (d === 'float32' ? 4 : 8)
/**
 * Chunks of images a filter gradient is summed in: each chunk's dW is summed apart (any thread may
 * run any chunk), then the chunks are added in order, so the split is by images (every thread the
 * same share) and the bits do not depend on the threads.
 */
export const filterChunks = 8
/** Elements of the filter gradient's partial sums (filterChunks of them must fit: F·K ≤ 32,768). */
export const partialElements = 1 << 18
/** Bytes of the partial sums for a dtype. */
export const partialBytes = (d: Dtype): number => partialElements * (d === 'float32' ? 4 : 8)

const cache = new Map<string, WebAssembly.Module | null>()
/**
 * The gemm shape the spatial kernels use: float32 multiply-adds fused where the engine has relaxed
 * SIMD, on the 4×8 tile rather than the gemm's 6×8, since a convolution's products have as many
 * rows as filters (8, 16, …: a 6-row tile wastes a third of its last tile). The convnet step of
 * bench:conv, median process CPU time of 390 steps, three rounds each: plain 7.6–8.2 ms, 6×8 fused
 * 7.5–7.9 ms, 4×8 fused 6.9–7.0 ms (a loaded 2-core Xeon).
 */
const shapeOf = (dtype: Dtype) => (dtype === 'float32' && gemmUsesFma() ? { ...gemmShapeOf('float32', false), fma: true } : gemmShapeOf(dtype, false))

/** The spatial module for a dtype, for plain or shared memory; compiled once per realm, null without SIMD. */
export function spatialModule(dtype: Dtype, shared: boolean): WebAssembly.Module | null {
  const s = shapeOf(dtype)
  const key = `${dtype}/${shared}/${s.fma === true}`
  if (!cache.has(key)) {
    try {
      cache.set(key, new WebAssembly.Module(spatialModuleBytes(s, shared)))
    } catch {
      cache.set(key, null)
    }
  }
  return cache.get(key)!
}

export interface ArenaSpatialOptions {
  readonly dtype: Dtype
  readonly memory: WebAssembly.Memory
  /** Byte address of per-thread gemm scratch (thread t at gemm + t·gemmScratch). */
  readonly gemm: number
  /** Byte address of per-thread column scratch (thread t at col + t·colScratchBytes(dtype)). */
  readonly col: number
  /** Byte address of the column-matrix cache (colCacheBytes(dtype) bytes). */
  readonly cache: number
  /** Byte address of the filter gradient's partial sums (partialBytes(dtype) bytes). */
  readonly partials: number
  readonly pool?: ThreadPool
  /** Multiply-adds from which a convolution is split across threads (pooling: input elements / 32). */
  readonly threshold?: number
  /**
   * Attaches the memory to the pool with every module run on it (a memory is attached once); the
   * spatial module is number `index` among them. By default the spatial module alone, number 0.
   */
  readonly attach?: () => number | undefined
  readonly index?: number
  /** Kernels for convolutions too large for the column scratch. */
  readonly fallback: ConvKernels
}

/** Arena kernels take views of the arena's memory (any float array type). */
export interface ArenaSpatialKernels {
  /** `keep` ≥ 0: keep the column matrices in cache slot `keep` for a later filter gradient. */
  conv2d(x: FloatArray, w: FloatArray, y: FloatArray, d: ConvDims, keep?: number): void
  conv2dBackpropInput(g: FloatArray, w: FloatArray, dx: FloatArray, d: ConvDims): void
  /** `use` ≥ 0: the column matrices of cache slot `use`, when it holds this input's. */
  conv2dBackpropFilter(x: FloatArray, g: FloatArray, dw: FloatArray, d: ConvDims, use?: number): void
  maxPool2d(x: FloatArray, y: FloatArray, d: PoolDims): void
  maxPool2dBackprop(x: FloatArray, g: FloatArray, dx: FloatArray, d: PoolDims): void
  maxPool2dGather(x: FloatArray, c: FloatArray, y: FloatArray, d: PoolDims): void
  /**
   * A sum (or mean) over `axes` of the row-major `dims` whose kept axes are one block (possibly
   * empty) followed by reduced ones: a convolution's bias gradient, row sums, a sum of everything.
   * Into out; false (nothing written) for others. In float32 each sum runs in sixteen float64 lanes
   * (kernels/sum-arena-wasm.ts), where JavaScript's is one chain of dependent adds.
   */
  sumKept(x: FloatArray, dims: readonly number[], axes: readonly number[], out: FloatArray, mean: boolean): boolean
}

type Fn = (...a: number[]) => void

/**
 * Multiply-adds from which a convolution is split (pooling: input elements × 32; a channel sum:
 * elements × 4): 2¹⁸, with the pool's claimed parts cheap to hand over (loop-run.ts's
 * defaultLoopThreshold has the measurements); it was 2²² while a split call cost a wake-up.
 */
export const defaultConvThreshold = 1 << 18

export function arenaSpatial(o: ArenaSpatialOptions): ArenaSpatialKernels | undefined {
  const shared = isShared(o.memory)
  const mod = spatialModule(o.dtype, shared)
  if (mod === null) return undefined
  const ex = new WebAssembly.Instance(mod, { env: { mem: o.memory } }).exports as Record<string, Fn>
  const colBytes = colScratchBytes(o.dtype)
  const pool = shared && o.pool !== undefined && o.pool.threads > 1 ? o.pool : undefined
  const threshold = o.threshold ?? defaultConvThreshold
  let poolId: number | undefined
  const fb = o.fallback as unknown as ArenaSpatialKernels
  /**
   * Runs fn over [0, n): split at multiples of `align` into parts largest first (splitGuided), which
   * the pool's threads claim (each with its own scratch arguments), when a pool is given and the
   * work is large, else in one call with thread 0's scratch.
   */
  const run = (fn: string, macs: number, n: number, align: number, args: (lo: number, hi: number) => number[], scratch: (t: number) => number[] = () => []): void => {
    const parts = pool !== undefined && macs >= threshold ? splitGuided(n, pool.threads, align) : []
    if (parts.length > 1) poolId ??= o.attach !== undefined ? o.attach() : pool!.attach(o.memory, [mod])
    if (parts.length <= 1 || poolId === undefined) return ex[fn]!(...args(0, n), ...scratch(0))
    const f = ex[fn]!
    const tails = Array.from({ length: pool!.threads }, (_, t) => scratch(t))
    pool!.run(poolId, o.index ?? 0, fn, parts.map(([lo, hi]) => args(lo, hi)), (a) => f(...a), { whole: () => f(...args(0, n), ...tails[0]!), tails })
  }
  const s = shapeOf(o.dtype)
  const NR = s.NV * s.lanes.lanes
  /** P0: the columns of conv2d's column matrix, written in panels of NR (P rounded up). */
  const geometry = (d: ConvDims) => {
    const OH = outH(d), OW = outW(d)
    const K = d.c * d.kh * d.kw, P = OH * OW
    // direct: the filter gradient reads the image itself (no padding, stride 1 along rows, output rows of whole panels)
    const direct = d.ph === 0 && d.pw === 0 && d.sw === 1 && OW % NR === 0
    return { OH, OW, K, P, P0: Math.ceil(P / NR) * NR, direct, dims: [d.c, d.h, d.w, d.kh, d.kw, d.sh, d.sw, d.ph, d.pw, OH, OW] }
  }
  const E = s.lanes.bytes
  /** Thread t's column scratch (one image at a time) and gemm scratch. */
  const perImage = (t: number) => [o.col + t * colBytes, 0, o.gemm + t * gemmScratch]
  const cacheBytes = colCacheBytes(o.dtype)
  /** Cache slots of this call: where each starts and whose column matrices it holds. */
  const slots: ({ at: number; key: string } | undefined)[] = []
  /** Slots a filter gradient reads (learned on the first call). */
  const wanted: boolean[] = []
  let cacheEnd = 0
  const keyOf = (x: FloatArray, d: ConvDims) => `${x.byteOffset}:${d.n}:${d.c}:${d.h}:${d.w}:${d.kh}:${d.kw}:${d.sh}:${d.sw}:${d.ph}:${d.pw}`
  /** Max pooling (mode 0), its backprop (1) or gather (2), split by planes. */
  const maxPool = (x: FloatArray, d: PoolDims, mode: 0 | 1 | 2, src: FloatArray, dst: FloatArray): void => {
    const OH = (d.h - d.kh) / d.sh + 1, OW = (d.w - d.kw) / d.sw + 1
    if (d.nc === 0) return
    run('maxPool', (d.nc * d.h * d.w) << 5, d.nc, 1, (nc0, nc1) => [x.byteOffset, d.h, d.w, d.kh, d.kw, d.sh, d.sw, OH, OW, nc0, nc1, mode, src.byteOffset, dst.byteOffset])
  }
  return {
    conv2d(x, w, y, d, keep = -1) {
      const { K, P, P0, direct, dims } = geometry(d)
      if (K * P0 > colElements) return fb.conv2d(x, w, y, d)
      if (keep >= 0) {
        if (keep === 0) cacheEnd = 0
        const need = d.n * K * P0 * E
        slots[keep] = wanted[keep] === true && !direct && cacheEnd + need <= cacheBytes ? { at: o.cache + cacheEnd, key: keyOf(x, d) } : undefined
        if (slots[keep] !== undefined) cacheEnd += need
      }
      if (d.n === 0) return
      const kept = keep >= 0 ? slots[keep] : undefined
      const scratch = kept !== undefined ? (t: number) => [kept.at, K * P0 * E, o.gemm + t * gemmScratch] : perImage
      run('convFwd', d.n * d.f * P * K, d.n, 1, (n0, n1) => [x.byteOffset, w.byteOffset, y.byteOffset, n0, n1, d.f, ...dims], scratch)
    },
    conv2dBackpropInput(g, w, dx, d) {
      const { K, P, dims } = geometry(d)
      if (K * P > colElements) return fb.conv2dBackpropInput(g, w, dx, d)
      if (d.n === 0) return
      run('convBI', d.n * d.f * P * K, d.n, 1, (n0, n1) => [g.byteOffset, w.byteOffset, dx.byteOffset, n0, n1, d.f, ...dims], perImage)
    },
    conv2dBackpropFilter(x, g, dw, d, use = -1) {
      const { K, P, P0, direct, dims } = geometry(d)
      // the rows' offsets, then the filter gradient's lane sums (a vector per element of dW, at least 4 columns at a time) in a thread's gemm scratch
      if (K * P0 > colElements || K * 4 + 16 + d.f * 4 * 16 > gemmScratchBytes(s)) return fb.conv2dBackpropFilter(x, g, dw, d)
      if (d.n === 0) return void dw.fill(0, 0, d.f * K)
      if (use >= 0) wanted[use] = true
      const kept = use >= 0 && slots[use]?.key === keyOf(x, d) ? slots[use] : undefined
      const [build, scratch] = direct ? [2, perImage] : kept !== undefined ? [0, (t: number) => [kept.at, K * P0 * E, o.gemm + t * gemmScratch]] : [1, perImage]
      const FK = d.f * K, size = Math.ceil(d.n / filterChunks), chunks = Math.ceil(d.n / size)
      if (chunks * FK > partialElements)
        return run('convBF', d.n * d.f * P * K, K, NR, (k0, k1) => [x.byteOffset, g.byteOffset, dw.byteOffset, d.n, d.f, ...dims, k0, k1, build], scratch)
      // chunks of images, each summed apart, then added in chunk order
      run('convBFChunks', d.n * d.f * P * K, chunks, 1, (c0, c1) => [x.byteOffset, g.byteOffset, o.partials, d.n, size, c0, c1, d.f, ...dims, build], scratch)
      ex['chunkSum']!(o.partials, dw.byteOffset, FK, chunks)
    },
    maxPool2d: (x, y, d) => maxPool(x, d, 0, x, y),
    maxPool2dBackprop: (x, g, dx, d) => maxPool(x, d, 1, g, dx),
    maxPool2dGather: (x, c, y, d) => maxPool(x, d, 2, c, y),
    sumKept(x, dims, axes, out, mean) {
      // axes (sorted) = [0, from) and [to, n): the kept axes are [from, to); every axis reduced: from = to = 0
      const n = dims.length, r = axes.length
      if (r === 0) return false
      let from = 0
      while (from < r && axes[from] === from) from++
      let to = n - (r - from)
      for (let j = from; j < r; j++) if (axes[j] !== to + j - from) return false
      // kept axes last: column sums, the sums module's (or JavaScript's, one term per row)
      if (r < n && to === n) return false
      if (r === n) from = to = 0
      let A = 1, M = 1, B = 1
      for (let i = 0; i < n; i++) {
        const d = dims[i]!
        if (i < from) A *= d
        else if (i < to) M *= d
        else B *= d
      }
      // run's closures and arrays cost more than a small sum itself (an optimizer's norms: a dozen a step)
      const macs = (A * M * B) << 2
      if (pool === undefined || macs < threshold) ex['channelSum']!(x.byteOffset, out.byteOffset, A, M, B, 0, M)
      else run('channelSum', macs, M, 1, (m0, m1) => [x.byteOffset, out.byteOffset, A, M, B, m0, m1])
      if (mean) for (let m = 0, k = A * B; m < M; m++) out[m] = out[m]! / k
      return true
    },
  }
}
