/**
 * A tiny dependency-free SVG writer: line plots (linear or log axes, legends), histograms,
 * heatmaps, and small multiples. Every function returns a `Panel` (a size and an SVG fragment in
 * local coordinates); `grid` lays panels out, `toSvg` wraps one into a document. Pure strings, no
 * DOM, so it runs in Node and in a browser alike.
 */

export interface Panel {
  readonly width: number
  readonly height: number
  /** SVG elements in the panel's own coordinates (origin at its top left). */
  readonly body: string
}

/** One line of a plot: name, x and y values, colour, markers, dashes. */
export interface Series {
  readonly name: string
  readonly x: readonly number[]
  readonly y: readonly number[]
  readonly color?: string
  readonly dashed?: boolean
  /** Draw a dot at each point (default true when there are at most 30 points). */
  readonly markers?: boolean
  /** Join the points with a line (default true; false for a scatter plot). */
  readonly line?: boolean
  /** A colour per point (markers only), e.g. a third variable through `ramp`. */
  readonly pointColors?: readonly string[]
}

/** Options of a plot's axes: title, axis labels, size. */
export interface AxesOptions {
  readonly title?: string
  readonly xLabel?: string
  readonly yLabel?: string
  readonly width?: number
  readonly height?: number
  readonly logX?: boolean
  readonly logY?: boolean
  /** Fixed axis ranges; by default the data's range, padded a little so nothing touches the frame. */
  readonly xRange?: readonly [number, number]
  readonly yRange?: readonly [number, number]
  /** Ticks on whole numbers only (epochs, counts). */
  readonly integerX?: boolean
}

/** Options of `linePlot`. */
export interface LineOptions extends AxesOptions {
  /**
   * Legend: true or 'right' = in a column right of the plot (the panel grows by `legendWidth`,
   * by default the longest name's width), so it never covers data; false = none. Default: shown
   * when there is more than one series.
   */
  readonly legend?: boolean | 'right'
  readonly legendWidth?: number
}

/** A categorical palette (Tableau 10). */
export const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const

/** Text with &, <, >, " and ' escaped for SVG and HTML. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Tick labels: three significant digits, exponents outside 1e-3 … 1e4, the minus sign −. */
const fmt = (v: number): string => {
  if (v === 0) return '0'
  const a = Math.abs(v)
  const t = a >= 1e4 || a < 1e-3 ? v.toExponential(0).replace('e+', 'e') : String(Number(v.toPrecision(3)))
  return t.replace(/-/g, '−')
}

/** Log-axis labels: powers of ten as 1e−5 … 1e3 when the axis spans three decades or more. */
const fmtLog = (lo: number, hi: number) => (v: number): string => {
  const e = Math.round(Math.log10(v))
  return hi / lo >= 1e3 && Math.abs(v - 10 ** e) < 1e-9 * v && e !== 0 ? `1e${e}`.replace('-', '−') : fmt(v)
}

function text(x: number, y: number, s: string, o: { anchor?: 'start' | 'middle' | 'end'; size?: number; rotate?: boolean; bold?: boolean } = {}): string {
  const rot = o.rotate ? ` transform="rotate(-90 ${x} ${y})"` : ''
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="sans-serif" font-size="${o.size ?? 11}" text-anchor="${o.anchor ?? 'middle'}"${o.bold ? ' font-weight="bold"' : ''}${rot}>${escapeXml(s)}</text>`
}

/** Round tick values covering [lo, hi] (about `n` of them); whole numbers only with `integer`. */
export function niceTicks(lo: number, hi: number, n = 5, integer = false): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / n
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = Math.max(integer ? 1 : 0, ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag)
  const out: number[] = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t)
  return out
}

/**
 * Ticks of a log axis: the powers of ten in [lo, hi] (every k-th when there are many), and 2× and
 * 5× between them when the range spans under two decades, so a short range still has several
 * labelled ticks.
 */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo))
  const b = Math.ceil(Math.log10(hi))
  const every = Math.max(1, Math.ceil((b - a) / 6))
  const mults = Math.log10(hi / lo) < 2 ? [1, 2, 5] : [1]
  const out: number[] = []
  for (let e = a; e <= b; e += every)
    for (const m of mults) {
      const v = Number((m * 10 ** e).toPrecision(12))
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v)
    }
  if (out.length >= 2) return out
  // under a factor of ~2.5: round values on a linear grid
  return niceTicks(lo, hi, 3).filter((v) => v > 0)
}

/** A mapping of data values to plot coordinates. */
export interface Scale {
  /** The pixel coordinate of data value v (linear, or in log10 v on a log axis). */
  readonly at: (v: number) => number
  /** Round data values to draw ticks at, inside the axis's range. */
  readonly ticks: number[]
  /** A tick's label, short enough for a narrow margin (1e6, not 1000000). */
  readonly label: (v: number) => string
}

function range(vals: readonly number[], log: boolean, fixed: readonly [number, number] | undefined): [number, number] {
  if (fixed) return [fixed[0], fixed[1]]
  const v = vals.filter((x) => Number.isFinite(x) && (!log || x > 0))
  if (v.length === 0) return log ? [1, 10] : [0, 1]
  let lo = v.reduce((a, b) => Math.min(a, b), Infinity)
  let hi = v.reduce((a, b) => Math.max(a, b), -Infinity)
  if (log) {
    if (lo === hi) return [lo / 2, hi * 2]
    const pad = (hi / lo) ** 0.04
    return [lo / pad, hi * pad]
  }
  if (lo === hi) return [lo - 1, hi + 1]
  const pad = (hi - lo) * 0.04
  return [lo - pad, hi + pad]
}

function scale(lo: number, hi: number, log: boolean, p0: number, p1: number, integer = false): Scale {
  if (log) {
    const [a, b] = [Math.log10(lo), Math.log10(hi)]
    return { at: (v) => p0 + ((Math.log10(v) - a) / (b - a || 1)) * (p1 - p0), ticks: logTicks(lo, hi), label: fmtLog(lo, hi) }
  }
  return { at: (v) => p0 + ((v - lo) / (hi - lo || 1)) * (p1 - p0), ticks: niceTicks(lo, hi, 5, integer), label: fmt }
}

/**
 * An axis for `values` mapped onto pixels p0 → p1 (p0 > p1 for a y axis): the data's range padded a
 * little (or `range`), round ticks, labels that fit a narrow margin (1e6, not 1000000). The SVG plots
 * and the playground's canvases use the same one.
 */
export function axisScale(values: readonly number[], o: { readonly log?: boolean; readonly range?: readonly [number, number]; readonly integer?: boolean }, p0: number, p1: number): Scale {
  const [lo, hi] = range(values, o.log ?? false, o.range)
  return scale(lo, hi, o.log ?? false, p0, p1, o.integer ?? false)
}

/** Whether a curve wants a log axis: its values are positive and span more than `decades` (default 2) decades. */
export function spansDecades(values: readonly number[], decades = 2): boolean {
  const v = values.filter(Number.isFinite)
  if (v.length === 0 || v.some((x) => x <= 0)) return false
  return Math.max(...v) / Math.min(...v) > 10 ** decades
}

/**
 * The y range, in percent, for fractions in [0, 1]: up to 100, down to the round ten at least 5 points
 * below the lowest value (0.980…0.986 shows on 90…100, 0.36…0.52 on 30…100), so a small wobble at
 * the top is not stretched into a cliff.
 */
export function percentRange(fractions: readonly number[]): [number, number] {
  const v = fractions.filter(Number.isFinite)
  const low = v.length === 0 ? 0 : Math.min(...v) * 100
  return [Math.max(0, Math.floor((low - 5) / 10) * 10), 100]
}

/** An axis label, saying so when the axis is logarithmic. */
const axisLabel = (label: string, log: boolean | undefined): string => (log ? `${label} (log scale)` : label)

const margin = { left: 52, right: 12, top: 24, bottom: 38 }

/** Frame, ticks, labels and title; returns the scales for the plot area. */
function axes(o: AxesOptions, xs: readonly number[], ys: readonly number[]): { sx: Scale; sy: Scale; body: string[]; w: number; h: number } {
  const w = o.width ?? 360
  const h = o.height ?? 240
  const [x0, x1] = range(xs, o.logX ?? false, o.xRange)
  const [y0, y1] = range(ys, o.logY ?? false, o.yRange)
  const sx = scale(x0, x1, o.logX ?? false, margin.left, w - margin.right, o.integerX ?? false)
  const sy = scale(y0, y1, o.logY ?? false, h - margin.bottom, margin.top)
  const b: string[] = [`<rect x="0" y="0" width="${w}" height="${h}" fill="white"/>`]
  b.push(`<rect x="${margin.left}" y="${margin.top}" width="${w - margin.left - margin.right}" height="${h - margin.top - margin.bottom}" fill="none" stroke="#444"/>`)
  for (const t of sx.ticks) {
    const px = sx.at(t)
    b.push(`<line x1="${px.toFixed(1)}" y1="${h - margin.bottom}" x2="${px.toFixed(1)}" y2="${h - margin.bottom + 4}" stroke="#444"/>`)
    b.push(text(px, h - margin.bottom + 15, sx.label(t), { size: 10 }))
  }
  for (const t of sy.ticks) {
    const py = sy.at(t)
    b.push(`<line x1="${margin.left - 4}" y1="${py.toFixed(1)}" x2="${w - margin.right}" y2="${py.toFixed(1)}" stroke="#ddd"/>`)
    b.push(text(margin.left - 6, py + 3.5, sy.label(t), { size: 10, anchor: 'end' }))
  }
  if (o.title) b.push(text(w / 2, 15, o.title, { size: 12, bold: true }))
  if (o.xLabel) b.push(text((margin.left + w - margin.right) / 2, h - 6, axisLabel(o.xLabel, o.logX)))
  if (o.yLabel) b.push(text(13, (margin.top + h - margin.bottom) / 2, axisLabel(o.yLabel, o.logY), { rotate: true }))
  return { sx, sy, body: b, w, h }
}

/** Lines through each series' points; non-finite points (and ≤ 0 on log axes) break the line. */
export function linePlot(series: readonly Series[], o: LineOptions = {}): Panel {
  const { sx, sy, body, w, h } = axes(o, series.flatMap((s) => s.x), series.flatMap((s) => s.y))
  series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length]!
    const ok = (k: number) => Number.isFinite(s.x[k]!) && Number.isFinite(s.y[k]!) && (!o.logY || s.y[k]! > 0) && (!o.logX || s.x[k]! > 0)
    let d = ''
    let pen = false
    for (let k = 0; k < s.x.length; k++) {
      if (!ok(k)) {
        pen = false
        continue
      }
      d += `${pen ? 'L' : 'M'}${sx.at(s.x[k]!).toFixed(1)},${sy.at(s.y[k]!).toFixed(1)}`
      pen = true
    }
    if (s.line ?? true) body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`)
    if (s.markers ?? (s.x.length <= 30 || s.line === false))
      for (let k = 0; k < s.x.length; k++)
        if (ok(k)) body.push(`<circle cx="${sx.at(s.x[k]!).toFixed(1)}" cy="${sy.at(s.y[k]!).toFixed(1)}" r="${s.pointColors ? 5 : s.line === false ? 3.5 : 2.5}" fill="${s.pointColors?.[k] ?? color}"${s.pointColors ? ' stroke="#333" stroke-width="0.5"' : s.line === false ? ' fill-opacity="0.8"' : ''}/>`)
  })
  const legend = o.legend ?? series.length > 1
  // the legend has a column of its own, right of the plot: it never covers data
  const extra = legend === false ? 0 : (o.legendWidth ?? 34 + 6 * Math.max(...series.map((s) => s.name.length)))
  if (legend !== false)
    series.forEach((s, i) => {
      const y = margin.top + 12 + i * 14
      const x = w + 4
      const color = s.color ?? palette[i % palette.length]!
      body.push(s.line === false
        ? `<circle cx="${x + 9}" cy="${y - 4}" r="3.5" fill="${color}"/>`
        : `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`)
      body.push(text(x + 22, y, s.name, { size: 10, anchor: 'start' }))
    })
  if (extra > 0) body.unshift(`<rect x="${w}" y="0" width="${extra}" height="${h}" fill="white"/>`)
  return { width: w + extra, height: h, body: body.join('\n') }
}

/** The data of a histogram plot: bin edges and counts. */
export interface HistogramData {
  /** Bin edges, one more than counts. */
  readonly edges: readonly number[]
  readonly counts: readonly number[]
}

/** Bars of a histogram; `normalize` shows fractions instead of counts. */
export function histogramPlot(hist: HistogramData, o: AxesOptions & { readonly color?: string; readonly normalize?: boolean } = {}): Panel {
  const total = hist.counts.reduce((a, b) => a + b, 0) || 1
  const ys = hist.counts.map((c) => (o.normalize ? c / total : c))
  const yTop = o.yRange ?? ([0, Math.max(...ys, 1e-12) * 1.05] as const)
  const { sx, sy, body, w, h } = axes({ ...o, yRange: yTop }, hist.edges, ys)
  ys.forEach((v, i) => {
    const xa = sx.at(hist.edges[i]!)
    const xb = sx.at(hist.edges[i + 1]!)
    const y = sy.at(Math.min(v, yTop[1]))
    body.push(`<rect x="${xa.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, xb - xa - 0.5).toFixed(1)}" height="${Math.max(0, sy.at(yTop[0]) - y).toFixed(1)}" fill="${o.color ?? palette[0]}"/>`)
  })
  return { width: w, height: h, body: body.join('\n') }
}

/** Colour for t in [0, 1] on a dark-blue → yellow ramp (viridis-like, 5 stops interpolated). */
export function ramp(t: number): string {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]]
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1)
  const i = Math.min(stops.length - 2, Math.floor(u))
  const f = u - i
  const c = stops[i]!.map((v, k) => Math.round(v + (stops[i + 1]![k]! - v) * f))
  return `rgb(${c.join(',')})`
}

/** A matrix as coloured cells (row 0 at the top), with optional row/column labels. */
export function heatmap(values: readonly (readonly number[])[], o: { readonly title?: string; readonly width?: number; readonly height?: number; readonly range?: readonly [number, number]; readonly rowLabels?: readonly string[]; readonly colLabels?: readonly string[] } = {}): Panel {
  const w = o.width ?? 360
  const h = o.height ?? 240
  const rows = values.length
  const cols = Math.max(0, ...values.map((r) => r.length))
  const flat = values.flat().filter(Number.isFinite)
  const [lo, hi] = o.range ?? [Math.min(...flat), Math.max(...flat)]
  const cw = (w - margin.left - margin.right) / Math.max(1, cols)
  const ch = (h - margin.top - margin.bottom) / Math.max(1, rows)
  const b: string[] = [`<rect x="0" y="0" width="${w}" height="${h}" fill="white"/>`]
  values.forEach((r, i) =>
    r.forEach((v, j) => {
      b.push(`<rect x="${(margin.left + j * cw).toFixed(1)}" y="${(margin.top + i * ch).toFixed(1)}" width="${(cw + 0.3).toFixed(1)}" height="${(ch + 0.3).toFixed(1)}" fill="${ramp((v - lo) / (hi - lo || 1))}"/>`)
    }),
  )
  o.rowLabels?.forEach((s, i) => b.push(text(margin.left - 4, margin.top + (i + 0.5) * ch + 3.5, s, { size: 10, anchor: 'end' })))
  o.colLabels?.forEach((s, j) => b.push(text(margin.left + (j + 0.5) * cw, h - margin.bottom + 14, s, { size: 10 })))
  if (o.title) b.push(text(w / 2, 15, o.title, { size: 12, bold: true }))
  b.push(text(w - margin.right, h - 6, `${fmt(lo)} … ${fmt(hi)}`, { size: 10, anchor: 'end' }))
  return { width: w, height: h, body: b.join('\n') }
}

/** Small multiples: panels in rows of `columns` (each row as tall as its tallest panel), with an optional title. */
export function grid(panels: readonly Panel[], o: { readonly columns: number; readonly title?: string; readonly gap?: number }): Panel {
  const gap = o.gap ?? 6
  const top = o.title ? 28 : 0
  const rows = Math.ceil(panels.length / o.columns)
  const colW = Array.from({ length: o.columns }, (_, c) => Math.max(0, ...panels.filter((_, i) => i % o.columns === c).map((p) => p.width)))
  const rowH = Array.from({ length: rows }, (_, r) => Math.max(0, ...panels.slice(r * o.columns, (r + 1) * o.columns).map((p) => p.height)))
  const width = colW.reduce((a, b) => a + b + gap, 0) - gap
  const b: string[] = []
  if (o.title) b.push(text(width / 2, 20, o.title, { size: 15, bold: true }))
  panels.forEach((p, i) => {
    const c = i % o.columns
    const r = Math.floor(i / o.columns)
    const x = colW.slice(0, c).reduce((a, w) => a + w + gap, 0)
    const y = top + rowH.slice(0, r).reduce((a, h) => a + h + gap, 0)
    b.push(`<g transform="translate(${x},${y})">\n${p.body}\n</g>`)
  })
  return { width, height: top + rowH.reduce((a, h) => a + h + gap, 0) - gap, body: b.join('\n') }
}

/** A standalone SVG document. */
export function toSvg(p: Panel): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}">\n<rect width="100%" height="100%" fill="white"/>\n${p.body}\n</svg>\n`
}
