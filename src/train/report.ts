/**
 * The training report as pure data: SVG pictures of the history (loss curve, train/validation
 * accuracy, update/weight ratios), the first-layer weights as an RGBA image (one tile per hidden
 * unit), and an HTML page that shows them. Writing files (and PNG encoding) is the CLI's job.
 */
import { escapeXml, linePlot, palette, toSvg, type Series } from '../plot/svg.js'
import type { Tensor } from '../core/Tensor.js'
import type { Check } from './diagnostics.js'
import type { History } from './TrainState.js'

/** Mean of each run of `k` values (to show a readable loss curve next to the raw one). */
export function smooth(xs: readonly number[], k: number): { x: number[]; y: number[] } {
  const x: number[] = []
  const y: number[] = []
  for (let i = 0; i < xs.length; i += k) {
    const part = xs.slice(i, i + k)
    x.push(i + part.length / 2)
    y.push(part.reduce((a, b) => a + b, 0) / part.length)
  }
  return { x, y }
}

export function lossSvg(h: History): string {
  const steps = h.loss.map((_, i) => i + 1)
  const k = Math.max(1, Math.round(h.loss.length / 50))
  const sm = smooth(h.loss, k)
  return toSvg(linePlot([
    { name: 'loss per step', x: steps, y: [...h.loss], color: '#bab0ac', markers: false },
    { name: `mean of ${k} steps`, x: sm.x, y: sm.y, color: palette[0], markers: false },
  ], { title: 'Training loss', xLabel: 'step', yLabel: 'loss', logY: h.loss.every((v) => v > 0), width: 560, height: 340 }))
}

export function accuracySvg(h: History): string {
  const ep = h.epochs.map((e) => e.epoch + 1)
  const series: Series[] = [{ name: 'train', x: ep, y: h.epochs.map((e) => e.trainAccuracy), color: palette[0] }]
  const val = h.epochs.filter((e) => e.validationAccuracy !== undefined)
  if (val.length > 0) series.push({ name: 'validation', x: val.map((e) => e.epoch + 1), y: val.map((e) => e.validationAccuracy!), color: palette[1] })
  return toSvg(linePlot(series, { title: 'Accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy', width: 640, height: 340, legend: 'right', legendWidth: 110 }))
}

export function ratioSvg(h: History): string {
  const names = Object.keys(h.ratio)
  const series: Series[] = names.map((n, i) => {
    const sm = smooth(h.ratio[n]!.map((v) => (Number.isFinite(v) && v > 0 ? v : NaN)), Math.max(1, Math.round(h.loss.length / 100)))
    return { name: n, x: sm.x, y: sm.y, color: palette[i % palette.length]!, markers: false }
  })
  const steps = h.loss.length
  series.push({ name: '1e-3 (rule of thumb)', x: [1, Math.max(2, steps)], y: [1e-3, 1e-3], color: '#000000', markers: false, dashed: true })
  return toSvg(linePlot(series, { title: '‖update‖ / ‖weight‖ per parameter', xLabel: 'step', yLabel: 'ratio', logY: true, width: 620, height: 340, legend: 'right', legendWidth: 170 }))
}

export function learningRateSvg(h: History): string {
  return toSvg(linePlot([{ name: 'learning rate', x: h.learningRate.map((_, i) => i + 1), y: [...h.learningRate], color: palette[4], markers: false }],
    { title: 'Learning rate', xLabel: 'step', yLabel: 'lr', width: 560, height: 300, legend: false }))
}

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

export interface ReportPage {
  readonly title: string
  /** Key facts, shown as a table. */
  readonly facts: readonly (readonly [string, string])[]
  readonly checks: readonly Check[]
  /** Pictures: file name (relative to the page) and caption. */
  readonly images: readonly { readonly file: string; readonly caption: string }[]
}

export function reportHtml(p: ReportPage): string {
  const facts = p.facts.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('\n')
  const checks = p.checks.map((c) => `<li class="${c.ok ? 'ok' : 'warn'}">${c.ok ? '✓' : '⚠'} ${escapeXml(c.message)}</li>`).join('\n')
  const imgs = p.images.map((i) => `<figure><img src="${escapeXml(i.file)}" alt="${escapeXml(i.caption)}"><figcaption>${escapeXml(i.caption)}</figcaption></figure>`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(p.title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1300px;margin:2em auto;color:#222}
table{border-collapse:collapse}th,td{padding:2px 12px;text-align:left;border-bottom:1px solid #eee}
li.ok{color:#2d6a2d}li.warn{color:#a04000}figure{display:inline-block;margin:1em;vertical-align:top}
figcaption{font-size:90%;color:#555;max-width:640px}img{border:1px solid #ddd;image-rendering:pixelated}
</style></head><body>
<h1>${escapeXml(p.title)}</h1>
<table>${facts}</table>
<h2>Babysitting checks</h2>
<ul>${checks}</ul>
<h2>Pictures</h2>
${imgs}
</body></html>
`
}
