/**
 * Page script of bench/gemm-browser.ts: the float32 SIMD gemm with f32x4.relaxed_madd and without
 * it, on one thread, A·B at the sizes asked (?sizes=256,512), best of `runs` timings each;
 * reports through window.__gemm.
 */
import { gemmModuleBytes, gemmScratchBytes, gemmShapes, hasRelaxedSimd } from '../../src/compile/kernels/gemm-wasm.js'

type Gemm = (...a: number[]) => void
interface Result { readonly relaxed: boolean; readonly rows: { n: number; fma: boolean; ms: number; gflops: number }[]; readonly maxRelDiff: number; readonly error?: string }

function run(): Result {
  const sizes = (new URLSearchParams(location.search).get('sizes') ?? '256,512,1024').split(',').map(Number)
  const relaxed = hasRelaxedSimd()
  const top = Math.max(...sizes)
  const scratch = gemmScratchBytes(gemmShapes.f32)
  const bytes = scratch + 3 * top * top * 4 + 256
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) })
  const gemmOf = (fma: boolean) => new WebAssembly.Instance(new WebAssembly.Module(gemmModuleBytes({ ...gemmShapes.f32, fma }, false)), { env: { mem: memory } }).exports['gemm'] as Gemm
  const variants: [boolean, Gemm][] = relaxed ? [[false, gemmOf(false)], [true, gemmOf(true)]] : [[false, gemmOf(false)]]
  const rows: Result['rows'] = []
  let maxRelDiff = 0
  for (const n of sizes) {
    const A = scratch + 64, B = A + n * n * 4, C = B + n * n * 4
    const f = new Float32Array(memory.buffer)
    for (let i = 0; i < n * n; i++) (f[A / 4 + i] = Math.sin(i)), (f[B / 4 + i] = Math.cos(i * 0.7))
    const outs: Float32Array[] = []
    for (const [fma, g] of variants) {
      const runs = n <= 256 ? 30 : n <= 512 ? 12 : 5
      // products per timing: at least ~2^28 multiply-adds, above the page clock's coarse resolution
      const reps = Math.max(1, Math.round(2 ** 28 / n ** 3))
      let best = Infinity
      for (let r = 0; r < runs + 1; r++) {
        const t0 = performance.now()
        for (let q = 0; q < reps; q++) g(A, 0, B, 0, C, n, n, n, 0, 0, n, 0, n, 0)
        const dt = (performance.now() - t0) / reps
        if (r > 0) best = Math.min(best, dt) // the first run compiles and warms up
      }
      rows.push({ n, fma, ms: best, gflops: (2 * n * n * n) / best / 1e6 })
      outs.push(Float32Array.from(f.subarray(C / 4, C / 4 + n * n)))
    }
    if (outs.length === 2) for (let i = 0; i < n * n; i++) maxRelDiff = Math.max(maxRelDiff, Math.abs(outs[0]![i]! - outs[1]![i]!) / Math.max(1, Math.abs(outs[0]![i]!)))
  }
  return { relaxed, rows, maxRelDiff }
}

setTimeout(() => {
  try {
    ;(window as unknown as { __gemm: Result }).__gemm = run()
  } catch (e) {
    ;(window as unknown as { __gemm: Result }).__gemm = { relaxed: false, rows: [], maxRelDiff: NaN, error: String(e) }
  }
}, 0)
