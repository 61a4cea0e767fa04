/**
 * Where the compiled training step spends its time: the runtime's kernels are wrapped with timers,
 * and each matrix product is listed with its shape, time and GFLOP/s.
 *
 *   npx tsx bench/profile-step.ts [small|big] [steps] [--dtype=float32] [--threads=2] [--simd=false] [--loops=js]
 *   npx tsx bench/profile-step.ts conv [steps]      (the convnet of bench:conv: bench/profile-conv.ts)
 *
 * float64 (default) profiles the JavaScript backend's loss-and-gradients program, as
 * `symgrad-compiled` runs it; float32 profiles the step `symgrad-f32` runs (WebAssembly backend,
 * SGD update inside the program, parameters carried in its memory; `--loops=js` keeps its fused
 * loops in JavaScript instead of WebAssembly). "wasm loops" are the fused loops written in
 * WebAssembly; "loops and glue" is the rest: the fused loops left in JavaScript, converting the
 * batch in and the loss out, and the call itself.
 */
import type { Expr } from '../src/core/Expr.js'
import * as sg from '../src/ops/index.js'
import { grad } from '../src/ad/grad.js'
import { compile } from '../src/compile/index.js'
import { jsBackend, makeJsBackend } from '../src/compile/backend-js.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import type { Backend, NativeCode, Runtime } from '../src/compile/backend.js'
import type { GemmRunner } from '../src/compile/kernels/gemm-run.js'
import { threadPool } from '../src/runner/threads.js'
import { configs, initParams, loadMnist, LR, median } from './common.js'

if (process.argv[2] === 'conv') {
  await import('./profile-conv.js')
  process.exit(0)
}

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const cfg = configs[(positional[0] as 'small' | 'big' | undefined) ?? 'small']
const steps = Number(positional[1] ?? 100)
const dtype = flag('dtype') === 'float32' ? 'float32' : 'float64'
const threads = Number(flag('threads') ?? 1)
const pool = threads > 1 ? threadPool(threads) : undefined
const base: Backend =
  dtype === 'float32' || pool !== undefined ? wasmBackend({ dtype, ...(pool ? { threads: pool } : {}), ...(flag('loops') === 'js' ? { wasmLoops: false } : {}) })! : flag('simd') === 'false' ? makeJsBackend({ simd: false }) : jsBackend

const spent: Record<string, number> = {}
const products = new Map<string, { ms: number; calls: number; flops: number }>()
const timedFn = (name: string, f: (...a: never[]) => void) => (...a: never[]) => {
  const t = performance.now()
  f(...a)
  spent[name] = (spent[name] ?? 0) + performance.now() - t
}
const timed: Backend = {
  ...base,
  runtime: (native?: NativeCode): Runtime => {
    const rt = base.runtime(native)
    const out: Record<string, unknown> = { ...rt }
    for (const k of ['matmul', 'reduce', 'gatherLabel', 'oneHot']) if (typeof rt[k] === 'function') out[k] = timedFn(k, rt[k] as (...a: never[]) => void)
    const loops = rt['loops'] as Record<string, (...a: never[]) => void> | undefined
    if (loops !== undefined) out['loops'] = Object.fromEntries(Object.entries(loops).map(([k, f]) => [k, timedFn('wasm loops', f)]))
    const gemm = rt['gemm'] as GemmRunner | undefined
    if (gemm !== undefined)
      out['gemm'] = {
        run: (a: number, tA: boolean, b: number, tB: boolean, c: number, m: number, n: number, k: number, acc: boolean) => {
          const t = performance.now()
          gemm.run(a, tA, b, tB, c, m, n, k, acc)
          const dt = performance.now() - t
          spent['gemm'] = (spent['gemm'] ?? 0) + dt
          const key = `${m}×${k} · ${k}×${n}${tA ? ' (Aᵀ)' : ''}${tB ? ' (Bᵀ)' : ''}`
          const p = products.get(key) ?? { ms: 0, calls: 0, flops: 2 * m * n * k }
          products.set(key, { ...p, ms: p.ms + dt, calls: p.calls + 1 })
        },
      }
    return out as Runtime
  },
}

const x = sg.input('x', ['N', cfg.sizes[0]!])
const y = sg.input('y', ['N'])
const params: Record<string, Expr> = {}
let h: Expr = x
for (let l = 0; l + 1 < cfg.sizes.length; l++) {
  params[`W${l}`] = sg.param(`W${l}`, [cfg.sizes[l]!, cfg.sizes[l + 1]!])
  params[`b${l}`] = sg.param(`b${l}`, [cfg.sizes[l + 1]!])
  h = sg.add(sg.matmul(h, params[`W${l}`]!), params[`b${l}`]!)
  if (l + 2 < cfg.sizes.length) h = sg.relu(h)
}
const loss = sg.neg(sg.mean(sg.gatherLabel(sg.logSoftmax(h), y)))
const keys = Object.keys(params)
const gs = grad(loss, params)
const init = initParams(cfg)
const p: Record<string, sg.Tensor> = {}
init.W.forEach((w, l) => (p[`W${l}`] = { shape: [cfg.sizes[l]!, cfg.sizes[l + 1]!], data: w }))
init.b.forEach((b, l) => (p[`b${l}`] = { shape: [cfg.sizes[l + 1]!], data: b }))
// float64: loss and gradients (the update runs outside, as in symgrad-compiled); float32: the whole step
const f = dtype === 'float64'
  ? compile([loss, ...keys.map((k) => gs[k]!)], { backend: timed })
  : compile([loss, ...keys.map((k) => sg.sub(params[k]!, sg.mul(LR, gs[k]!)))], { backend: timed, carry: Object.fromEntries(keys.map((k, i) => [k, i + 1])) })
if (dtype === 'float32') for (const k of keys) f.load(k, p[k]!)
const data = loadMnist(cfg.batch, true)
const times: number[] = []
for (let s = 0; s < steps + 5; s++) {
  if (s === 5) {
    for (const k in spent) spent[k] = 0
    products.clear()
  }
  const b = data.train[s % data.train.length]!
  const batch = { x: { shape: [b.n, 784], data: b.x }, y: { shape: [b.n], data: b.y } }
  const t = performance.now()
  f.runOwned(dtype === 'float64' ? { ...p, ...batch } : batch)
  if (s >= 5) times.push(performance.now() - t)
}
const total = times.reduce((a, b) => a + b, 0)
console.log(`${cfg.name} ${cfg.sizes.join('-')} batch ${cfg.batch}, ${base.name}: median ${median(times).toFixed(3)} ms/step over ${steps} steps; share of time: ` +
  Object.entries(spent).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`).join(', ') +
  `, loops and glue ${((100 * (total - Object.values(spent).reduce((a, b) => a + b, 0))) / total).toFixed(1)}%`)
if (products.size > 0) {
  console.log('products (per step):')
  for (const [k, v] of products) console.log(`  ${k.padEnd(28)} ${(v.ms / steps).toFixed(3)} ms  ${(v.flops * v.calls / v.ms / 1e6).toFixed(1)} GFLOP/s`)
}
await pool?.close()
