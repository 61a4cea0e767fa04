/**
 * The picture of a hyperparameter search (CS231n lecture 5): validation accuracy against each
 * numeric hyperparameter (log axes for log-uniform ones), one colour per round, and — when the
 * space has both a learning rate and an L2 strength — the trials in the (log lr, log λ) plane
 * coloured by their validation accuracy. Pure: SVG text.
 */
import { grid, linePlot, palette, ramp, toSvg, type Panel, type Series } from '../plot/svg.js'
import type { Space, TrialResult } from './search.js'

const numeric = (space: Space): string[] => Object.entries(space).filter(([, d]) => d.kind !== 'choice').map(([k]) => k)

/** `rounds[i]` is the (0-based) round of `results[i]`. */
export function searchSvg(results: readonly TrialResult[], rounds: readonly number[], space: Space): string {
  const ok = results.map((r, i) => ({ r, round: rounds[i] ?? 0 })).filter(({ r }) => Number.isFinite(r.score))
  const nRounds = Math.max(1, ...ok.map((o) => o.round + 1))
  const panels: Panel[] = numeric(space).map((k) => {
    const log = space[k]!.kind === 'logUniform'
    const series: Series[] = Array.from({ length: nRounds }, (_, round) => {
      const pts = ok.filter((o) => o.round === round && typeof o.r.point[k] === 'number')
      return { name: `round ${round + 1}`, x: pts.map((o) => o.r.point[k] as number), y: pts.map((o) => o.r.score), color: palette[round % palette.length]!, line: false }
    })
    return linePlot(series, { title: `validation accuracy vs ${k}`, xLabel: k, yLabel: 'validation accuracy', logX: log, width: 400, height: 300, legend: nRounds > 1 })
  })
  if ('learningRate' in space && 'l2' in space) panels.push(planePanel(ok.map((o) => o.r)))
  if (panels.length === 0) return toSvg({ width: 400, height: 40, body: '<text x="10" y="25" font-family="sans-serif" font-size="12">no numeric hyperparameter in the space</text>' })
  return toSvg(grid(panels, { columns: Math.min(3, panels.length), title: `Search: ${ok.length} trials with a validation accuracy${ok.length < results.length ? ` (${results.length - ok.length} failed)` : ''}` }))
}

/** Trials in the (log learning rate, log λ) plane, coloured by validation accuracy (the lecture's picture). */
function planePanel(rs: readonly TrialResult[]): Panel {
  const pts = rs.filter((r) => typeof r.point['learningRate'] === 'number' && typeof r.point['l2'] === 'number' && (r.point['l2'] as number) > 0)
  const lo = Math.min(...pts.map((r) => r.score))
  const hi = Math.max(...pts.map((r) => r.score))
  const p = linePlot([{
    name: 'trial', x: pts.map((r) => r.point['learningRate'] as number), y: pts.map((r) => r.point['l2'] as number), line: false,
    pointColors: pts.map((r) => ramp((r.score - lo) / (hi - lo || 1))),
  }], { title: 'trials by learning rate and λ', xLabel: 'learningRate', yLabel: 'l2 λ', logX: true, logY: true, width: 400, height: 300, legend: false })
  const key = `<text x="${p.width - 12}" y="${p.height - 6}" font-family="sans-serif" font-size="10" text-anchor="end">colour: validation accuracy, dark ${(100 * lo).toFixed(1)}% → yellow ${(100 * hi).toFixed(1)}%</text>`
  return { width: p.width, height: p.height + 14, body: `${p.body}\n<g transform="translate(0,14)">${key}</g>` }
}
