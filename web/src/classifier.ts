/**
 * The Classifier panel (lectures 5–6; the ConvNetJS / TensorFlow Playground experience): 2-D data,
 * a network of your choice trained live in a Web Worker, the loss curve, the decision boundary as
 * a heat map under the points, and the babysitting checks as they happen.
 */
import * as E from 'fp-ts/lib/Either.js'
import { axisScale, spansDecades } from '../../src/plot/svg.js'
import { el } from './dom.js'
import { clearMarks, markField } from './marks.js'
import { readRunForm } from './runFields.js'
import { defaultSettings, type Points, type Progress } from './trainer.js'

declare const WORKER_SOURCE: string

export const classColors = [[78, 121, 167], [242, 142, 43], [225, 87, 89]] as const

function select(id: string, options: readonly string[], value: string): HTMLSelectElement {
  return el('select', { id }, ...options.map((o) => el('option', o === value ? { value: o, selected: true } : { value: o }, o)))
}

export function classifierPanel(root: HTMLElement): void {
  const d = defaultSettings
  const data = select('cl-data', ['spiral', 'xor', 'circles'], d.data)
  const hidden = el('input', { id: 'cl-hidden', value: d.hidden.join(','), size: 8 })
  const act = select('cl-activation', ['relu', 'tanh', 'sigmoid', 'leakyRelu'], d.activation)
  const init = select('cl-init', ['he', 'xavier', 'small'], d.init)
  const bn = el('input', { id: 'cl-bn', type: 'checkbox' })
  const std = el('input', { id: 'cl-standardize', type: 'checkbox' })
  const keep = el('input', { id: 'cl-keep', type: 'number', value: String(d.keep), min: 0.1, max: 1, step: 0.05, style: 'width:4em' })
  const opt = select('cl-optimizer', ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'], d.optimizer)
  const lr = el('input', { id: 'cl-lr', value: String(d.lr), size: 6 })
  const l2 = el('input', { id: 'cl-l2', value: String(d.l2), size: 6 })
  const start = el('button', { id: 'cl-train' }, 'Train')
  const stop = el('button', { id: 'cl-stop' }, 'Stop')
  const status = el('div', { id: 'cl-status', class: 'status' }, 'press Train')
  const boundary = el('canvas', { id: 'cl-boundary', width: 360, height: 360 })
  const lossC = el('canvas', { id: 'cl-loss', width: 420, height: 220 })
  const warnings = el('ul', { id: 'cl-warnings', class: 'warnings' })
  const lossCaption = el('figcaption', { id: 'cl-loss-caption' }, 'training loss per step')
  root.append(
    el('p', { class: 'lede' }, 'A small network learns 2-D data in a Web Worker, in this page. The heat map is the class the network predicts at each point (paler where it is less sure); the checks below are the lecture-5/6 babysitting rules, reported as soon as they apply.'),
    el('div', { class: 'controls' },
      el('label', {}, 'data ', data), el('label', {}, 'hidden layers ', hidden), el('label', {}, 'activation ', act), el('label', {}, 'init ', init),
      el('label', {}, std, ' standardize inputs (a fitted first layer)'), el('label', {}, bn, ' batch norm'), el('label', {}, 'dropout keep ', keep)),
    el('div', { class: 'controls' },
      el('label', {}, 'optimizer ', opt), el('label', {}, 'learning rate ', lr), el('label', {}, 'L2 λ ', l2), start, stop),
    status,
    el('div', { class: 'row' },
      el('figure', {}, boundary, el('figcaption', {}, 'decision boundary: predicted class, paler where less sure; dots: training points')),
      el('figure', {}, lossC, lossCaption)),
    el('h3', {}, 'Babysitting'), warnings,
  )
  let worker: Worker | undefined
  let runId = 0
  let points: Points | undefined
  let losses: number[] = []
  // every field read strictly (the CLI's codecs and limits): a bad one is marked and nothing runs
  const settings = () => readRunForm({
    data: data.value, hidden: hidden.value, activation: act.value, init: init.value, standardize: std.checked, batchNorm: bn.checked,
    keep: keep.value, optimizer: opt.value, lr: lr.value, l2: l2.value,
  }, { seed: d.seed, maxSteps: d.maxSteps })
  /** Clears every result of the previous run: status, boundary, loss chart, checks. */
  const clearResults = (): void => {
    delete status.dataset['step']
    delete status.dataset['trainAccuracy']
    delete status.dataset['error']
    for (const c of [boundary, lossC]) {
      const ctx = c.getContext('2d')!
      ctx.fillStyle = 'white'
      ctx.fillRect(0, 0, c.width, c.height)
    }
    lossCaption.textContent = 'training loss per step'
    warnings.replaceChildren()
    losses = []
    points = undefined
  }
  const onMessage = (m: Points | Progress | { type: 'error'; message: string }): void => {
    if (m.type === 'error') {
      status.dataset['error'] = m.message
      return void (status.textContent = `error: ${m.message}`)
    }
    if (m.type === 'points') {
      points = m
      return
    }
    losses = losses.concat(m.losses)
    const acc = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '—')
    status.textContent = `step ${m.step}: loss ${losses.at(-1)?.toFixed(4) ?? '—'}, train accuracy ${acc(m.trainAccuracy)}, validation accuracy ${acc(m.validationAccuracy)}${m.done ? ' (done)' : ''}`
    status.dataset['trainAccuracy'] = String(m.trainAccuracy)
    status.dataset['step'] = String(m.step)
    if (points !== undefined) drawBoundary(boundary, m.boundary, points)
    lossCaption.textContent = `training loss per step (${drawLoss(lossC, losses) ? 'log axis: the loss spans more than two decades' : 'linear axis'})`
    warnings.replaceChildren(...m.warnings.map((w) => el('li', { class: w.ok ? 'ok' : 'warn' }, `${w.ok ? '✓' : '⚠'} step ${w.step}: ${w.text}`)))
  }
  start.addEventListener('click', () => {
    // a new run (or a refused one) ends the previous one and clears its results at once
    const id = ++runId
    worker?.postMessage({ type: 'stop' })
    clearResults()
    clearMarks(root)
    const s = settings()
    if (E.isLeft(s)) {
      markField(document.getElementById(s.left.field) ?? hidden, s.left.message)
      status.dataset['error'] = s.left.message
      return void (status.textContent = `not started: ${s.left.message}`)
    }
    worker ??= new Worker(URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' })))
    // messages of an earlier run still in flight are dropped (also after a refused start, which took a new id)
    worker.onmessage = (e: MessageEvent) => void ((e.data as { runId?: number }).runId === runId && onMessage(e.data as Points | Progress))
    status.textContent = 'training…'
    worker.postMessage({ type: 'start', runId: id, settings: s.right })
  })
  stop.addEventListener('click', () => worker?.postMessage({ type: 'stop' }))
}

function drawBoundary(c: HTMLCanvasElement, b: Progress['boundary'], p: Points): void {
  const ctx = c.getContext('2d')!
  const img = ctx.createImageData(b.grid, b.grid)
  const floor = 1 / p.classes
  for (let i = 0; i < b.grid * b.grid; i++) {
    const col = classColors[b.cls[i]! % classColors.length]!
    // confidence above chance, 0..1: white at chance, the class colour (lightened) when sure
    const t = Math.max(0, Math.min(1, (b.prob[i]! - floor) / (1 - floor)))
    const a = 0.25 + 0.5 * t
    for (let k = 0; k < 3; k++) img.data[4 * i + k] = Math.round(255 * (1 - a) + col[k]! * a)
    img.data[4 * i + 3] = 255
  }
  const off = new OffscreenCanvas(b.grid, b.grid)
  off.getContext('2d')!.putImageData(img, 0, 0)
  ctx.imageSmoothingEnabled = true
  ctx.drawImage(off, 0, 0, c.width, c.height)
  const [x0, x1, y0, y1] = b.extent
  for (let i = 0; i < p.y.length; i++) {
    const px = ((p.x[2 * i]! - x0) / (x1 - x0)) * c.width
    const py = ((y1 - p.x[2 * i + 1]!) / (y1 - y0)) * c.height
    const col = classColors[p.y[i]! % classColors.length]!
    ctx.beginPath()
    ctx.arc(px, py, 3.2, 0, 2 * Math.PI)
    ctx.fillStyle = `rgb(${col.join(',')})`
    ctx.fill()
    ctx.strokeStyle = 'white'
    ctx.lineWidth = 1
    ctx.stroke()
  }
}

/**
 * Loss per step with the library's axis (src/plot/svg.ts, as the CLI report draws it): a log axis
 * when the loss spans more than two decades, round ticks whose labels fit the margin (1e6, not
 * 1000000). Returns whether the axis is logarithmic.
 */
export function drawLoss(c: HTMLCanvasElement, losses: readonly number[]): boolean {
  const ctx = c.getContext('2d')!
  const [W, H] = [c.width, c.height]
  const m = { l: 46, r: 10, t: 10, b: 30 }
  ctx.fillStyle = 'white'
  ctx.fillRect(0, 0, W, H)
  const ys = losses.filter(Number.isFinite)
  if (ys.length === 0) return false
  const log = spansDecades(ys)
  const sy = axisScale(ys, { log }, H - m.b, m.t)
  const n = Math.max(2, losses.length)
  const sx = (i: number) => m.l + (i / (n - 1)) * (W - m.l - m.r)
  ctx.font = '11px sans-serif'
  ctx.fillStyle = '#333'
  ctx.strokeStyle = '#ddd'
  ctx.textAlign = 'right'
  for (const v of sy.ticks) {
    ctx.beginPath()
    ctx.moveTo(m.l, sy.at(v))
    ctx.lineTo(W - m.r, sy.at(v))
    ctx.stroke()
    ctx.fillText(sy.label(v), m.l - 4, sy.at(v) + 4)
  }
  ctx.textAlign = 'center'
  // round step numbers (integers) under their own positions: step s is at index s − 1
  const xs = Math.max(1, niceStep(n / 4))
  ctx.fillText('1', sx(0), H - m.b + 14)
  for (let s = xs; s <= n; s += xs) if (sx(s - 1) - sx(0) > 24) ctx.fillText(String(s), sx(s - 1), H - m.b + 14)
  ctx.fillText(log ? 'step (loss on a log axis)' : 'step', (m.l + W - m.r) / 2, H - 4)
  ctx.strokeStyle = '#444'
  ctx.strokeRect(m.l, m.t, W - m.l - m.r, H - m.t - m.b)
  ctx.strokeStyle = '#4e79a7'
  ctx.lineWidth = 1.5
  ctx.beginPath()
  let pen = false
  losses.forEach((v, i) => {
    // a non-finite loss (or ≤ 0 on a log axis) breaks the line
    if (!Number.isFinite(v) || (log && v <= 0)) return void (pen = false)
    if (pen) ctx.lineTo(sx(i), sy.at(v))
    else ctx.moveTo(sx(i), sy.at(v))
    pen = true
  })
  ctx.stroke()
  ctx.lineWidth = 1
  return log
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1
  const mag = 10 ** Math.floor(Math.log10(raw))
  return ([1, 2, 5, 10].find((k) => k * mag >= raw) ?? 10) * mag
}
