/**
 * Matrix-product throughput (GFLOP/s) at 256/512/1024/2048 for the plain form and both transposed
 * forms the backward pass uses (Aᵀ·B, A·Bᵀ):
 * - `wasm-f32-1t`, `wasm-f32-2t`, `wasm-f64-1t`, `wasm-f64-2t`: the blocked WebAssembly SIMD gemm
 *   of the wasm backend (kernels/gemm-wasm.ts), float32x4 and float64x2, on 1 and 2 threads
 *   (operands already in the module's memory, as in a compiled function);
 * - `symgrad-simd`: the JavaScript backend's matmul (float64 arrays copied into the f64x2 gemm's memory),
 *   `symgrad-js` its plain JavaScript fallback; a naive i-k-j loop (float64, up to 1024);
 * - tfjs-cpu and tfjs-wasm (float32, `matMul` with its transpose flags), up to 1024 (their
 *   transposed forms run below 1 GFLOP/s: 2048 would take minutes per call).
 *
 *   npm run bench:matmul -- [--quick] [--sizes=256,512]     writes bench/results/matmul.json
 */
import * as tf from '@tensorflow/tfjs'
import { writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { matmul, matmulScratch } from '../src/compile/kernels/matmul.js'
import { wasmMatmul } from '../src/compile/kernels/matmul-wasm.js'
import * as R from '../src/core/Random.js'
import { useBackend } from './peers/tfjs.js'
import { gemmRunner, gemmScratch, maxPages } from '../src/compile/kernels/gemm-run.js'
import type { Dtype } from '../src/compile/arena.js'
import { threadPool } from '../src/runner/threads.js'

type Form = 'A·B' | 'Aᵀ·B' | 'A·Bᵀ'
const forms: readonly [Form, boolean, boolean][] = [['A·B', false, false], ['Aᵀ·B', true, false], ['A·Bᵀ', false, true]]
const quick = process.argv.includes('--quick')
const sizesArg = process.argv.find((a) => a.startsWith('--sizes='))
const sizes = sizesArg ? sizesArg.slice(8).split(',').map(Number) : quick ? [256, 512] : [256, 512, 1024, 2048]

/** The straightforward loops, one per form (i-k-j where the layout allows it). */
function naive(A: Float64Array, ta: boolean, B: Float64Array, tb: boolean, C: Float64Array, s: number): void {
  C.fill(0)
  if (!tb)
    for (let i = 0; i < s; i++)
      for (let p = 0; p < s; p++) {
        const v = ta ? A[p * s + i]! : A[i * s + p]!
        for (let j = 0; j < s; j++) C[i * s + j]! += v * B[p * s + j]!
      }
  else
    for (let i = 0; i < s; i++)
      for (let j = 0; j < s; j++) {
        let acc = 0
        for (let p = 0; p < s; p++) acc += A[i * s + p]! * B[j * s + p]!
        C[i * s + j] = acc
      }
}

/** Best-of time in ms over runs lasting at least ~0.3 s in total (and at least `minReps` runs). */
function time(f: () => void, s: number, minReps = 2): number {
  f()
  const reps = Math.max(minReps, Math.min(20, Math.round(3e8 / (2 * s ** 3))))
  let best = Infinity
  for (let r = 0; r < reps; r++) {
    const t = performance.now()
    f()
    best = Math.min(best, performance.now() - t)
  }
  return best
}

interface Row { impl: string; form: Form; size: number; ms: number; gflops: number }
const rows: Row[] = []
const push = (impl: string, form: Form, size: number, ms: number) => {
  rows.push({ impl, form, size, ms: Number(ms.toFixed(3)), gflops: Number(((2 * size ** 3) / ms / 1e6).toFixed(2)) })
  console.error(`${impl} ${form} ${size}: ${rows[rows.length - 1]!.gflops} GFLOP/s`)
}
const sc = matmulScratch()
const simd = wasmMatmul()
const pool = threadPool(2)
/** One shared memory per dtype holding A, B, C after two threads' scratch; runners for 1 and 2 threads. */
const wasm = (dtype: Dtype) => {
  const E = dtype === 'float32' ? 4 : 8
  const big = Math.max(...sizes) ** 2 * E
  const base = 2 * gemmScratch
  const memory = new WebAssembly.Memory({ initial: Math.ceil((base + 3 * big) / 65536), maximum: maxPages, shared: true })
    const runners = [gemmRunner({ dtype, memory, scratch: 0 }), gemmRunner({ dtype, memory, scratch: 0, pool })]
  return { dtype, memory, runners, a: base, b: base + big, c: base + 2 * big, Arr: dtype === 'float32' ? Float32Array : Float64Array }
}
const wasms = [wasm('float32'), wasm('float64')]
for (const s of sizes) {
  const A = R.normal(R.key(1), [s * s]).data
  const B = R.normal(R.key(2), [s * s]).data
  const C = new Float64Array(s * s)
  for (const w of wasms) {
    new w.Arr(w.memory.buffer, w.a, s * s).set(A)
    new w.Arr(w.memory.buffer, w.b, s * s).set(B)
    for (const [form, ta, tb] of forms)
      w.runners.forEach((r, t) => push(`wasm-${w.dtype === 'float32' ? 'f32' : 'f64'}-${t + 1}t`, form, s, time(() => r.run(w.a, ta, w.b, tb, w.c, s, s, s, false), s, 8)))
  }
  for (const [form, ta, tb] of forms) {
    if (simd) push('symgrad-simd', form, s, time(() => simd.run(A, 0, ta, B, 0, tb, C, 0, s, s, s, false), s))
    push('symgrad-js', form, s, time(() => matmul(A, 0, ta, B, 0, tb, C, 0, s, s, s, sc), s))
    if (s <= 512 || (!quick && s <= 1024)) push('naive-js', form, s, time(() => naive(A, ta, B, tb, C, s), s))
  }
  for (const be of s <= 1024 ? (['cpu', 'wasm'] as const) : ([] as const)) {
    await useBackend(be)
    const a = tf.tensor2d(Float32Array.from(A), [s, s])
    const b = tf.tensor2d(Float32Array.from(B), [s, s])
    for (const [form, ta, tb] of forms) push(`tfjs-${be}`, form, s, time(() => tf.tidy(() => void tf.matMul(a, b, ta, tb).dataSync()), s))
    a.dispose()
    b.dispose()
  }
}
const impls = [...new Set(rows.map((r) => r.impl))]
console.log('GFLOP/s (best of several runs; wasm-f32 and tfjs float32, the others float64)\n')
console.log(['size', 'form', ...impls].map((h) => h.padStart(13)).join(''))
for (const s of sizes)
  for (const [form] of forms)
    console.log([String(s), form, ...impls.map((i) => rows.find((r) => r.impl === i && r.size === s && r.form === form)?.gflops.toFixed(2) ?? '-')].map((c) => c.padStart(13)).join(''))
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results')
mkdirSync(dir, { recursive: true })
writeFileSync(path.join(dir, quick ? 'matmul-quick.json' : 'matmul.json'), JSON.stringify(rows, null, 2) + '\n')
await pool.close()
