/**
 * The SVM vs softmax panel (lecture 3, the CS231n linear-classifier demo): three classes in 2-D,
 * weights and biases on sliders, points you can drag, both losses and every example's term side
 * by side from the library, and a nudge of one example's correct-class score: once its margins
 * hold, the hinge stays at 0 while the softmax term keeps moving.
 */
import { el } from './dom.js'
import { classColors } from './classifier.js'
import { lineChart } from './lineChart.js'
import { initialState, linearLosses, type LinearState } from './linearLosses.js'

const extent = 1.2
const rgb = (k: number, a = 1): string => `rgba(${classColors[k]!.join(',')},${a})`
const num = (v: number): string => (Math.abs(v) < 5e-13 ? '0' : v.toFixed(3))

function slider(id: string, lo: number, hi: number, value: number): HTMLInputElement {
  return el('input', { id, type: 'range', min: lo, max: hi, step: 0.05, value: String(value), style: 'width:120px' })
}

function drawPlane(c: HTMLCanvasElement, s: LinearState, selected: number): void {
  const ctx = c.getContext('2d')!
  const [W, H] = [c.width, c.height]
  const px = (x: number) => ((x + extent) / (2 * extent)) * W
  const py = (y: number) => ((extent - y) / (2 * extent)) * H
  const img = ctx.createImageData(W, H)
  for (let j = 0; j < H; j++)
    for (let i = 0; i < W; i++) {
      const x = -extent + ((i + 0.5) / W) * 2 * extent
      const y = extent - ((j + 0.5) / H) * 2 * extent
      const sc = [0, 1, 2].map((k) => x * s.W[0]![k]! + y * s.W[1]![k]! + s.b[k]!)
      const col = classColors[sc.indexOf(Math.max(...sc))]!
      for (let c = 0; c < 3; c++) img.data[4 * (j * W + i) + c] = Math.round(255 * 0.78 + col[c]! * 0.22)
      img.data[4 * (j * W + i) + 3] = 255
    }
  ctx.putImageData(img, 0, 0)
  // each class's zero-score line w·x + b = 0, with an arrow along w (the side where its score grows)
  for (let k = 0; k < 3; k++) {
    const [a, bb, c0] = [s.W[0]![k]!, s.W[1]![k]!, s.b[k]!]
    const n2 = a * a + bb * bb
    if (n2 < 1e-12) continue
    const [fx, fy] = [(-c0 * a) / n2, (-c0 * bb) / n2]
    const [dx, dy] = [-bb / Math.sqrt(n2), a / Math.sqrt(n2)]
    ctx.strokeStyle = rgb(k)
    ctx.lineWidth = 2
    ctx.beginPath()
    ctx.moveTo(px(fx - 4 * dx), py(fy - 4 * dy))
    ctx.lineTo(px(fx + 4 * dx), py(fy + 4 * dy))
    ctx.stroke()
    const [ux, uy] = [a / Math.sqrt(n2), bb / Math.sqrt(n2)]
    // the arrow starts 0.6 along the line from its point nearest the origin, so the three do not meet there
    const [ax, ay] = [fx + 0.6 * dx, fy + 0.6 * dy]
    const [tx, ty] = [ax + 0.25 * ux, ay + 0.25 * uy]
    ctx.beginPath()
    ctx.moveTo(px(ax), py(ay))
    ctx.lineTo(px(tx), py(ty))
    ctx.lineTo(px(tx - 0.06 * ux + 0.04 * dx), py(ty - 0.06 * uy + 0.04 * dy))
    ctx.moveTo(px(tx), py(ty))
    ctx.lineTo(px(tx - 0.06 * ux - 0.04 * dx), py(ty - 0.06 * uy - 0.04 * dy))
    ctx.stroke()
  }
  ctx.font = 'bold 12px sans-serif'
  ctx.textAlign = 'center'
  s.x.forEach(([x, y], i) => {
    ctx.beginPath()
    ctx.arc(px(x), py(y), 9, 0, 2 * Math.PI)
    ctx.fillStyle = rgb(s.y[i]!)
    ctx.fill()
    ctx.lineWidth = i === selected ? 3 : 1.5
    ctx.strokeStyle = i === selected ? '#000' : 'white'
    ctx.stroke()
    ctx.fillStyle = 'white'
    ctx.fillText(String(i), px(x), py(y) + 4)
  })
  ctx.lineWidth = 1
}

export function svmSoftmaxPanel(root: HTMLElement): void {
  let s: LinearState = initialState
  let selected = 0
  const plane = el('canvas', { id: 'sv-plane', width: 380, height: 380, style: 'touch-action:none;cursor:grab' })
  const wSliders = [0, 1].map((i) => [0, 1, 2].map((k) => slider(`sv-w-${i}-${k}`, -5, 5, s.W[i]![k]!)))
  const bSliders = [0, 1, 2].map((k) => slider(`sv-b-${k}`, -3, 3, s.b[k]!))
  const values = [0, 1, 2].map(() => el('td', { class: 'sv-values' }))
  const weights = el('table', { class: 'trace sv-weights' },
    el('tr', {}, el('th', {}, 'class'), el('th', {}, 'w₁ (x weight)'), el('th', {}, 'w₂ (y weight)'), el('th', {}, 'bias b'), el('th', {}, 'w₁, w₂, b')),
    ...[0, 1, 2].map((k) => el('tr', {}, el('td', {}, el('span', { class: 'sv-dot', style: `background:${rgb(k)}` }), ` ${k}`), el('td', {}, wSliders[0]![k]!), el('td', {}, wSliders[1]![k]!), el('td', {}, bSliders[k]!), values[k]!)))
  const examples = el('table', { id: 'sv-examples', class: 'trace' })
  const totals = el('div', { id: 'sv-totals', class: 'sv-totals' })
  const pick = el('select', { id: 'sv-pick' }, ...s.x.map((_, i) => el('option', { value: String(i) }, `example ${i}`)))
  const nudge = el('input', { id: 'sv-nudge', type: 'range', min: -3, max: 3, step: 0.01, value: '0', style: 'width:220px' })
  const nudgeText = el('span', { class: 'status' })
  const curve = el('canvas', { id: 'sv-curve', width: 560, height: 240 })
  root.append(
    el('p', { class: 'lede' }, 'Three classes in the plane, scored by s = x·W + b (W is 2×3). Drag the points, move the weights; both losses and each example’s term are computed by the library (nn.svmMargins, svmLoss, softmaxCrossEntropyPerExample, softmaxCrossEntropy). Then nudge one example’s correct-class score: once it beats every other score by the margin 1, its hinge term is 0 and stays 0, while its softmax term keeps changing — softmax is never fully satisfied.'),
    el('div', { class: 'row' },
      el('figure', {}, plane, el('figcaption', {}, 'shaded: the class with the highest score; lines: where each class’s score is 0, the arrow pointing to where it grows; drag a point to move it')),
      el('div', {}, weights, totals)),
    el('h3', {}, 'Every example’s scores and loss terms'), el('div', { class: 'sv-scroll' }, examples),
    el('h3', {}, 'Nudge one correct-class score'),
    el('div', { class: 'controls' }, el('label', {}, 'add δ to the correct score of ', pick), el('label', {}, 'δ ', nudge), nudgeText),
    el('figure', {}, curve, el('figcaption', {}, 'the selected example’s two loss terms as its correct-class score moves by δ (dashed: the δ set)')),
  )
  const render = (): void => {
    const r = linearLosses(s)
    drawPlane(plane, s, selected)
    values.forEach((v, k) => (v.textContent = `${s.W[0]![k]!.toFixed(2)}, ${s.W[1]![k]!.toFixed(2)}, ${s.b[k]!.toFixed(2)}`))
    examples.replaceChildren(
      el('tr', {}, ...['#', 'x₁', 'x₂', 'class', 's₀', 's₁', 's₂', 'SVM term Σⱼ max(0, sⱼ − s_y + 1)', 'softmax term −log p_y'].map((h) => el('th', {}, h))),
      ...s.x.map(([a, b], i) => el('tr', { class: i === selected ? 'current' : '', 'data-example': i },
        ...[String(i), a.toFixed(2), b.toFixed(2), String(s.y[i])].map((t) => el('td', {}, t)),
        ...r.scores[i]!.map((v, k) => el('td', k === s.y[i] ? { class: 'sv-correct' } : {}, num(v))),
        el('td', { class: r.svmTerms[i] === 0 ? 'sv-zero' : '' }, num(r.svmTerms[i]!)), el('td', {}, num(r.softmaxTerms[i]!)))),
    )
    totals.replaceChildren(
      el('div', {}, 'SVM loss (mean of the terms) = ', el('b', { id: 'sv-svm' }, num(r.svm))),
      el('div', {}, 'softmax loss (mean of the terms) = ', el('b', { id: 'sv-softmax' }, num(r.softmax))))
    const d = s.nudge[selected]!
    nudgeText.textContent = `δ = ${d.toFixed(2)}: example ${selected}’s SVM term ${num(r.svmTerms[selected]!)}, softmax term ${num(r.softmaxTerms[selected]!)}`
    const ds = Array.from({ length: 121 }, (_, i) => -3 + i * 0.05)
    const at = ds.map((v) => linearLosses({ ...s, nudge: s.nudge.map((u, i) => (i === selected ? v : u)) }))
    lineChart(curve, [
      { name: 'SVM term', color: '#e15759', xs: ds, ys: at.map((a) => a.svmTerms[selected]!) },
      { name: 'softmax term', color: '#4e79a7', xs: ds, ys: at.map((a) => a.softmaxTerms[selected]!) },
    ], { xLabel: 'δ added to the correct-class score', logY: false, marker: d })
    root.dataset['state'] = JSON.stringify(s)
    root.dataset['losses'] = JSON.stringify(r)
  }
  const setW = (i: number, k: number, v: number): void => {
    s = { ...s, W: s.W.map((row, ii) => row.map((w, kk) => (ii === i && kk === k ? v : w)) as unknown as [number, number, number]) }
  }
  wSliders.forEach((row, i) => row.forEach((sl, k) => sl.addEventListener('input', () => (setW(i, k, Number(sl.value)), render()))))
  bSliders.forEach((sl, k) => sl.addEventListener('input', () => ((s = { ...s, b: s.b.map((v, kk) => (kk === k ? Number(sl.value) : v)) as unknown as [number, number, number] }), render())))
  const select = (i: number): void => {
    selected = i
    pick.value = String(i)
    nudge.value = String(s.nudge[i])
    render()
  }
  pick.addEventListener('change', () => select(Number(pick.value)))
  examples.addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest('tr[data-example]') as HTMLElement | null
    if (row !== null) select(Number(row.dataset['example']))
  })
  nudge.addEventListener('input', () => ((s = { ...s, nudge: s.nudge.map((u, i) => (i === selected ? Number(nudge.value) : u)) }), render()))
  // dragging: the nearest point within 14 px follows the pointer
  let dragging: number | undefined
  const toPlane = (e: PointerEvent): [number, number] => {
    const r = plane.getBoundingClientRect()
    const clamp = (v: number) => Math.max(-extent, Math.min(extent, v))
    return [clamp(-extent + ((e.clientX - r.left) / r.width) * 2 * extent), clamp(extent - ((e.clientY - r.top) / r.height) * 2 * extent)]
  }
  plane.addEventListener('pointerdown', (e) => {
    const [x, y] = toPlane(e)
    const r = plane.getBoundingClientRect()
    const dist = s.x.map(([a, b]) => Math.hypot(a - x, b - y) * (r.width / (2 * extent)))
    const i = dist.indexOf(Math.min(...dist))
    if (dist[i]! > 14) return
    dragging = i
    plane.setPointerCapture(e.pointerId)
    select(i)
  })
  plane.addEventListener('pointermove', (e) => {
    if (dragging === undefined) return
    const p = toPlane(e)
    s = { ...s, x: s.x.map((q, i) => (i === dragging ? p : q)) }
    render()
  })
  plane.addEventListener('pointerup', () => void (dragging = undefined))
  render()
}
