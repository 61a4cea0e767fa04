/**
 * The Babysitting gallery panel (lectures 5–6; lossfunctions.tumblr.com): small runs on the spiral,
 * each set up to give one classic loss-curve shape, trained in this page one after the other, with
 * the library's own checks of each run printed beside its curve, whatever they say.
 */
import { nn } from '../../src/index.js'
import { el } from './dom.js'
import { galleryRuns, startGalleryRun, type GalleryResult, type GalleryRun } from './galleryRuns.js'
import { lineChart } from './lineChart.js'

const describeInit = (i: nn.InitScheme): string => (typeof i === 'object' ? `std ${i.std}` : i)

function settingsLine(r: GalleryRun): string {
  return `2-${r.hidden.join('-')}-3 ${r.activation}, ${describeInit(r.init)} init, ${r.optimizer === 'sgd' ? 'SGD' : 'Adam'} lr ${r.lr}, ${r.steps} steps, full batch of ${r.trainSize} (${300 - r.trainSize} validate)`
}

interface Card {
  readonly root: HTMLElement
  readonly loss: HTMLCanvasElement
  readonly acc: HTMLCanvasElement
  readonly status: HTMLElement
  readonly checks: HTMLUListElement
}

function card(r: GalleryRun): Card {
  const loss = el('canvas', { class: 'g-loss', width: 380, height: 190 })
  const acc = el('canvas', { class: 'g-acc', width: 380, height: 150 })
  const status = el('div', { class: 'status g-status' }, 'waiting…')
  const checks = el('ul', { class: 'warnings g-checks' })
  const root = el('div', { class: 'g-card', 'data-run': r.id },
    el('h3', {}, r.title), el('p', { class: 'g-shape' }, `Expected: ${r.shape}.`), el('p', { class: 'g-settings' }, settingsLine(r)),
    loss, acc, status, el('div', { class: 'g-diagnosis-head' }, 'The library’s diagnosis (train.checkInitialLoss, diagnoseRun, checkDeadRelus):'), checks)
  return { root, loss, acc, status, checks }
}

function draw(c: Card, g: GalleryResult): void {
  const h = g.state.history
  const stopped = g.state.status === 'nonFinite'
  // the loss of the step that went non-finite is not in the history: the ✕ marks where the run stopped
  lineChart(c.loss, [{ name: 'training loss', color: '#4e79a7', ys: h.loss, endsNonFinite: stopped }], { xLabel: 'step', yLabel: 'loss' })
  lineChart(c.acc, [
    { name: 'train', color: '#4e79a7', ys: g.trainAccuracy.map((a) => 100 * a) },
    { name: 'validation', color: '#e15759', ys: g.validationAccuracy.map((a) => 100 * a) },
  ], { xLabel: 'epoch', yLabel: 'accuracy %', yRange: [0, 100], yTick: (v) => `${v}%` })
  const last = (xs: readonly number[]) => (xs.length > 0 ? `${(100 * xs.at(-1)!).toFixed(1)}%` : '—')
  c.status.textContent = `step ${g.state.step}: loss ${h.loss.at(-1)?.toPrecision(4) ?? '—'}, train ${last(g.trainAccuracy)}, validation ${last(g.validationAccuracy)}${stopped ? ' — stopped: not finite' : ''}`
  c.root.dataset['losses'] = JSON.stringify(h.loss)
  c.root.dataset['status'] = g.state.status
  c.root.dataset['step'] = String(g.state.step)
  if (g.checks.length === 0) return
  // lines the library gives for information only (biases' update ratios) are left out; the list keeps the checks that judge
  const shown = g.checks.filter((k) => k.info !== true)
  c.checks.replaceChildren(...shown.map((k) => el('li', { class: k.ok ? 'ok' : 'warn' }, `${k.ok ? '✓' : '⚠'} ${k.message}`)))
  c.root.dataset['checks'] = JSON.stringify(g.checks.map((k) => ({ name: k.name, ok: k.ok, message: k.message })))
}

export function galleryPanel(root: HTMLElement): void {
  const cards = galleryRuns.map(card)
  const status = el('div', { id: 'g-progress', class: 'status' }, 'training…')
  root.append(
    el('p', { class: 'lede' }, 'Six small runs on the spiral (3 classes, 300 points), trained in this page with the library, each set up to give one of the classic loss curves of lectures 5–6. Under each curve are the library’s own babysitting checks of that run, exactly as it reports them, right or wrong: read them against the shape of the curve. A red ✕ marks the last finite loss of a run stopped by a non-finite value.'),
    status,
    el('div', { class: 'g-grid' }, ...cards.map((c) => c.root)),
  )
  let k = 0
  let run = startGalleryRun(galleryRuns[0]!)
  const t0 = performance.now()
  const tick = (): void => {
    const g = run.next(25)
    if (g !== undefined) draw(cards[k]!, g)
    if (g === undefined || g.checks.length > 0) {
      k++
      if (k === galleryRuns.length) {
        status.textContent = `${galleryRuns.length} runs trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`
        root.dataset['done'] = 'true'
        return
      }
      run = startGalleryRun(galleryRuns[k]!)
    }
    setTimeout(tick, 0)
  }
  setTimeout(tick, 0)
}
