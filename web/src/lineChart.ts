/**
 * A small line chart on a canvas for the teaching panels: several series over one x axis, a linear
 * or log y axis with round ticks, an optional vertical marker, a legend. Non-finite points break a
 * line (and a series that ends non-finite gets a red ✕ at its last finite point).
 */
import { spansDecades } from '../../src/plot/svg.js'

export interface Series {
  readonly name: string
  readonly color: string
  /** x of each point (default 1, 2, 3…). */
  readonly xs?: readonly number[]
  readonly ys: readonly number[]
  /** Draw a ✕ after the last finite point (a run stopped by a non-finite value). */
  readonly endsNonFinite?: boolean
}

export interface ChartOptions {
  readonly xLabel: string
  readonly yLabel?: string
  /** Log y axis; default: when the finite values span more than two decades. */
  readonly logY?: boolean
  /** Fixed y range (linear axes). */
  readonly yRange?: readonly [number, number]
  /** Format of y tick labels (default: up to 3 significant digits). */
  readonly yTick?: (v: number) => string
  /** A vertical line at this x. */
  readonly marker?: number
}


export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1
  const mag = 10 ** Math.floor(Math.log10(raw))
  return ([1, 2, 5, 10].find((k) => k * mag >= raw) ?? 10) * mag
}

function tickText(v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  return a >= 1e4 || a < 1e-3 ? v.toExponential(0).replace('e+', 'e') : String(Number(v.toPrecision(3)))
}

/** Draws the series; returns the y-axis kind used. */
export function lineChart(c: HTMLCanvasElement, series: readonly Series[], o: ChartOptions): 'log' | 'linear' {
  const ctx = c.getContext('2d')!
  const [W, H] = [c.width, c.height]
  // several series: the legend sits in the top margin, above the plot, never over a curve
  const m = { l: 52, r: 10, t: series.length > 1 ? 24 : 10, b: 34 }
  ctx.fillStyle = 'white'
  ctx.fillRect(0, 0, W, H)
  const pts = series.map((s) => s.ys.map((y, i) => [s.xs?.[i] ?? i + 1, y] as const))
  const finite = pts.flat().filter(([, y]) => Number.isFinite(y))
  if (finite.length === 0) return 'linear'
  const xsAll = finite.map(([x]) => x)
  const [x0, x1] = [Math.min(...xsAll, o.marker ?? Infinity), Math.max(...xsAll, o.marker ?? -Infinity)]
  const ys = finite.map(([, y]) => y)
  const positive = ys.filter((y) => y > 0)
  // the library's rule (src/plot/svg.ts), as the CLI report and the classifier's chart decide it
  const log = o.logY ?? (o.yRange === undefined && spansDecades(ys))
  const f = (y: number) => (log ? Math.log10(y) : y)
  let [lo, hi] = o.yRange ?? [Math.min(0, ...ys.map(f)), Math.max(...ys.map(f))]
  if (log) [lo, hi] = [Math.floor(Math.min(...positive.map(f))), Math.ceil(Math.max(...positive.map(f)))]
  if (!(hi > lo)) hi = lo + 1
  if (!log && o.yRange === undefined) hi += 0.05 * (hi - lo)
  const sx = (x: number) => m.l + (x1 > x0 ? (x - x0) / (x1 - x0) : 0.5) * (W - m.l - m.r)
  const sy = (y: number) => H - m.b - ((f(y) - lo) / (hi - lo)) * (H - m.t - m.b)
  ctx.font = '12px sans-serif'
  ctx.fillStyle = '#333'
  ctx.strokeStyle = '#e4e4e4'
  ctx.textAlign = 'right'
  const tick = (v: number, text: string): void => {
    const y = H - m.b - ((v - lo) / (hi - lo)) * (H - m.t - m.b)
    ctx.beginPath()
    ctx.moveTo(m.l, y)
    ctx.lineTo(W - m.r, y)
    ctx.stroke()
    ctx.fillText(text, m.l - 4, y + 4)
  }
  if (log) {
    // decades, and 2 and 5 within them when there are only one or two
    const step = Math.max(1, Math.ceil((hi - lo) / 6))
    for (let d = lo; d <= hi; d += step) {
      tick(d, hi - lo <= 2 ? tickText(10 ** d) : `1e${d}`)
      if (hi - lo <= 2 && d < hi) for (const k of [2, 5]) tick(d + Math.log10(k), tickText(k * 10 ** d))
    }
  } else {
    const step = niceStep((hi - lo) / 4)
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) tick(v, (o.yTick ?? tickText)(Number(v.toPrecision(12))))
  }
  ctx.textAlign = 'center'
  const xStep = niceStep((x1 - x0) / 5)
  for (let v = Math.ceil(x0 / xStep) * xStep; v <= x1 + 1e-9; v += xStep) ctx.fillText(tickText(Number(v.toPrecision(12))), sx(v), H - m.b + 15)
  ctx.fillText(o.xLabel + (log ? '   (log y axis)' : ''), (m.l + W - m.r) / 2, H - 4)
  if (o.yLabel !== undefined) {
    ctx.save()
    ctx.translate(11, (m.t + H - m.b) / 2)
    ctx.rotate(-Math.PI / 2)
    ctx.fillText(o.yLabel, 0, 0)
    ctx.restore()
  }
  ctx.strokeStyle = '#666'
  ctx.strokeRect(m.l, m.t, W - m.l - m.r, H - m.t - m.b)
  if (o.marker !== undefined) {
    ctx.strokeStyle = '#999'
    ctx.setLineDash([4, 3])
    ctx.beginPath()
    ctx.moveTo(sx(o.marker), m.t)
    ctx.lineTo(sx(o.marker), H - m.b)
    ctx.stroke()
    ctx.setLineDash([])
  }
  ctx.save()
  ctx.beginPath()
  ctx.rect(m.l, m.t, W - m.l - m.r, H - m.t - m.b)
  ctx.clip()
  const crosses: (readonly [number, number])[] = []
  series.forEach((s, k) => {
    ctx.strokeStyle = s.color
    ctx.lineWidth = 2
    ctx.beginPath()
    let pen = false
    let last: readonly [number, number] | undefined
    for (const [x, y] of pts[k]!) {
      if (!Number.isFinite(y) || (log && !(y > 0))) {
        pen = false
        continue
      }
      if (pen) ctx.lineTo(sx(x), sy(y))
      else ctx.moveTo(sx(x), sy(y))
      pen = true
      last = [sx(x), sy(y)]
    }
    ctx.stroke()
    if (s.endsNonFinite === true && last !== undefined) crosses.push(last)
  })
  ctx.restore()
  // a run stopped by a non-finite value: a red ✕ where its last finite point is (outside the clip, so one at a corner shows whole)
  ctx.strokeStyle = '#c00'
  ctx.lineWidth = 2.5
  for (const [a, b] of crosses) {
    ctx.beginPath()
    ctx.moveTo(a - 6, b - 6)
    ctx.lineTo(a + 6, b + 6)
    ctx.moveTo(a + 6, b - 6)
    ctx.lineTo(a - 6, b + 6)
    ctx.stroke()
  }
  ctx.lineWidth = 1
  if (series.length > 1) {
    ctx.textAlign = 'left'
    let x = m.l + 8
    for (const s of series) {
      ctx.fillStyle = s.color
      ctx.fillRect(x, 9, 14, 3)
      ctx.fillStyle = '#333'
      ctx.fillText(s.name, x + 18, 14)
      x += 26 + ctx.measureText(s.name).width
    }
  }
  return log ? 'log' : 'linear'
}
