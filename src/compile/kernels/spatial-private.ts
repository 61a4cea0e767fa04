/**
 * The JavaScript backend's convolutions and max pooling on the WebAssembly spatial kernels
 * (spatial-arena-wasm.ts, float64): the backend keeps its buffers as separate Float64Arrays, so
 * each call copies its operands into a private WebAssembly memory (one contiguous copy each),
 * runs there one image at a time like the WebAssembly backend, and copies the result out. The
 * memory grows on demand and is reused: no buffer is allocated per call once warm.
 *
 * A convolution whose one-image column matrix does not fit the scratch runs on `fallback`.
 */
import { gemmScratch } from './gemm-run.js'
import { colElements, colScratchBytes, spatialModule } from './spatial-arena.js'
import { outH, outW, type ConvDims, type ConvKernels } from './conv.js'
import type { PoolDims } from './pool.js'

export interface PrivateSpatial extends ConvKernels {
  maxPool2d(x: Float64Array, y: Float64Array, d: PoolDims): void
  maxPool2dBackprop(x: Float64Array, g: Float64Array, dx: Float64Array, d: PoolDims): void
  maxPool2dGather(x: Float64Array, c: Float64Array, y: Float64Array, d: PoolDims): void
}

type Fn = (...a: number[]) => void

/** The kernels on their own memory, or undefined where WebAssembly SIMD is missing. */
export function privateSpatial(fallback: ConvKernels): PrivateSpatial | undefined {
  const mod = spatialModule('float64', false)
  if (mod === null) return undefined
  const col = gemmScratch
  const base = col + colScratchBytes('float64')
  const memory = new WebAssembly.Memory({ initial: Math.ceil(base / 65536) + 1 })
  const ex = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports as Record<string, Fn>
  let F = new Float64Array(memory.buffer)
  /**
   * Copies `inputs` (array, length) into consecutive regions after the scratch and reserves an
   * output region of `out` doubles; returns the byte addresses (inputs…, output).
   */
  const place = (inputs: readonly (readonly [Float64Array, number])[], out: number): number[] => {
    const at: number[] = []
    let end = base
    for (const [, n] of inputs) {
      at.push(end)
      end += Math.ceil((n * 8) / 16) * 16
    }
    at.push(end)
    end += out * 8
    if (memory.buffer.byteLength < end) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536))
    if (F.buffer !== memory.buffer) F = new Float64Array(memory.buffer)
    inputs.forEach(([a, n], i) => F.set(n === a.length ? a : a.subarray(0, n), at[i]! / 8))
    return at
  }
  const result = (at: number, n: number, into: Float64Array): void => into.set(F.subarray(at / 8, at / 8 + n))
  const geometry = (d: ConvDims) => {
    const OH = outH(d), OW = outW(d)
    return { K: d.c * d.kh * d.kw, P: OH * OW, dims: [d.c, d.h, d.w, d.kh, d.kw, d.sh, d.sw, d.ph, d.pw, OH, OW] }
  }
  const maxPool = (x: Float64Array, d: PoolDims, mode: 0 | 1 | 2, src: Float64Array | undefined, dst: Float64Array): void => {
    const OH = (d.h - d.kh) / d.sh + 1, OW = (d.w - d.kw) / d.sw + 1
    const nx = d.nc * d.h * d.w, ny = d.nc * OH * OW
    const nsrc = mode === 1 ? ny : nx
    const nout = mode === 1 ? nx : ny
    const [a, b, c] = src === undefined ? [...place([[x, nx]], nout)] : place([[x, nx], [src, nsrc]], nout)
    const [s, out] = src === undefined ? [a!, b!] : [b!, c!]
    ex['maxPool']!(a!, d.h, d.w, d.kh, d.kw, d.sh, d.sw, OH, OW, 0, d.nc, mode, s, out)
    result(out, nout, dst)
  }
  return {
    conv2d(x, w, y, d) {
      const { K, P, dims } = geometry(d)
      if (K * P > colElements) return fallback.conv2d(x, w, y, d)
      const [a, b, c] = place([[x, d.n * d.c * d.h * d.w], [w, d.f * K]], d.n * d.f * P)
      ex['convFwd']!(a!, b!, c!, 0, d.n, d.f, ...dims, col, 0, 0)
      result(c!, d.n * d.f * P, y)
    },
    conv2dBackpropInput(g, w, dx, d) {
      const { K, P, dims } = geometry(d)
      if (K * P > colElements) return fallback.conv2dBackpropInput(g, w, dx, d)
      const [a, b, c] = place([[g, d.n * d.f * P], [w, d.f * K]], d.n * d.c * d.h * d.w)
      ex['convBI']!(a!, b!, c!, 0, d.n, d.f, ...dims, col, 0, 0)
      result(c!, d.n * d.c * d.h * d.w, dx)
    },
    conv2dBackpropFilter(x, g, dw, d) {
      const { K, P, dims } = geometry(d)
      if (K * P > colElements) return fallback.conv2dBackpropFilter(x, g, dw, d)
      if (d.n === 0) return void dw.fill(0, 0, d.f * K)
      const [a, b, c] = place([[x, d.n * d.c * d.h * d.w], [g, d.n * d.f * P]], d.f * K)
      ex['convBF']!(a!, b!, c!, d.n, d.f, ...dims, 0, K, 1, col, 0, 0)
      result(c!, d.f * K, dw)
    },
    maxPool2d: (x, y, d) => maxPool(x, d, 0, undefined, y),
    maxPool2dBackprop: (x, g, dx, d) => maxPool(x, d, 1, g, dx),
    maxPool2dGather: (x, c, y, d) => maxPool(x, d, 2, c, y),
  }
}
