/**
 * Where a convnet training step spends its time (run through `npx tsx bench/profile-step.ts conv
 * [steps] [--dtype=float32] [--threads=2]`): bench:conv's small convnet, batch 64, its compiled
 * loss-and-gradients program with the runtime's kernels wrapped with timers (convolutions,
 * pooling, reductions, matmul); "loops and glue" is the rest (fused elementwise loops, the call).
 * float64 (default) is the JavaScript backend as `symgrad-compiled` runs it; float32 the
 * WebAssembly backend as `symgrad-f32` runs it (SGD update in the program, parameters carried).
 * Convolution kernels are timed per layer, `(c→f)` by their channels. Relaxed SIMD is on as in
 * `npm start`. Reports the median wall time per step and the process CPU time per step, which a shared machine
 * inflates less (with threads, CPU time adds up every thread's).
 */
import * as sg from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import { compile } from '../src/compile/index.js'
import { jsBackend } from '../src/compile/backend-js.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { grad } from '../src/ad/grad.js'
import { threadPool } from '../src/runner/threads.js'
import { enableRelaxedSimd } from '../src/runner/relaxedSimd.js'
import type { Backend } from '../src/compile/backend.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { median } from './common.js'
import { convGraph, convInit, convShapes } from './convnet.js'

// as `npm start` and the command line do, before any kernel is compiled (SYMGRAD_RELAXED_SIMD=0: the plain kernels)
console.log(`relaxed SIMD (fused multiply-add in the float32 kernels): ${enableRelaxedSimd() ? 'on' : 'off'}`)
const steps = Number(process.argv.slice(2).filter((a) => !a.startsWith('--'))[1] ?? 100)
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const dtype = flag('dtype') === 'float32' ? 'float32' : 'float64'
const threads = Number(flag('threads') ?? 1)
const pool = threads > 1 ? threadPool(threads) : undefined
const base: Backend = dtype === 'float32' || pool !== undefined ? wasmBackend({ dtype, ...(pool ? { threads: pool } : {}) })! : jsBackend
const spent: Record<string, number> = {}
type Fn = (...a: unknown[]) => unknown
/** A convolution's layer, from its geometry argument: `(c→f)` (the convnet's two layers have other channel counts). */
const layerOf = (a: readonly unknown[]): string => {
  const d = a.find((v): v is { c: number; f: number } => typeof v === 'object' && v !== null && 'c' in v && 'f' in v && 'kh' in v)
  return d === undefined ? '' : ` (${d.c}→${d.f})`
}
const timedAll = (obj: Record<string, unknown>, prefix: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(obj).map(([k, f]) => [k, typeof f !== 'function' ? f : (...a: unknown[]) => {
    const t = performance.now()
    const r = (f as Fn)(...a)
    const name = prefix + k + layerOf(a)
    spent[name] = (spent[name] ?? 0) + performance.now() - t
    return r
  }]))
const timed: Backend = {
  ...base,
  runtime: (native) => {
    const rt = base.runtime(native) as Record<string, unknown>
    const gemm = rt['gemm'] as Record<string, unknown> | undefined
    return {
      ...rt,
      ...timedAll({ reduce: rt['reduce'], matmul: rt['matmul'], gatherLabel: rt['gatherLabel'] }, ''),
      ...(rt['loops'] !== undefined ? { loops: timedAll(rt['loops'] as Record<string, unknown>, 'wasm loop ') } : {}),
      conv: timedAll(rt['conv'] as Record<string, unknown>, ''),
      spatial: timedAll(rt['spatial'] as Record<string, unknown>, ''),
      ...(rt['arenaSpatial'] !== undefined ? { arenaSpatial: timedAll(rt['arenaSpatial'] as Record<string, unknown>, '') } : {}),
      ...(gemm !== undefined ? { gemm: timedAll(gemm, 'gemm.') } : {}),
    }
  },
}

const x = sg.input('x', ['N', 1, 28, 28])
const y = sg.input('y', ['N'])
const { scores, params } = convGraph(x)
const loss = softmaxCrossEntropy(scores, y)
const keys = Object.keys(params) as (keyof typeof params)[]
const gs = grad(loss, params)
const init = convInit()
const b: Record<string, sg.Tensor> = { x: R.uniform(R.key(1), [64, 1, 28, 28]), y: { shape: [64], data: Float64Array.from({ length: 64 }, (_, i) => i % 10) } }
// float64: loss and gradients, as symgrad-compiled; float32: the SGD step with parameters carried, as symgrad-f32
const step = dtype === 'float64'
  ? compile([loss, ...keys.map((k) => gs[k])], { backend: timed })
  : compile([loss, ...keys.map((k) => sg.sub(params[k], sg.mul(0.05, gs[k])))], { backend: timed, carry: Object.fromEntries(keys.map((k, i) => [k, i + 1])) })
for (const [k, s] of Object.entries(convShapes)) {
  const t = { shape: s, data: init[k as keyof typeof init] }
  if (dtype === 'float64') b[k] = t
  else step.load(k, t)
}
const wall: number[] = []
const cpu: number[] = []
for (let s = 0; s < steps + 5; s++) {
  if (s === 5) for (const k in spent) spent[k] = 0
  const t = performance.now()
  const c = process.cpuUsage()
  step.runOwned(b)
  const d = process.cpuUsage(c)
  if (s >= 5) {
    wall.push(performance.now() - t)
    cpu.push((d.user + d.system) / 1000)
  }
}
const total = wall.reduce((a, v) => a + v, 0)
const rows = Object.entries(spent).sort((p, q) => q[1] - p[1])
console.log(`small convnet, batch 64, ${base.name}: median ${median(wall).toFixed(2)} ms/step wall, ${median(cpu).toFixed(2)} ms/step CPU, over ${steps} steps`)
for (const [k, v] of rows) console.log(`  ${k.padEnd(22)} ${(v / steps).toFixed(2).padStart(7)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%`)
const rest = total - rows.reduce((a, [, v]) => a + v, 0)
console.log(`  ${'loops and glue'.padEnd(22)} ${(rest / steps).toFixed(2).padStart(7)} ms  ${((100 * rest) / total).toFixed(1).padStart(5)}%`)
