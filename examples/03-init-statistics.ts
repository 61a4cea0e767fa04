/**
 * Lecture 5: why initialization matters. A 10-layer net of 500 units on a unit-gaussian batch
 * (1000 × 500), four settings:
 *   tanh + small (0.01·N(0,1))   activations collapse to zero layer by layer
 *   tanh + Xavier (N(0,1)/√n)    a healthy spread in every layer
 *   relu + Xavier                the spread halves-ish each layer and shrinks towards zero
 *   relu + He (N(0,1)·√(2/n))    the spread is kept
 * Prints a table of per-layer mean and std and writes report/03-init-statistics.svg: the std per
 * layer (log scale) and one histogram per layer per setting.
 * Run: npx tsx examples/03-init-statistics.ts [batch]   (batch 1000 by default)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { compile, nn, plot, Random as R } from '../src/index.js'

const { activationStats, dense, relu, sequential, tanh } = nn
const { grid, histogramPlot, linePlot, palette, toSvg } = plot
type Activation = nn.Activation
type LayerSpec = nn.LayerSpec
type InitScheme = nn.InitScheme
type LayerStats = nn.LayerStats

export interface Setting {
  readonly label: string
  readonly act: Activation
  readonly init: InitScheme
}

export const settings: readonly Setting[] = [
  { label: 'tanh + small', act: tanh, init: 'small' },
  { label: 'tanh + xavier', act: tanh, init: 'xavier' },
  { label: 'relu + xavier', act: relu, init: 'xavier' },
  { label: 'relu + he', act: relu, init: 'he' },
]

export interface Result {
  readonly setting: Setting
  /** Per hidden layer (after the nonlinearity). */
  readonly layers: readonly LayerStats[]
  readonly means: readonly number[]
  readonly stds: readonly number[]
}

/** Runs the experiment; `depth` layers of `width` units on a [batch, width] unit-gaussian input. */
export function run(o: { readonly batch?: number; readonly width?: number; readonly depth?: number; readonly seed?: number } = {}): Result[] {
  const batch = o.batch ?? 1000
  const width = o.width ?? 500
  const depth = o.depth ?? 10
  const [kx, kw] = R.split(R.key(o.seed ?? 0))
  const x = R.normal(kx!, [batch, width])
  return settings.map((s) => {
    const layers: LayerSpec[] = []
    for (let i = 0; i < depth; i++) layers.push(dense(width, width, { init: s.init }), s.act)
    const model = sequential(...layers)
    const { params, state } = model.init(kw!)
    const range: [number, number] = s.act.fn === 'tanh' ? [-1, 1] : [1e-300, 3] // relu: exact zeros counted apart
    const st = activationStats(model, params, state, x, { only: (k) => k === s.act.fn, bins: 40, range, run: (es, b) => compile(es)(b) })
    if (E.isLeft(st)) throw st.left
    const ls = st.right
    return { setting: s, layers: ls, means: ls.map((l) => l.activations.mean), stds: ls.map((l) => l.activations.std) }
  })
}

export function table(results: readonly Result[]): string {
  const depth = results[0]?.stds.length ?? 0
  const head = ['layer', ...results.map((r) => r.setting.label)]
  const rows = Array.from({ length: depth }, (_, i) => [
    String(i + 1),
    ...results.map((r) => `${r.means[i]!.toExponential(1).padStart(8)} ± ${r.stds[i]!.toExponential(2)}`),
  ])
  const w = head.map((_, c) => Math.max(...[head, ...rows].map((r) => r[c]!.length)))
  const line = (r: readonly string[]) => r.map((c, i) => c.padStart(w[i]!)).join('   ')
  return ['mean ± std of each hidden layer’s activations', line(head), ...rows.map(line)].join('\n')
}

export function picture(results: readonly Result[]): string {
  const depth = results[0]?.stds.length ?? 0
  const layersAxis = Array.from({ length: depth }, (_, i) => i + 1)
  const stdPlot = linePlot(
    results.map((r) => ({ name: r.setting.label, x: layersAxis, y: r.stds })),
    { title: 'std of activations per layer (log scale)', xLabel: 'layer', yLabel: 'std', logY: true, width: 560, height: 300, legend: 'right' },
  )
  const rows = results.map((r) =>
    grid(
      r.layers.map((l, i) => {
        const h = l.activations.histogram
        const n = h.counts.reduce((a, b) => a + b, 0) + h.below + h.above
        const zeros = r.setting.act.fn === 'relu' ? ` (0s: ${Math.round((100 * h.below) / n)}%)` : ''
        return histogramPlot(h, { title: `L${i + 1}${zeros}`, width: 150, height: 110, normalize: true, color: palette[results.indexOf(r) % palette.length]! })
      }),
      { columns: depth, title: `${r.setting.label}: histograms of activations (fraction per bin${r.setting.act.fn === 'relu' ? ', exact zeros counted apart' : ''})` },
    ),
  )
  return toSvg(grid([stdPlot, ...rows], { columns: 1, title: 'Lecture 5: activation statistics of a 10-layer, 500-unit net on unit-gaussian input' }))
}

function main(): void {
  const batch = Number(process.argv[2] ?? 1000)
  const t0 = performance.now()
  const results = run({ batch })
  console.log(table(results))
  console.log(`(${batch} × 500 input, ${((performance.now() - t0) / 1000).toFixed(1)} s)`)
  mkdirSync('report', { recursive: true })
  writeFileSync('report/03-init-statistics.svg', picture(results))
  console.log('wrote report/03-init-statistics.svg')
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main()
