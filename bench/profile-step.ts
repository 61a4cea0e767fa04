/**
 * Where the compiled training step spends its time: the kernels are wrapped with timers.
 *   npx tsx bench/profile-step.ts [small|big] [steps]   (add `--simd=false` for the scalar kernels)
 */
import type { Expr } from '../src/core/Expr.js'
import * as sg from '../src/ops/index.js'
import { valueAndGrad } from '../src/compile/index.js'
import { jsBackend, makeJsBackend } from '../src/compile/backend-js.js'
import type { Backend } from '../src/compile/backend.js'
import { configs, initParams, loadMnist, median } from './common.js'

const cfg = configs[(process.argv[2] as 'small' | 'big' | undefined) ?? 'small']
const steps = Number(process.argv[3] ?? 100)
const base = process.argv.includes('--simd=false') ? makeJsBackend({ simd: false }) : jsBackend
const spent: Record<string, number> = {}
const timed: Backend = {
  ...base,
  runtime: () => {
    const rt = base.runtime() as Record<string, unknown>
    const out: Record<string, unknown> = { ...rt }
    for (const k of ['matmul', 'reduce', 'gatherLabel', 'oneHot']) {
      const f = rt[k] as (...a: unknown[]) => void
      out[k] = (...a: unknown[]) => {
        const t = performance.now()
        f(...a)
        spent[k] = (spent[k] ?? 0) + performance.now() - t
      }
    }
    return out
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
const vg = valueAndGrad(sg.neg(sg.mean(sg.gatherLabel(sg.logSoftmax(h), y))), params, { backend: timed })
const init = initParams(cfg)
const p: Record<string, sg.Tensor> = {}
init.W.forEach((w, l) => (p[`W${l}`] = { shape: [cfg.sizes[l]!, cfg.sizes[l + 1]!], data: w }))
init.b.forEach((b, l) => (p[`b${l}`] = { shape: [cfg.sizes[l + 1]!], data: b }))
const data = loadMnist(cfg.batch, true)
const times: number[] = []
for (let s = 0; s < steps + 5; s++) {
  if (s === 5) for (const k in spent) spent[k] = 0
  const b = data.train[s % data.train.length]!
  const t = performance.now()
  vg.runOwned({ ...p, x: { shape: [b.n, 784], data: b.x }, y: { shape: [b.n], data: b.y } })
  if (s >= 5) times.push(performance.now() - t)
}
const total = times.reduce((a, b) => a + b, 0)
console.log(`${cfg.name} (${base.name}): median ${median(times).toFixed(3)} ms/step; share of time: ` +
  Object.entries(spent).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`).join(', ') +
  `, loops and glue ${((100 * (total - Object.values(spent).reduce((a, b) => a + b, 0))) / total).toFixed(1)}%`)
