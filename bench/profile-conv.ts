/**
 * Where a convnet training step spends its time (run through `npx tsx bench/profile-step.ts conv
 * [steps]`): bench:conv's small convnet, batch 64, its compiled loss-and-gradients program with the
 * runtime's kernels wrapped with timers (convolutions, pooling, reductions, matmul); "loops and
 * glue" is the rest (fused elementwise loops, the call). Reports the median wall time per step and
 * the process CPU time per step, which a shared machine inflates less.
 */
import * as sg from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import { valueAndGrad } from '../src/compile/index.js'
import { jsBackend } from '../src/compile/backend-js.js'
import type { Backend } from '../src/compile/backend.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { median } from './common.js'
import { convGraph, convInit, convShapes } from './convnet.js'

const steps = Number(process.argv.slice(2).filter((a) => !a.startsWith('--'))[1] ?? 100)
const spent: Record<string, number> = {}
type Fn = (...a: unknown[]) => unknown
const timedAll = (obj: Record<string, unknown>, prefix: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(obj).map(([k, f]) => [k, typeof f !== 'function' ? f : (...a: unknown[]) => {
    const t = performance.now()
    const r = (f as Fn)(...a)
    spent[prefix + k] = (spent[prefix + k] ?? 0) + performance.now() - t
    return r
  }]))
const timed: Backend = {
  ...jsBackend,
  runtime: () => {
    const rt = jsBackend.runtime() as Record<string, unknown>
    return {
      ...rt,
      ...timedAll({ reduce: rt['reduce'], matmul: rt['matmul'], gatherLabel: rt['gatherLabel'] }, ''),
      conv: timedAll(rt['conv'] as Record<string, unknown>, ''),
      spatial: timedAll(rt['spatial'] as Record<string, unknown>, ''),
    }
  },
}

const x = sg.input('x', ['N', 1, 28, 28])
const y = sg.input('y', ['N'])
const { scores, params } = convGraph(x)
const vg = valueAndGrad(softmaxCrossEntropy(scores, y), params, { backend: timed })
const init = convInit()
const b: Record<string, sg.Tensor> = { x: R.uniform(R.key(1), [64, 1, 28, 28]), y: { shape: [64], data: Float64Array.from({ length: 64 }, (_, i) => i % 10) } }
for (const [k, s] of Object.entries(convShapes)) b[k] = { shape: s, data: init[k as keyof typeof init] }
const wall: number[] = []
const cpu: number[] = []
for (let s = 0; s < steps + 5; s++) {
  if (s === 5) for (const k in spent) spent[k] = 0
  const t = performance.now()
  const c = process.cpuUsage()
  vg.runOwned(b)
  const d = process.cpuUsage(c)
  if (s >= 5) {
    wall.push(performance.now() - t)
    cpu.push((d.user + d.system) / 1000)
  }
}
const total = wall.reduce((a, v) => a + v, 0)
const rows = Object.entries(spent).sort((p, q) => q[1] - p[1])
console.log(`small convnet, batch 64, ${jsBackend.name}: median ${median(wall).toFixed(2)} ms/step wall, ${median(cpu).toFixed(2)} ms/step CPU, over ${steps} steps`)
for (const [k, v] of rows) console.log(`  ${k.padEnd(22)} ${(v / steps).toFixed(2).padStart(7)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%`)
const rest = total - rows.reduce((a, [, v]) => a + v, 0)
console.log(`  ${'loops and glue'.padEnd(22)} ${(rest / steps).toFixed(2).padStart(7)} ms  ${((100 * rest) / total).toFixed(1).padStart(5)}%`)
