/**
 * Relaxed SIMD for the float32 kernels under Node. Node 20's V8 compiles WebAssembly's
 * f32x4.relaxed_madd only behind --experimental-wasm-relaxed-simd (Chromium and later Node have
 * it by default); with it the float32 gemm and convolutions fuse each multiply-add (rounding once
 * instead of twice, within the float32 law: test/compile-relaxed-gemm.test.ts) and run 20–25%
 * faster on x86 with FMA. The command line turns the flag on at start, before any kernel is
 * compiled; the kernels detect it at run time (kernels/gemm-run.ts's gemmUsesFma), so a realm
 * that compiled a kernel before keeps the plain ones.
 *
 * `SYMGRAD_RELAXED_SIMD=0` leaves V8's flags alone (the plain kernels, as on an engine without
 * relaxed SIMD: other bits, the same law).
 */
import { setFlagsFromString } from 'node:v8'
import { hasRelaxedSimd } from '../compile/kernels/gemm-wasm.js'

/** The environment variable that keeps the flag off. */
export const relaxedSimdVar = 'SYMGRAD_RELAXED_SIMD'

/** Turns on V8's relaxed SIMD where it is behind a flag (unless `SYMGRAD_RELAXED_SIMD=0`); whether the engine now has it. */
export function enableRelaxedSimd(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (hasRelaxedSimd()) return true
  if (env[relaxedSimdVar] === '0') return false
  setFlagsFromString('--experimental-wasm-relaxed-simd')
  return hasRelaxedSimd()
}
