/**
 * Optimizer update cost on a 784-200-10 MLP's parameter record (W1 [784,200], b1 [200], W2 [200,10],
 * b2 [10]: 159,010 float64 scalars). For each optimizer, one timed call is `update` followed by
 * `applyUpdates`, the state and params carried from call to call (as in training); gradients cycle
 * through 4 fixed random records. The median (and p10/p90) over the timed calls is reported after
 * a warm-up, with the time per parameter.
 *
 *   npm run bench:optim -- [--calls=300] [--warmup=50] [--out=bench/results/optim.json] [--baseline=file.json]
 *
 * --baseline reads an earlier output of this script and adds a speedup column (baseline / now).
 * Prints a table and writes JSON rows `{optimizer, params, calls, ms_median, ms_p10, ms_p90,
 * ns_per_param, speedup?}`; asserts nothing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import * as R from '../src/core/Random.js'
import type { AnyGradientTransformation, PlainState } from '../src/optim/GradientTransformation.js'
import { applyUpdates, chain } from '../src/optim/GradientTransformation.js'
import * as P from '../src/optim/params.js'
import type { Params } from '../src/optim/params.js'
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from '../src/optim/aliases.js'
import { clipByGlobalNorm } from '../src/optim/transforms.js'

const flag = (name: string, dflt: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const calls = Number(flag('calls', '300'))
const warmup = Number(flag('warmup', '50'))
const out = flag('out', 'bench/results/optim.json')
const baselinePath = flag('baseline', '')
if (!(calls >= 1 && warmup >= 0)) {
  console.error(`bench/optim: --calls must be ≥ 1 and --warmup ≥ 0, got ${calls} and ${warmup}`)
  process.exit(2)
}

const sizes = [784, 200, 10]
function record(k: R.Key, std: number): Params {
  const p: Record<string, ReturnType<typeof R.normal>> = {}
  for (let l = 0; l + 1 < sizes.length; l++) {
    p[`W${l + 1}`] = R.normal(R.foldIn(k, 2 * l), [sizes[l]!, sizes[l + 1]!], std, 0)
    p[`b${l + 1}`] = R.normal(R.foldIn(k, 2 * l + 1), [sizes[l + 1]!], std, 0)
  }
  return p
}
const root = R.key(7)
const params0 = record(R.foldIn(root, 0), 0.05)
const grads = [1, 2, 3, 4].map((i) => record(R.foldIn(root, i), 0.01))
const nParams = P.count(params0)

const optimizers: readonly [string, () => AnyGradientTransformation][] = [
  ['sgd', () => sgd(0.01)],
  ['momentum', () => momentum(0.01, 0.9)],
  ['nesterov', () => nesterov(0.01, 0.9)],
  ['adagrad', () => adagrad(0.01)],
  ['rmsprop', () => rmsprop(1e-3)],
  ['adam', () => adam(1e-3)],
  ['adamw', () => adamw(1e-3, 1e-4)],
  ['clip+adam', () => chain(clipByGlobalNorm(1), adam(1e-3))],
]

interface Row {
  optimizer: string
  params: number
  calls: number
  ms_median: number
  ms_p10: number
  ms_p90: number
  ns_per_param: number
  speedup?: number
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
const r3 = (x: number): number => Number(x.toFixed(3))

const baseline = new Map<string, number>()
if (baselinePath !== '') {
  if (!existsSync(baselinePath)) {
    console.error(`bench/optim: --baseline file ${baselinePath} not found`)
    process.exit(2)
  }
  for (const r of JSON.parse(readFileSync(baselinePath, 'utf8')) as Row[]) baseline.set(r.optimizer, r.ms_median)
}

const rows: Row[] = []
for (const [name, make] of optimizers) {
  const opt = make()
  let x = params0
  let s: PlainState = opt.init(x)
  const times: number[] = []
  for (let i = 0; i < warmup + calls; i++) {
    const g = grads[i % grads.length]!
    const t0 = performance.now()
    const [u, s2] = opt.update(g, s, x)
    x = applyUpdates(x, u)
    const t1 = performance.now()
    s = s2
    if (i >= warmup) times.push(t1 - t0)
  }
  if (!P.isFinite(x)) throw new Error(`bench/optim: ${name} produced non-finite params`)
  times.sort((a, b) => a - b)
  const med = quantile(times, 0.5)
  const row: Row = {
    optimizer: name, params: nParams, calls,
    ms_median: r3(med), ms_p10: r3(quantile(times, 0.1)), ms_p90: r3(quantile(times, 0.9)),
    ns_per_param: Number(((med * 1e6) / nParams).toFixed(2)),
  }
  const b = baseline.get(name)
  if (b !== undefined) row.speedup = Number((b / med).toFixed(2))
  rows.push(row)
}

const head = ['optimizer', 'median ms', 'p10 ms', 'p90 ms', 'ns/param', ...(baseline.size > 0 ? ['speedup'] : [])]
const body = rows.map((r) => [r.optimizer, r.ms_median.toFixed(3), r.ms_p10.toFixed(3), r.ms_p90.toFixed(3), r.ns_per_param.toFixed(2),
  ...(baseline.size > 0 ? [r.speedup === undefined ? '–' : `${r.speedup.toFixed(2)}×`] : [])])
const widths = head.map((h, j) => Math.max(h.length, ...body.map((l) => l[j]!.length)))
const line = (cells: readonly string[]): string => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ')
console.log(`update + applyUpdates, ${nParams} params (784-200-10), median of ${calls} calls after ${warmup} warm-up calls`)
console.log(line(head))
for (const l of body) console.log(line(l))
mkdirSync(path.dirname(out), { recursive: true })
writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`)
console.log(`wrote ${out}`)
