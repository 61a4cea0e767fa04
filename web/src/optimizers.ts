/**
 * The Optimizers panel: example 05's race on the ravine f = (1−x)² + 20(y−x²)², run here in the
 * page (each first-order optimizer at the best learning rate of its grid, and L-BFGS), animated
 * over the loss contours in log time, each path in its own colour, with a legend.
 */
import { colors, raceAll, ravine, start, target, type Run } from '../../examples/05-optimizers.js'
import { contours, sampleGrid } from '../../src/plot/contour.js'
import { el } from './dom.js'

const view = { x0: -2, x1: 2, y0: -1, y1: 4 } as const
const levels = Array.from({ length: 13 }, (_, k) => 10 ** (-3 + k * 0.4))
/** 1e-6 as 1·10⁻⁶ (superscript digits). */
const sci = (v: number): string => {
  const [m, e] = v.toExponential(1).split('e')
  const sup = (e ?? '0').replace('+', '').replace(/[-0-9]/g, (ch) => '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'['-0123456789'.indexOf(ch)]!)
  return `${m === '1.0' ? '' : `${m}·`}10${sup}`
}

export function optimizersPanel(root: HTMLElement): void {
  const canvas = el('canvas', { id: 'opt-canvas', width: 520, height: 520 })
  const legend = el('ul', { id: 'opt-legend', class: 'legend' })
  const replay = el('button', { id: 'opt-replay' }, 'Race')
  const status = el('div', { id: 'opt-status', class: 'status' })
  root.append(
    el('p', { class: 'lede' }, `Example 05's race, computed in this page: from (${start.join(', ').replace(/-/g, '−')}), every optimizer descends the ravine f = (1−x)² + 20(y−x²)² toward its minimum at (1, 1). Steps are replayed in log time (1, 2, 4, … 3000), so the first steps are as visible as the last.`),
    el('div', { class: 'controls' }, replay), status,
    el('div', { class: 'row' }, el('figure', {}, canvas, el('figcaption', {}, `loss contours at ${levels.length} log-spaced levels from ${levels[0]} to ${Math.round(levels.at(-1)!)}; black dot: start; circle: minimum`)), legend),
  )
  let runs: Run[] | undefined
  let frame = 0
  let timer: number | undefined
  const background = contourImage(canvas)
  const play = (): void => {
    runs ??= raceAll()
    legend.replaceChildren(...runs.map((r) =>
      el('li', {}, el('span', { class: 'swatch', style: `background:${colors[r.name]}` }),
        `${r.name} ${r.learningRate === null ? '(line search)' : `lr ${r.learningRate}`}: ${r.stepsToTarget === null ? `not at f ≤ ${sci(target)} in ${r.path.length - 1} steps (f = ${sci(r.losses.at(-1)!)})` : `f ≤ ${sci(target)} after ${r.stepsToTarget} steps`}`)))
    frame = 0
    canvas.dataset['done'] = 'false'
    if (timer !== undefined) cancelAnimationFrame(timer)
    const longest = Math.max(...runs.map((r) => r.path.length))
    const tick = (): void => {
      const upTo = Math.min(longest, Math.round(1.09 ** frame))
      draw(canvas, background, runs!, upTo)
      status.textContent = `step ${Math.min(upTo, longest - 1)} of ${longest - 1}`
      frame++
      if (upTo < longest) timer = requestAnimationFrame(tick)
      else canvas.dataset['done'] = 'true'
    }
    tick()
  }
  replay.addEventListener('click', play)
  play()
}

const sx = (c: HTMLCanvasElement, x: number) => ((x - view.x0) / (view.x1 - view.x0)) * c.width
const sy = (c: HTMLCanvasElement, y: number) => ((view.y1 - y) / (view.y1 - view.y0)) * c.height

function contourImage(c: HTMLCanvasElement): ImageData {
  const ctx = c.getContext('2d')!
  ctx.fillStyle = 'white'
  ctx.fillRect(0, 0, c.width, c.height)
  ctx.strokeStyle = '#c8c8c8'
  ctx.lineWidth = 1
  ctx.beginPath()
  for (const lv of contours(sampleGrid(ravine, [view.x0, view.x1], [view.y0, view.y1], 160, 160), levels))
    for (const [a, b, c2, d] of lv.segments) {
      ctx.moveTo(sx(c, a), sy(c, b))
      ctx.lineTo(sx(c, c2), sy(c, d))
    }
  ctx.stroke()
  ctx.fillStyle = '#555'
  ctx.font = '11px sans-serif'
  for (const t of [-2, -1, 0, 1, 2]) ctx.fillText(String(t).replace('-', '−'), sx(c, t) + 2, c.height - 4)
  for (const t of [0, 1, 2, 3]) ctx.fillText(String(t), 3, sy(c, t) - 2)
  ctx.font = 'italic 13px sans-serif'
  ctx.fillText('x', c.width - 14, c.height - 4)
  ctx.fillText('y', 4, 14)
  return ctx.getImageData(0, 0, c.width, c.height)
}

function draw(c: HTMLCanvasElement, bg: ImageData, runs: readonly Run[], upTo: number): void {
  const ctx = c.getContext('2d')!
  ctx.putImageData(bg, 0, 0)
  for (const r of runs) {
    ctx.strokeStyle = colors[r.name] ?? '#000'
    ctx.lineWidth = 2
    ctx.beginPath()
    r.path.slice(0, upTo).forEach(([x, y], i) => {
      const [px, py] = [sx(c, x), sy(c, y)]
      if (i === 0) ctx.moveTo(px, py)
      else ctx.lineTo(px, py)
    })
    ctx.stroke()
    const [hx, hy] = r.path[Math.min(upTo, r.path.length) - 1]!
    ctx.fillStyle = colors[r.name] ?? '#000'
    ctx.beginPath()
    ctx.arc(sx(c, hx), sy(c, hy), 4, 0, 2 * Math.PI)
    ctx.fill()
  }
  ctx.fillStyle = 'black'
  ctx.beginPath()
  ctx.arc(sx(c, start[0]), sy(c, start[1]), 5, 0, 2 * Math.PI)
  ctx.fill()
  ctx.strokeStyle = 'black'
  ctx.beginPath()
  ctx.arc(sx(c, 1), sy(c, 1), 6, 0, 2 * Math.PI)
  ctx.stroke()
}
