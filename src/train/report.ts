/**
 * The training report as pure data: SVG pictures of the history (loss curve, train/validation
 * accuracy, update/weight ratios), the first-layer weights as an RGBA image (one tile per hidden
 * unit), and an HTML page that shows them. Writing files (and PNG encoding) is the CLI's job.
 */
import { escapeXml, linePlot, niceTicks, palette, percentRange, spansDecades, toSvg, type Series } from '../plot/svg.js'
import type { Tensor } from '../core/Tensor.js'
import type { Check } from './diagnostics.js'
import type { History } from './TrainState.js'

/**
 * Mean of each run of `k` values, placed at the middle of the steps it covers (steps are 1-based:
 * the run of steps i+1 … i+len is drawn at i + (len + 1)/2).
 */
export function smooth(xs: readonly number[], k: number): { x: number[]; y: number[] } {
  const x: number[] = []
  const y: number[] = []
  for (let i = 0; i < xs.length; i += k) {
    const part = xs.slice(i, i + k)
    x.push(i + (part.length + 1) / 2)
    y.push(part.reduce((a, b) => a + b, 0) / part.length)
  }
  return { x, y }
}

/**
 * The running mean centred on each step: at step s, the mean of steps s − h … s + h (k = 2h + 1
 * values), only where the whole window fits, so the curve lies on top of the steps it averages.
 */
export function runningMean(xs: readonly number[], k: number): { x: number[]; y: number[] } {
  const h = Math.floor(k / 2)
  const x: number[] = []
  const y: number[] = []
  let sum = 0
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i]!
    if (i >= 2 * h + 1) sum -= xs[i - 2 * h - 1]!
    if (i >= 2 * h) {
      x.push(i - h + 1)
      y.push(sum / (2 * h + 1))
    }
  }
  return { x, y }
}

/** The running-mean window used by lossSvg: about 5% of the run, odd, 1 for runs under 20 steps. */
export function lossWindow(steps: number): number {
  return 2 * Math.floor(Math.max(1, Math.round(steps / 20)) / 2) + 1
}

/** The training loss per step as an SVG plot, with a centred running mean. */
export function lossSvg(h: History): string {
  const steps = h.loss.map((_, i) => i * (h.every ?? 1) + 1)
  const k = lossWindow(h.loss.length)
  const series: Series[] = [{ name: 'loss per step', x: steps, y: [...h.loss], color: '#bab0ac', markers: false }]
  if (k > 1) {
    const rm = runningMean(h.loss, k)
    series.push({ name: `mean of ${k} steps, centred`, x: rm.x, y: rm.y, color: palette[0], markers: false })
  }
  return toSvg(linePlot(series, { title: 'Training loss', xLabel: 'step', yLabel: 'loss', logY: spansDecades(h.loss), integerX: true, width: 560, height: 340 }))
}

/** Accuracy in percent on a range from a round ten below the lowest value up to 100 (`percentRange`). */
export function accuracySvg(h: History): string {
  const ep = h.epochs.map((e) => e.epoch + 1)
  const series: Series[] = [{ name: 'train', x: ep, y: h.epochs.map((e) => 100 * e.trainAccuracy), color: palette[0] }]
  const val = h.epochs.filter((e) => e.validationAccuracy !== undefined)
  if (val.length > 0) series.push({ name: 'validation', x: val.map((e) => e.epoch + 1), y: val.map((e) => 100 * e.validationAccuracy!), color: palette[1] })
  const fractions = [...h.epochs.map((e) => e.trainAccuracy), ...val.map((e) => e.validationAccuracy!)]
  return toSvg(linePlot(series, { title: 'Accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy (%)', yRange: percentRange(fractions), width: 560, height: 340, integerX: true }))
}

/** Each parameter's update/parameter norm ratio per step as an SVG plot, with the 1e-3 rule of thumb. */
export function ratioSvg(h: History): string {
  const names = Object.keys(h.ratio)
  const k = Math.max(1, Math.round(h.loss.length / 100))
  const series: Series[] = names.map((n, i) => {
    const sm = smooth(h.ratio[n]!.map((v) => (Number.isFinite(v) && v > 0 ? v : NaN)), k)
    return { name: n, x: sm.x, y: sm.y, color: palette[i % palette.length]!, markers: false }
  })
  const steps = h.loss.length
  series.push({ name: '1e-3 (rule of thumb)', x: [1, Math.max(2, steps)], y: [1e-3, 1e-3], color: '#000000', markers: false, dashed: true })
  return toSvg(linePlot(series, { title: `‖update‖ / ‖weight‖ per parameter${k > 1 ? ` (mean of ${k} steps)` : ''}`, xLabel: 'step', yLabel: 'ratio', logY: true, integerX: true, width: 560, height: 340 }))
}

/** The learning rate per step as an SVG plot. */
export function learningRateSvg(h: History): string {
  return toSvg(linePlot([{ name: 'learning rate', x: h.learningRate.map((_, i) => i * (h.every ?? 1) + 1), y: [...h.learningRate], color: palette[4], markers: false }],
    { title: 'Learning rate', xLabel: 'step', yLabel: 'lr', width: 560, height: 300, legend: false, integerX: true }))
}

const sig = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(3))) : String(v))
const pc = (v: number): string => `${(100 * v).toFixed(1)}%`
const medianOf = (xs: readonly number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** Captions that say what this run's pictures show, computed from its history. */
export function captions(h: History): { loss: string; accuracy: string; ratios: string; learningRate: string } {
  const n = h.loss.length
  const k = lossWindow(n)
  const rm = runningMean(h.loss, k)
  const first = rm.y[0] ?? h.loss[0] ?? NaN
  const last = rm.y.at(-1) ?? h.loss.at(-1) ?? NaN
  const loss = n === 0 ? 'No steps were taken.'
    : `Training loss at each of ${n} steps (grey)${k > 1 ? ` and its running mean over ${k} steps, centred on each step (blue)` : ''}, ${spansDecades(h.loss) ? 'log scale (it spans more than two decades)' : 'linear scale'}: ` +
      `from ${sig(first)} to ${sig(last)}${Number.isFinite(first) && Number.isFinite(last) && first > 0 ? ` (×${sig(last / first)})` : ''}.`
  const ep = h.epochs
  const e = ep.at(-1)
  const gap = e?.validationAccuracy === undefined ? undefined : e.trainAccuracy - e.validationAccuracy
  const accuracy = e === undefined ? 'No epoch was completed.'
    : `Accuracy after each of ${ep.length} epoch${ep.length === 1 ? '' : 's'}: train ${pc(ep[0]!.trainAccuracy)} → ${pc(e.trainAccuracy)}` +
      (e.validationAccuracy === undefined ? '.' : `, validation ${pc(ep[0]!.validationAccuracy ?? NaN)} → ${pc(e.validationAccuracy)}; ` +
        (gap! >= 0 ? `train above validation by ${(100 * gap!).toFixed(1)} points at the end${gap! > 0.05 ? ' (overfitting: more regularization or data would help)' : ''}.` : `validation above train by ${(-100 * gap!).toFixed(1)} points at the end.`))
  const rs = Object.entries(h.ratio).map(([name, r]) => `${name} ${sig(medianOf(r.slice(-100)))}`)
  const ratios = `‖update‖/‖weight‖ per parameter (log scale) against the ~10⁻³ rule of thumb (dashed); medians of the last ${Math.min(100, n)} steps: ${rs.join(', ')}.`
  const lr = h.learningRate
  const learningRate = lr.length === 0 ? 'No steps were taken.' : `Learning rate per step: ${sig(lr[0]!)} at step 1, ${sig(lr.at(-1)!)} at step ${lr.length}.`
  return { loss, accuracy, ratios, learningRate }
}

/** A 2-D classifier's decision regions on a grid, the training points on top. */
export interface Boundary {
  /** [x0, x1, y0, y1] of the grid. */
  readonly extent: readonly [number, number, number, number]
  readonly grid: number
  /** Predicted class per cell, row 0 at the top (y1). */
  readonly cls: ArrayLike<number>
  /** Probability of the predicted class per cell. */
  readonly prob: ArrayLike<number>
  readonly points: { readonly x: ArrayLike<number>; readonly y: ArrayLike<number> }
  readonly classes: number
}

/** The decision boundary as SVG: cells tinted by predicted class (paler where less sure), points as dots. */
export function boundarySvg(b: Boundary, title = 'Decision boundary'): string {
  const size = 360
  const m = { l: 56, r: 12, t: 26, b: 36 }
  const [x0, x1, y0, y1] = b.extent
  const cell = size / b.grid
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * size
  const py = (y: number) => m.t + ((y1 - y) / (y1 - y0)) * size
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
  const out: string[] = [`<rect x="0" y="0" width="${size + m.l + m.r}" height="${size + m.t + m.b}" fill="white"/>`]
  for (let r = 0; r < b.grid; r++)
    for (let c = 0; c < b.grid; c++) {
      const i = r * b.grid + c
      const col = rgb(palette[b.cls[i]! % palette.length]!)
      const t = Math.max(0, Math.min(1, (b.prob[i]! - 1 / b.classes) / (1 - 1 / b.classes)))
      const a = 0.25 + 0.5 * t
      const mix = col.map((v) => Math.round(255 * (1 - a) + v * a))
      out.push(`<rect x="${(m.l + c * cell).toFixed(1)}" y="${(m.t + r * cell).toFixed(1)}" width="${(cell + 0.4).toFixed(1)}" height="${(cell + 0.4).toFixed(1)}" fill="rgb(${mix.join(',')})"/>`)
    }
  for (let i = 0; i < b.points.y.length; i++)
    out.push(`<circle cx="${px(b.points.x[2 * i]!).toFixed(1)}" cy="${py(b.points.x[2 * i + 1]!).toFixed(1)}" r="2.6" fill="${palette[b.points.y[i]! % palette.length]}" stroke="white" stroke-width="0.8"/>`)
  out.push(`<rect x="${m.l}" y="${m.t}" width="${size}" height="${size}" fill="none" stroke="#444"/>`)
  const tick = (v: number) => String(Number(v.toPrecision(3))).replace('-', '−')
  for (const v of niceTicks(x0, x1, 4)) out.push(`<line x1="${px(v).toFixed(1)}" x2="${px(v).toFixed(1)}" y1="${m.t + size}" y2="${m.t + size + 4}" stroke="#444"/><text x="${px(v).toFixed(1)}" y="${m.t + size + 15}" font-family="sans-serif" font-size="10" text-anchor="middle">${tick(v)}</text>`)
  for (const v of niceTicks(y0, y1, 4)) out.push(`<line x1="${m.l - 4}" x2="${m.l}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#444"/><text x="${m.l - 6}" y="${(py(v) + 3.5).toFixed(1)}" font-family="sans-serif" font-size="10" text-anchor="end">${tick(v)}</text>`)
  out.push(`<text x="${m.l + size / 2}" y="${m.t + size + 31}" font-family="sans-serif" font-size="11" text-anchor="middle">x₁ (first input)</text>`)
  out.push(`<text x="14" y="${m.t + size / 2}" font-family="sans-serif" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${m.t + size / 2})">x₂ (second input)</text>`)
  out.push(`<text x="${(m.l + size / 2)}" y="16" font-family="sans-serif" font-size="12" font-weight="bold" text-anchor="middle">${escapeXml(title)}</text>`)
  return toSvg({ width: size + m.l + m.r, height: size + m.t + m.b, body: out.join('\n') })
}

/** An RGBA image: width, height and row-major bytes. */
export interface Raster {
  readonly width: number
  readonly height: number
  /** RGBA bytes, row-major. */
  readonly data: Uint8Array
}

/**
 * The first-layer weights W [H·W·C, units] as a grid of tiles, one per unit (column), each scaled
 * to its own min..max (grey levels for one channel). `scale` repeats pixels for visibility.
 */
export function weightTiles(w: Tensor, image: readonly [h: number, w: number, c: number], o: { columns?: number; scale?: number; maxTiles?: number } = {}): Raster {
  const [ih, iw, ic] = image
  const [d, units] = w.shape as [number, number]
  if (d !== ih * iw * ic) throw new RangeError(`weightTiles: W has ${d} rows, expected ${ih}·${iw}·${ic} = ${ih * iw * ic}`)
  const n = Math.min(units, o.maxTiles ?? 100)
  const cols = o.columns ?? Math.ceil(Math.sqrt(n))
  const rows = Math.ceil(n / cols)
  const s = o.scale ?? 3
  const pad = 2
  const tw = iw * s + pad
  const th = ih * s + pad
  const width = cols * tw + pad
  const height = rows * th + pad
  const data = new Uint8Array(width * height * 4).fill(255)
  for (let u = 0; u < n; u++) {
    let lo = Infinity
    let hi = -Infinity
    for (let i = 0; i < d; i++) ((lo = Math.min(lo, w.data[i * units + u]!)), (hi = Math.max(hi, w.data[i * units + u]!)))
    const span = hi - lo || 1
    const ox = pad + (u % cols) * tw
    const oy = pad + Math.floor(u / cols) * th
    for (let r = 0; r < ih; r++)
      for (let c = 0; c < iw; c++) {
        const rgb = [0, 1, 2].map((k) => Math.round((255 * (w.data[((r * iw + c) * ic + (ic === 3 ? k : 0)) * units + u]! - lo)) / span))
        for (let dy = 0; dy < s; dy++)
          for (let dx = 0; dx < s; dx++) {
            const p = ((oy + r * s + dy) * width + ox + c * s + dx) * 4
            data[p] = rgb[0]!
            data[p + 1] = rgb[1]!
            data[p + 2] = rgb[2]!
            data[p + 3] = 255
          }
      }
  }
  return { width, height, data }
}

/**
 * Convolution filters w [F, C, KH, KW] as tiles, one per filter (grey for one channel, colour for
 * three, channel 0 otherwise), each scaled to its own range; or feature maps [F, H, W] the same way.
 */
export function filterTiles(w: Tensor, o: { columns?: number; scale?: number; maxTiles?: number } = {}): Raster {
  const [f, c, kh, kw] = (w.shape.length === 3 ? [w.shape[0]!, 1, w.shape[1]!, w.shape[2]!] : w.shape) as [number, number, number, number]
  if (w.shape.length !== 3 && w.shape.length !== 4) throw new RangeError(`filterTiles: expected [F, C, KH, KW] or [F, H, W], got [${w.shape.join(',')}]`)
  const ic = c === 3 ? 3 : 1
  const cols = new Float64Array(kh * kw * ic * f)
  for (let u = 0; u < f; u++)
    for (let k = 0; k < ic; k++)
      for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) cols[((p * kw + q) * ic + k) * f + u] = w.data[((u * c + k) * kh + p) * kw + q]!
  return weightTiles({ shape: [kh * kw * ic, f], data: cols }, [kh, kw, ic], { scale: o.scale ?? Math.max(3, Math.round(48 / Math.max(kh, kw))), ...o })
}

/** What the report page shows: title, facts, checks and captioned pictures. */
export interface ReportPage {
  readonly title: string
  /** Key facts, shown as a table. */
  readonly facts: readonly (readonly [string, string])[]
  readonly checks: readonly Check[]
  /** The hazards block (symgrad check's lines), when the run analyzed its graph. */
  readonly hazards?: readonly string[]
  /** Pictures: file name (relative to the page) and caption. */
  readonly images: readonly { readonly file: string; readonly caption: string }[]
}

/** The report page: title, facts, checks and pictures as HTML. */
export function reportHtml(p: ReportPage): string {
  const facts = p.facts.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('\n')
  const checks = p.checks.map((c) => `<li class="${c.ok ? 'ok' : 'warn'}">${c.ok ? '✓' : '⚠'} ${escapeXml(c.message)}</li>`).join('\n')
  const imgs = p.images.map((i) => `<figure><img src="${escapeXml(i.file)}" alt="${escapeXml(i.caption)}"><figcaption>${escapeXml(i.caption)}</figcaption></figure>`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(p.title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1300px;margin:2em auto;color:#222}
table{border-collapse:collapse;max-width:100%}th,td{padding:2px 12px;text-align:left;vertical-align:top;border-bottom:1px solid #eee}
td{overflow-wrap:anywhere;white-space:pre-wrap}th{white-space:nowrap}
li.ok{color:#2d6a2d}li.warn{color:#a04000}figure{display:inline-block;margin:1em;vertical-align:top}
figcaption{font-size:90%;color:#555;max-width:640px}img{border:1px solid #ddd;image-rendering:pixelated}
</style></head><body>
<h1>${escapeXml(p.title)}</h1>
<table>${facts}</table>
<h2>Babysitting checks</h2>
<ul>${checks}</ul>
${p.hazards === undefined ? '' : `<h2>Hazards</h2>\n<ul>${p.hazards.map((l) => `<li class="${l.startsWith('hazards: none') ? 'ok' : 'warn'}">${escapeXml(l)}</li>`).join('\n')}</ul>\n`}<h2>Pictures</h2>
${imgs}
</body></html>
`
}
