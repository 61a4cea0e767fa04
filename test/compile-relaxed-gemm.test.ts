/**
 * Relaxed SIMD in the float32 gemm: detected at run time (Node 20 has it only behind
 * --experimental-wasm-relaxed-simd, so this Node says no and the plain kernel runs), and, in a
 * Node started with the flag, the f32x4.relaxed_madd kernel is used, stays within the float32 law
 * against float64 sums, and gives the same bits on 1 and 2 threads.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { hasRelaxedSimd } from '../src/compile/kernels/gemm-wasm.js'
import { gemmUsesFma } from '../src/compile/kernels/gemm-run.js'

const cpuFlags = (): string => (existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '')

describe('relaxed SIMD gemm', () => {
  it('this Node (no flag) has no relaxed SIMD, and the gemm does not use it', () => {
    expect(process.execArgv.join(' ')).not.toContain('relaxed-simd')
    expect(hasRelaxedSimd()).toBe(false)
    expect(gemmUsesFma()).toBe(false)
  })

  it('with --experimental-wasm-relaxed-simd: used, within the float32 law (products and a convnet step), 1 and 2 threads the same bits', () => {
    const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', 'test/support/relaxed-gemm.ts'], { encoding: 'utf8', timeout: 120_000 })
    const r = JSON.parse(out.trim().split('\n').pop()!) as { relaxed: boolean; used: boolean; worst: number; convWorst: number; differs: number; threadsSame: boolean; workerParts: number }
    expect(r.relaxed).toBe(true)
    expect(r.used).toBe(true)
    // |f32 − f64| ≤ 1e-4 · (Σ|terms| floored at 1): the float32 law's tolerance
    expect(r.worst).toBeLessThan(1e-4)
    expect(r.worst).toBeGreaterThan(0)
    // a convnet step's loss and gradients (the spatial kernels' fused gemm) against the float64 interpreter
    expect(r.convWorst).toBeLessThan(1e-5)
    expect(r.threadsSame).toBe(true)
    expect(r.workerParts).toBeGreaterThan(0)
    // on a CPU with FMA (x86 flag fma) V8 fuses it, rounding once per multiply-add: results differ from the plain kernel's
    if (/\bfma\b/.test(cpuFlags())) expect(r.differs).toBeGreaterThan(0)
  }, 150_000)
})
