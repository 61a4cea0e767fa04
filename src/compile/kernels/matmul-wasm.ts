/**
 * The JavaScript backend's matmul in WebAssembly SIMD: operands are copied into a private
 * WebAssembly memory and multiplied there by the blocked float64x2 gemm (gemm-wasm.ts, the same
 * kernel the WebAssembly backend uses in place), and the result is copied back. Used when the
 * engine supports WebAssembly SIMD (Node ≥ 16, current browsers); otherwise the plain kernel runs.
 * Without accumulation its results equal the JavaScript kernel's bit for bit: each element is the
 * same products added in the same order (k blocks of 256, each summed in a register, then added).
 */
import { gemmRunner, gemmScratch, gemmModule, type GemmRunner } from './gemm-run.js'

export interface WasmMatmul {
  readonly run: (
    A: Float64Array, aOff: number, transA: boolean,
    B: Float64Array, bOff: number, transB: boolean,
    C: Float64Array, cOff: number, m: number, n: number, k: number, accumulate: boolean,
  ) => void
}

/** A matmul over the SIMD gemm with its own memory, or undefined where wasm SIMD is missing. */
export function wasmMatmul(): WasmMatmul | undefined {
  if (gemmModule('float64', false) === null) return undefined
  const memory = new WebAssembly.Memory({ initial: Math.ceil(gemmScratch / 65536) + 1 })
  let gemm: GemmRunner
  try {
    gemm = gemmRunner({ dtype: 'float64', memory, scratch: 0 })
  } catch {
    return undefined
  }
  const base = Math.ceil(gemmScratch / 16) * 16
  const run: WasmMatmul['run'] = (A, aOff, transA, B, bOff, transB, C, cOff, m, n, k, accumulate) => {
    const a = base, b = a + m * k * 8, c = b + k * n * 8
    const end = c + m * n * 8
    if (memory.buffer.byteLength < end) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536))
    const F = memory.buffer
    new Float64Array(F, a, m * k).set(A.subarray(aOff, aOff + m * k))
    new Float64Array(F, b, k * n).set(B.subarray(bOff, bOff + k * n))
    const out = new Float64Array(F, c, m * n)
    if (accumulate) out.set(C.subarray(cOff, cOff + m * n))
    gemm.run(a, transA, b, transB, c, m, n, k, accumulate)
    C.set(out, cOff)
  }
  return { run }
}
