/**
 * Where the numbers of a circuit go: each wire's value (above it) and gradient (below it) are
 * placed at the first spot along the wire where neither label's box touches another wire, a gate
 * or box, or a label already placed; the boxes are estimated from the text (a Helvetica digit is
 * 0.556 em, so 0.62 em per character over-covers any label of digits, signs and names). Pure
 * geometry in the layout's coordinates (y down), shared by `drawGraph` and its tests.
 */

export type Pt = readonly [number, number]

export interface Box {
  readonly x0: number
  readonly y0: number
  readonly x1: number
  readonly y1: number
}

/** Font size of the numbers on the wires (px). */
export const WIRE_FONT = 12
/** Estimated advance of one character, as a fraction of the font size. */
const EM_PER_CHAR = 0.62
/** Height above and below the baseline of a line of text, as fractions of the font size (a font's box, not its glyphs). */
const ASCENT = 0.92
const DESCENT = 0.24

/** The box of `text` drawn at (x, y) (y the baseline) with `anchor`, at `size` px. */
export function textBox(text: string, x: number, y: number, anchor: 'start' | 'middle' | 'end', size = WIRE_FONT): Box {
  const w = [...text].length * EM_PER_CHAR * size
  const x0 = anchor === 'start' ? x : anchor === 'middle' ? x - w / 2 : x - w
  return { x0, y0: y - ASCENT * size, x1: x0 + w, y1: y + DESCENT * size }
}

export const grow = (b: Box, d: number): Box => ({ x0: b.x0 - d, y0: b.y0 - d, x1: b.x1 + d, y1: b.y1 + d })

export function boxesMeet(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

/** Whether the segment p–q passes through box b (Liang–Barsky clipping). */
export function segmentMeetsBox(p: Pt, q: Pt, b: Box): boolean {
  let t0 = 0
  let t1 = 1
  const [dx, dy] = [q[0] - p[0], q[1] - p[1]]
  for (const [den, num] of [[-dx, p[0] - b.x0], [dx, b.x1 - p[0]], [-dy, p[1] - b.y0], [dy, b.y1 - p[1]]] as const) {
    if (den === 0) {
      if (num < 0) return false
      continue
    }
    const t = num / den
    if (den < 0) t0 = Math.max(t0, t)
    else t1 = Math.min(t1, t)
    if (t0 > t1) return false
  }
  return true
}

export function polylineMeetsBox(line: readonly Pt[], b: Box): boolean {
  for (let i = 1; i < line.length; i++) if (segmentMeetsBox(line[i - 1]!, line[i]!, b)) return true
  return false
}

/** A piecewise cubic Bézier (Graphviz spline points: p0, then three per segment) as a polyline. */
export function bezierPolyline(pts: readonly Pt[], perSegment = 16): Pt[] {
  const out: Pt[] = [pts[0]!]
  for (let k = 0; k + 3 < pts.length; k += 3) {
    const [a, b, c, d] = [pts[k]!, pts[k + 1]!, pts[k + 2]!, pts[k + 3]!]
    for (let i = 1; i <= perSegment; i++) {
      const s = i / perSegment
      const at = (j: 0 | 1) => (1 - s) ** 3 * a[j] + 3 * (1 - s) ** 2 * s * b[j] + 3 * (1 - s) * s ** 2 * c[j] + s ** 3 * d[j]
      out.push([at(0), at(1)])
    }
  }
  return out
}

/** Point and unit tangent a fraction `frac` of the way along a polyline (by length). */
export function along(line: readonly Pt[], frac: number): { p: Pt; t: Pt } {
  const lens = line.slice(1).map((q, i) => Math.hypot(q[0] - line[i]![0], q[1] - line[i]![1]))
  const total = lens.reduce((a, b) => a + b, 0)
  let left = frac * total
  for (let i = 0; i < lens.length; i++) {
    const l = lens[i]!
    if (left <= l || i === lens.length - 1) {
      const s = l === 0 ? 0 : Math.min(1, left / l)
      const [a, b] = [line[i]!, line[i + 1]!]
      const len = l || 1
      return { p: [a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])], t: [(b[0] - a[0]) / len, (b[1] - a[1]) / len] }
    }
    left -= l
  }
  return { p: line[0]!, t: [1, 0] }
}

export interface WireText {
  readonly text: string
  readonly x: number
  readonly y: number
  readonly anchor: 'start' | 'middle' | 'end'
}

export interface WireLabels {
  readonly value: WireText
  readonly grad: WireText | undefined
}

export interface LabelWire {
  readonly line: readonly Pt[]
  readonly value: string
  readonly grad: string | undefined
  /** Where along the wire to try first (0…1). */
  readonly prefer: number
}

type Anchor = WireText['anchor']

/**
 * A label at fraction `frac` along the wire, `gap` px off it on the upper side (the value) or the
 * lower side (the gradient); by default anchored so the text extends away from the wire.
 */
function labelAt(w: LabelWire, text: string, upper: boolean, frac: number, gap: number, anchorOverride?: Anchor): WireText {
  const { p, t } = along(w.line, frac)
  // the side "above" the wire: its normal pointing up (or left for a vertical wire)
  let [nx, ny] = [t[1], -t[0]]
  if (ny > 0 || (ny === 0 && nx > 0)) [nx, ny] = [-nx, -ny]
  if (!upper) [nx, ny] = [-nx, -ny]
  const anchor = anchorOverride ?? (Math.abs(nx) < 0.25 ? 'middle' : nx < 0 ? 'end' : 'start')
  // the box's near edge `gap` px from the wire: bottom edge for a label above, top edge below
  const y = upper ? p[1] + ny * gap - DESCENT * WIRE_FONT : p[1] + ny * gap + ASCENT * WIRE_FONT
  return { text, x: p[0] + nx * gap, y, anchor }
}

export const boxOf = (t: WireText): Box => textBox(t.text, t.x, t.y, t.anchor)

const FRACTIONS = [0, -0.06, 0.06, -0.12, 0.12, -0.18, 0.18, -0.24, 0.24, -0.3, 0.3, -0.36, 0.36, -0.42, 0.42]
const ANCHORS: readonly (Anchor | undefined)[] = [undefined, 'middle', 'start', 'end']

/** The bounding box of a polyline. */
function extent(line: readonly Pt[]): Box {
  const xs = line.map((p) => p[0])
  const ys = line.map((p) => p[1])
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) }
}

/**
 * Places the labels of every wire, in order (each wire's value, then its gradient), avoiding the
 * other wires, the `obstacles` (gates and boxes) and the labels placed before; where no spot is
 * clear, the spot touching the fewest things.
 */
export function placeLabels(wires: readonly LabelWire[], obstacles: readonly Box[]): WireLabels[] & { readonly touching: number } {
  const placed: Box[] = []
  let touching = 0
  const extents = wires.map((w) => extent(w.line))
  const hitsOf = (i: number, b: Box): number => {
    const m = grow(b, 1)
    let hits = 0
    wires.forEach((o, j) => void (j !== i && boxesMeet(extents[j]!, m) && polylineMeetsBox(o.line, m) && hits++))
    for (const o of obstacles) if (boxesMeet(o, m)) hits++
    for (const o of placed) if (boxesMeet(o, m)) hits++
    if (polylineMeetsBox(wires[i]!.line, b)) hits++
    return hits
  }
  const place = (i: number, text: string, upper: boolean): WireText => {
    const w = wires[i]!
    let best: { t: WireText; hits: number } | undefined
    search: for (const gap of [3, 7, 12, 18])
      for (const df of FRACTIONS) {
        const frac = w.prefer + df
        if (frac < 0.05 || frac > 0.95) continue
        for (const anchor of ANCHORS) {
          const t = labelAt(w, text, upper, frac, gap, anchor)
          const hits = hitsOf(i, boxOf(t))
          if (best === undefined || hits < best.hits) best = { t, hits }
          if (hits === 0) break search
        }
      }
    placed.push(boxOf(best!.t))
    if (best!.hits > 0) touching++
    return best!.t
  }
  const labels = wires.map((w, i) => ({ value: place(i, w.value, true), grad: w.grad === undefined ? undefined : place(i, w.grad, false) }))
  // how many labels found no clear spot (0 when every label is clear)
  return Object.assign(labels, { touching })
}

/** Estimated advance of one character of prose (letters are narrower than digits). */
const PROSE_EM_PER_CHAR = 0.5

/** Splits `text` into lines of at most `width` px at `size` (words kept whole unless one is longer). */
export function wrapWords(text: string, width: number, size: number): string[] {
  const max = Math.max(1, Math.floor(width / (PROSE_EM_PER_CHAR * size)))
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`
    if ([...next].length <= max) line = next
    else {
      if (line !== '') lines.push(line)
      line = word
      while ([...line].length > max) (lines.push([...line].slice(0, max).join('')), (line = [...line].slice(max).join('')))
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

/** The estimated width of `text` at `size` px (`prose`: words rather than numbers). */
export const textWidth = (text: string, size: number, prose = false): number => [...text].length * (prose ? PROSE_EM_PER_CHAR : EM_PER_CHAR) * size
