/**
 * enableRelaxedSimd (runner/relaxedSimd.ts), as the command line calls it at start: in a Node 20
 * process started without flags it turns on V8's relaxed SIMD and the float32 gemm then fuses its
 * multiply-adds; with SYMGRAD_RELAXED_SIMD=0 it leaves the flags alone and the plain kernels run.
 * Each case runs in its own process (V8's flags are the process's).
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const probe = `
const { enableRelaxedSimd } = await import('./src/runner/relaxedSimd.ts')
const { gemmUsesFma } = await import('./src/compile/kernels/gemm-run.ts')
console.log(JSON.stringify({ enabled: enableRelaxedSimd(), used: gemmUsesFma() }))
`
const run = (env: Record<string, string>) => {
  const { SYMGRAD_RELAXED_SIMD: _, ...rest } = process.env
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { encoding: 'utf8', timeout: 60_000, env: { ...rest, ...env } })
  return JSON.parse(out.trim().split('\n').pop()!) as { enabled: boolean; used: boolean }
}

describe('enableRelaxedSimd', () => {
  it('turns relaxed SIMD on in a Node that has it behind a flag, and the float32 gemm uses it', () => {
    expect(run({})).toEqual({ enabled: true, used: true })
  }, 90_000)

  it('SYMGRAD_RELAXED_SIMD=0 leaves it off (this Node has it only behind the flag): the plain kernels', () => {
    expect(run({ SYMGRAD_RELAXED_SIMD: '0' })).toEqual({ enabled: false, used: false })
  }, 90_000)
})
