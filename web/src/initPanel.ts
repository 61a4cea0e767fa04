/**
 * The Initialization panel (lecture 5): the histograms of each layer's activations in a 10-layer
 * tanh or ReLU net under small, Xavier or He init, recomputed with the library's activationStats
 * as the scale of the weights changes.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { nn } from '../../src/index.js'
import { el } from './dom.js'
import { initExperiment, initInput, initStats, statsRunner, weightStd, type InitSettings } from './initNet.js'
import { lineChart } from './lineChart.js'

const formulas = { small: '0.01', xavier: '1/√fan_in', he: '√(2/fan_in)' } as const

function select<T extends string>(id: string, options: readonly T[], value: T): HTMLSelectElement {
  return el('select', { id }, ...options.map((o) => el('option', o === value ? { value: o, selected: true } : { value: o }, o)))
}

const sci = (v: number): string => (v === 0 ? '0' : Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? v.toFixed(3) : v.toExponential(1))

/**
 * Bars of the library's histogram. For ReLU the first bin holds the exact zeros (about half the
 * units) and would flatten the rest: its bar is clipped at the top, marked, and its share printed.
 */
function drawHistogram(c: HTMLCanvasElement, s: nn.Summary, color: string, clipFirst: boolean): void {
  const ctx = c.getContext('2d')!
  const [W, H] = [c.width, c.height]
  const b = { l: 4, r: 4, t: 4, b: 16 }
  ctx.fillStyle = 'white'
  ctx.fillRect(0, 0, W, H)
  const h = s.histogram
  const rest = clipFirst ? h.counts.slice(1) : h.counts
  const top = Math.max(1, ...rest)
  const bw = (W - b.l - b.r) / h.counts.length
  ctx.fillStyle = color
  h.counts.forEach((n, i) => {
    const bh = Math.min(1, n / top) * (H - b.t - b.b)
    ctx.fillRect(b.l + i * bw, H - b.b - bh, Math.max(1, bw - 0.5), bh)
  })
  ctx.font = '11px sans-serif'
  const total = h.counts.reduce((a, v) => a + v, 0) + h.below + h.above
  if (clipFirst && h.counts[0]! > top) {
    ctx.fillStyle = 'white'
    ctx.fillRect(b.l - 1, b.t + 6, bw + 2, 3)
    ctx.fillStyle = '#333'
    ctx.textAlign = 'left'
    ctx.fillText(`← first bin ${Math.round((100 * h.counts[0]!) / total)}%`, b.l + bw + 3, b.t + 10)
  }
  ctx.fillStyle = '#333'
  ctx.textAlign = 'left'
  const edge = (v: number) => (v === 0 || (Math.abs(v) >= 0.01 && Math.abs(v) < 1000) ? String(Number(v.toPrecision(3))) : v.toExponential(1))
  ctx.fillText(edge(h.edges[0]!), b.l, H - 3)
  ctx.textAlign = 'right'
  ctx.fillText(edge(h.edges.at(-1)!), W - b.r, H - 3)
}

export function initPanel(root: HTMLElement): void {
  const act = select('in-activation', ['tanh', 'relu'] as const, 'tanh')
  const init = select('in-init', ['small', 'xavier', 'he'] as const, 'xavier')
  const scale = el('input', { id: 'in-scale', type: 'range', min: -1, max: 1, step: 0.01, value: '0', style: 'width:260px' })
  const scaleText = el('span', { id: 'in-scale-text', class: 'status' })
  const status = el('div', { id: 'in-status', class: 'status' }, 'computing…')
  const stdC = el('canvas', { id: 'in-std', width: 420, height: 220 })
  const hists = el('div', { id: 'in-hists', class: 'in-hists' })
  const table = el('table', { id: 'in-table', class: 'trace' })
  root.append(
    el('p', { class: 'lede' }, `A ${initExperiment.depth}-layer net of ${initExperiment.width} units on a batch of ${initExperiment.batch} unit-gaussian inputs (lecture 5). The weights are drawn by the scheme times the scale; below, the library's activationStats of each hidden layer's output, recomputed in this page at each change. Small weights make tanh activations collapse to 0 layer by layer; Xavier keeps tanh alive; ReLU needs He's factor 2.`),
    el('div', { class: 'controls' }, el('label', {}, 'activation ', act), el('label', {}, 'init ', init), el('label', {}, 'scale ×', scale), scaleText),
    status,
    el('div', { class: 'row' }, el('figure', {}, stdC, el('figcaption', {}, 'standard deviation of each layer’s activations')), table),
    el('h3', {}, 'Histograms of each layer’s activations'), hists,
    el('p', { class: 'lede' }, 'Bars: the library’s histogram (nn.histogram through activationStats, 40 bins) of each layer’s 500 × 200 activations; tanh on [−1, 1], ReLU from 0 to the layer’s largest value, where the first bin holds the units that are off (clipped, its share printed).'),
  )
  const x = initInput()
  const runner = statsRunner()
  const settings = (): InitSettings => ({ activation: act.value as InitSettings['activation'], init: init.value as InitSettings['init'], scale: Number((10 ** Number(scale.value)).toPrecision(3)) })
  let pending = false
  const recompute = (): void => {
    pending = false
    const s = settings()
    scaleText.textContent = `${s.scale} → weight std ${s.scale} × ${formulas[s.init]} = ${weightStd(s).toPrecision(3)}`
    const t0 = performance.now()
    const r = initStats(s, x, runner(s.activation))
    if (E.isLeft(r)) {
      status.textContent = `error: ${r.left.message}`
      return
    }
    const layers = r.right
    const stds = layers.map((l) => l.activations.std)
    status.textContent = `computed in ${Math.round(performance.now() - t0)} ms: layer 1 std ${sci(stds[0]!)}, layer ${stds.length} std ${sci(stds.at(-1)!)}`
    lineChart(stdC, [{ name: 'std', color: '#4e79a7', ys: stds }], { xLabel: 'layer', yLabel: 'std', logY: true })
    table.replaceChildren(
      el('tr', {}, el('th', {}, 'layer'), el('th', {}, 'mean'), el('th', {}, 'std')),
      ...layers.map((l, i) => el('tr', {}, el('td', {}, String(i + 1)), el('td', {}, sci(l.activations.mean)), el('td', {}, sci(l.activations.std)))),
    )
    hists.replaceChildren(...layers.map((l, i) => {
      const c = el('canvas', { width: 110, height: 90 })
      drawHistogram(c, l.activations, s.activation === 'tanh' ? '#4e79a7' : '#f28e2b', s.activation === 'relu')
      return el('figure', {}, c, el('figcaption', {}, `L${i + 1}: std ${sci(l.activations.std)}`))
    }))
    root.dataset['settings'] = JSON.stringify(s)
    root.dataset['stds'] = JSON.stringify(stds)
    root.dataset['means'] = JSON.stringify(layers.map((l) => l.activations.mean))
    root.dataset['counts'] = JSON.stringify(layers.map((l) => l.activations.histogram.counts))
  }
  // one computation per frame however fast the slider moves
  const schedule = (): void => {
    // the numbers shown are stale from now until the frame recomputes them
    delete root.dataset['stds']
    if (pending) return
    pending = true
    requestAnimationFrame(recompute)
  }
  for (const c of [act, init]) c.addEventListener('change', schedule)
  scale.addEventListener('input', schedule)
  schedule()
}
