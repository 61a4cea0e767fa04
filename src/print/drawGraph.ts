/**
 * `drawGraph(expr, bindings)`: the expression as a CS231n lecture-4 circuit in SVG — gates as
 * circles, forward values in green above each wire, gradients in red below it. Graphviz
 * (`@viz-js/viz`, compiled to WebAssembly, loaded on first use) lays the graph out; the wires and
 * their numbers are drawn here from the layout's spline points, so each number sits on its wire.
 * Runs in Node and in browsers alike.
 */
import * as E from 'fp-ts/lib/Either.js'
import { countNodes, type Expr } from '../core/Expr.js'
import { SymgradError } from '../core/errors.js'
import { importPeer } from '../io/peers.js'
import type { Bindings } from '../eval/evaluate.js'
import { type Circuit, circuit, circuitColors, circuitDot, type CircuitOptions, nodeName, type Wire } from './circuit.js'
import { bezierPolyline, type Box, placeLabels, type Pt, textBox, textWidth, WIRE_FONT, type WireText, wrapWords } from './circuitLabels.js'

interface Viz {
  renderJSON(dot: string, o?: { yInvert?: boolean }): object
}
let vizInstance: Promise<Viz> | undefined

/** The Graphviz instance (compiled once per realm; made afresh after a failure, whose WebAssembly memory may be left unusable). */
function viz(): Promise<Viz> {
  if (vizInstance === undefined) {
    vizInstance = importPeer('drawing a graph as SVG', ['@viz-js/viz'], () => import('@viz-js/viz')).then((m) => m.instance() as Promise<Viz>)
    vizInstance.catch(() => (vizInstance = undefined)) // a failed load is tried again on the next call
  }
  return vizInstance
}

/** Most nodes a circuit may have to be drawn: Graphviz's time and memory grow fast with size and crossings. */
export const MAX_DRAWN_NODES = 300
/** Above this many nodes the layout trades polish for time (straight wires, bounded crossing and ranking passes). */
const QUICK_LAYOUT_NODES = 60
const QUICK_LAYOUT = 'nslimit=0.2; nslimit1=0.2; mclimit=0.01; splines=line'

export interface DrawOptions {
  /** Refuse circuits with more nodes than this (default MAX_DRAWN_NODES). */
  readonly maxNodes?: number
}

/** The refusal of a circuit of `nodes` nodes, or undefined when it may be drawn. */
function tooLarge(nodes: number, o: DrawOptions): SymgradError | undefined {
  const max = o.maxNodes ?? MAX_DRAWN_NODES
  return nodes <= max ? undefined
    : new SymgradError('value', `drawGraph: the circuit has ${nodes} nodes, more than the ${max} a drawing takes (Graphviz needs minutes and gigabytes for large graphs); simplify the expression or write --dot instead`)
}

/** A one-line reason for a Graphviz failure, also when it throws something that is not an Error. */
function vizFailure(e: unknown): string {
  if (e instanceof Error) return e.message
  return `Graphviz failed without a message (${e === null ? 'null' : typeof e} thrown; likely out of memory)`
}

interface LayoutObject {
  readonly _gvid: number
  readonly name: string
  readonly pos?: string
  readonly width?: string
  readonly height?: string
}
interface LayoutEdge {
  readonly tail: number
  readonly head: number
  readonly pos?: string
}
interface Layout {
  readonly bb: string
  readonly objects?: readonly LayoutObject[]
  readonly edges?: readonly LayoutEdge[]
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const f1 = (v: number): string => v.toFixed(1)

function parsePos(pos: string): { pts: Pt[]; end: Pt | undefined } {
  let end: Pt | undefined
  const pts: Pt[] = []
  for (const tok of pos.trim().split(/\s+/)) {
    const m = /^(?:(e|s),)?(-?[\d.]+),(-?[\d.]+)$/.exec(tok)
    if (!m) continue
    const p: Pt = [Number(m[2]), Number(m[3])]
    if (m[1] === 'e') end = p
    else if (m[1] !== 's') pts.push(p)
  }
  return { pts, end }
}

const FONT = 'font-family="Helvetica, Arial, sans-serif"'

const LEGEND_FONT = 12
const NODE_FONT = 14
/** Space between two legend items on one line. */
const gapPx = 18

/** The legend's lines: each item in its colour, items and words wrapped to `width` px. */
function legendLines(c: Circuit, width: number): { color: string; text: string }[][] {
  const items = c.wires.some((w) => w.grad !== undefined)
    ? [{ color: circuitColors.value, text: 'green above a wire: forward value' }, { color: circuitColors.grad, text: 'red below: gradient flowing back along it' }]
    : [{ color: circuitColors.value, text: 'green: forward value on each wire' }]
  const gap = gapPx
  const lines: { color: string; text: string }[][] = []
  let line: { color: string; text: string }[] = []
  let used = 0
  for (const it of items) {
    const w = textWidth(it.text, LEGEND_FONT, true)
    if (line.length > 0 && used + gap + w <= width) {
      line.push(it)
      used += gap + w
      continue
    }
    if (line.length > 0) lines.push(line)
    const parts = wrapWords(it.text, width, LEGEND_FONT)
    for (const part of parts.slice(0, -1)) lines.push([{ color: it.color, text: part }])
    line = [{ color: it.color, text: parts.at(-1)! }]
    used = textWidth(parts.at(-1)!, LEGEND_FONT, true)
  }
  if (line.length > 0) lines.push(line)
  return lines
}

const wireText = (t: WireText, color: string, extra: string): string =>
  `<text x="${f1(t.x)}" y="${f1(t.y)}" font-size="${WIRE_FONT}" text-anchor="${t.anchor}" fill="${color}"${extra}>${esc(t.text)}</text>`

/** The SVG of a laid-out circuit, and how many of its numbers found no clear spot. */
function render(c: Circuit, layout: Layout): { svg: string; touching: number } {
  const [bx0, by0, bx1, by1] = layout.bb.split(',').map(Number) as [number, number, number, number]
  const [W, H] = [Math.abs(bx1 - bx0), Math.abs(by1 - by0)]
  const pad = 16
  const top = c.title === undefined ? 0 : 22
  const nodeById = new Map(c.nodes.map((n) => [nodeName(n.id), n]))
  const width = W + 2 * pad
  const legend = legendLines(c, width - 2 * pad)
  const foot = 10 + legend.length * (LEGEND_FONT + 4)
  const height = H + 2 * pad + top + foot
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${f1(width)}" height="${f1(height)}" viewBox="0 0 ${f1(width)} ${f1(height)}" ${FONT}>`)
  out.push('<rect width="100%" height="100%" fill="white"/>')
  if (c.title !== undefined) out.push(`<text x="${pad}" y="17" font-size="14" font-weight="bold">${esc(c.title)}</text>`)
  out.push(`<g transform="translate(${pad},${pad + top})">`)
  // wires in declaration order, matched to the layout's edges by their end nodes
  const pending = new Map<string, Wire[]>()
  for (const w of c.wires) {
    const k = `${nodeName(w.from)}>${nodeName(w.to)}`
    pending.set(k, [...(pending.get(k) ?? []), w])
  }
  const fanOut = new Map<number, number>()
  for (const w of c.wires) fanOut.set(w.from, (fanOut.get(w.from) ?? 0) + 1)
  const nameOf = new Map((layout.objects ?? []).map((o) => [o._gvid, o.name]))
  const drawn: { wire: Wire; pts: Pt[]; end: Pt | undefined }[] = []
  for (const e of layout.edges ?? []) {
    const w = pending.get(`${nameOf.get(e.tail)}>${nameOf.get(e.head)}`)?.shift()
    if (w === undefined || e.pos === undefined) continue
    const { pts, end } = parsePos(e.pos)
    if (pts.length >= 2) drawn.push({ wire: w, pts, end })
  }
  // gates, boxes and output names are obstacles for the numbers
  const obstacles: Box[] = []
  for (const o of layout.objects ?? []) {
    const n = nodeById.get(o.name)
    if (n === undefined || o.pos === undefined) continue
    const [x, y] = o.pos.split(',').map(Number) as [number, number]
    const [w, h] = [Number(o.width ?? 0.5) * 72, Number(o.height ?? 0.5) * 72]
    obstacles.push(n.kind === 'output' ? textBox(n.label, x, y + 5, 'middle', NODE_FONT) : { x0: x - w / 2, y0: y - h / 2, x1: x + w / 2, y1: y + h / 2 })
  }
  // an arrow's end (past the spline) belongs to its wire
  const lines = drawn.map((d) => [...bezierPolyline(d.pts), ...(d.end === undefined ? [] : [d.end])])
  const labels = placeLabels(drawn.map((d, i) => ({ line: lines[i]!, value: d.wire.value, grad: d.wire.grad, prefer: (fanOut.get(d.wire.from) ?? 1) > 1 ? 0.6 : 0.45 })), obstacles)
  drawn.forEach(({ wire: w, pts, end }, i) => {
    let d = `M${f1(pts[0]![0])},${f1(pts[0]![1])}`
    for (let k = 1; k + 2 < pts.length; k += 3) d += ` C${[pts[k]!, pts[k + 1]!, pts[k + 2]!].map((p) => `${f1(p[0])},${f1(p[1])}`).join(' ')}`
    out.push(`<path d="${d}" fill="none" stroke="#333" stroke-width="1.2" data-from="${w.from}" data-to="${w.to}" data-wire="${i}"/>`)
    const last = pts[pts.length - 1]!
    if (end !== undefined) {
      const [dx, dy] = [end[0] - last[0], end[1] - last[1]]
      const len = Math.hypot(dx, dy) || 1
      const [nx, ny] = [-dy / len, dx / len]
      const w2 = 3.5
      out.push(`<polygon points="${f1(end[0])},${f1(end[1])} ${f1(last[0] + nx * w2)},${f1(last[1] + ny * w2)} ${f1(last[0] - nx * w2)},${f1(last[1] - ny * w2)}" fill="#333"/>`)
    }
    const l = labels[i]!
    out.push(wireText(l.value, circuitColors.value, ` class="value" data-wire="${i}"`))
    if (l.grad !== undefined) out.push(wireText(l.grad, circuitColors.grad, ` class="grad" data-to="${w.to}" data-wire="${i}"`))
  })
  for (const o of layout.objects ?? []) {
    const n = nodeById.get(o.name)
    if (n === undefined || o.pos === undefined) continue
    const [x, y] = o.pos.split(',').map(Number) as [number, number]
    const w = Number(o.width ?? 0.5) * 72
    const h = Number(o.height ?? 0.5) * 72
    if (n.kind === 'gate') out.push(`<ellipse cx="${f1(x)}" cy="${f1(y)}" rx="${f1(w / 2)}" ry="${f1(h / 2)}" fill="${circuitColors.gate}" stroke="#333" data-node="${n.id}"/>`)
    else if (n.kind !== 'output')
      out.push(`<rect x="${f1(x - w / 2)}" y="${f1(y - h / 2)}" width="${f1(w)}" height="${f1(h)}" rx="5" fill="${n.kind === 'input' ? circuitColors.input : 'white'}" stroke="#555" data-node="${n.id}"/>`)
    out.push(`<text x="${f1(x)}" y="${f1(y + 5)}" font-size="${NODE_FONT}" text-anchor="middle" class="node"${n.kind === 'output' ? ' font-weight="bold"' : ''}>${esc(n.label)}</text>`)
  }
  out.push('</g>')
  legend.forEach((line, k) => {
    const y = H + 2 * pad + top + 4 + (k + 1) * (LEGEND_FONT + 4) - 4
    out.push(`<text x="${pad}" y="${f1(y)}" font-size="${LEGEND_FONT}" class="legend">${line.map((it, j) => `<tspan fill="${it.color}"${j > 0 ? ` dx="${f1(gapPx)}"` : ''}>${esc(it.text)}</tspan>`).join('')}</text>`)
  })
  out.push('</svg>')
  return { svg: out.join('\n'), touching: labels.touching }
}

/**
 * Lays out and draws a circuit; wires are spaced for the widest number they carry. A circuit of
 * more than `maxNodes` (default 300) nodes is refused with one line before any layout.
 */
export async function drawCircuit(c: Circuit, o: DrawOptions = {}): Promise<E.Either<SymgradError, string>> {
  const refused = tooLarge(c.nodes.length, o)
  if (refused !== undefined) return E.left(refused)
  const quick = c.nodes.length > QUICK_LAYOUT_NODES
  try {
    const widest = Math.max(4, ...c.wires.map((w) => Math.max(w.value.length, w.grad?.length ?? 0)))
    const ranksep = Math.max(0.9, (textWidth('0'.repeat(widest), WIRE_FONT) + 24) / 72)
    const base = circuitDot({ nodes: c.nodes, wires: c.wires }, { labels: false })
    // where crossings leave a number no clear spot, the layout is spread out and tried again
    let best: { svg: string; touching: number } | undefined
    for (const spread of quick ? [1.6] : [1, 1.6, 2.4]) {
      const dot = base.replace(/ranksep=[\d.]+/, `ranksep=${(ranksep * spread).toFixed(2)}`).replace(/nodesep=[\d.]+/, `nodesep=${(0.7 * spread).toFixed(2)}${quick ? `; ${QUICK_LAYOUT}` : ''}`)
      const drawn = render(c, (await viz()).renderJSON(dot, { yInvert: true }) as Layout)
      if (best === undefined || drawn.touching < best.touching) best = drawn
      if (drawn.touching === 0) break
    }
    return E.right(best!.svg)
  } catch (e) {
    vizInstance = undefined
    return E.left(e instanceof SymgradError ? e : new SymgradError('value', `drawGraph: ${vizFailure(e)}`))
  }
}

/**
 * The circuit of a scalar `expr` at `bindings` as SVG text: forward values above the wires and, by
 * default, the gradients flowing back below them (`{ gradients: false }` for values only, which
 * also accepts several or non-scalar roots through `drawGraphs`).
 */
export async function drawGraph(expr: Expr, bindings: Bindings, opts: CircuitOptions & DrawOptions = {}): Promise<E.Either<SymgradError, string>> {
  return drawGraphs([expr], bindings, opts)
}

/** Several roots in one picture (each with its own output wire, named by `opts.outputs`). */
export async function drawGraphs(roots: readonly Expr[], bindings: Bindings, opts: CircuitOptions & DrawOptions = {}): Promise<E.Either<SymgradError, string>> {
  // counted before the circuit is built: its gradients and values cost time on a huge graph too
  const refused = tooLarge(countNodes(roots) + roots.length, opts)
  if (refused !== undefined) return E.left(refused)
  const c = circuit(roots, bindings, opts)
  return E.isLeft(c) ? c : drawCircuit(c.right, opts)
}

/** SVG documents stacked top to bottom in one document (each keeps its own coordinates). */
export function stackSvgs(svgs: readonly string[]): string {
  let y = 0
  let width = 0
  const parts = svgs.map((doc) => {
    const body = doc.replace(/^<\?xml[^>]*>\s*/, '')
    const w = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(body)?.[1] ?? 0)
    const h = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(body)?.[1] ?? 0)
    const placed = body.replace(/^<svg /, `<svg x="0" y="${f1(y)}" `)
    y += h
    width = Math.max(width, w)
    return placed
  })
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${f1(width)}" height="${f1(y)}" viewBox="0 0 ${f1(width)} ${f1(y)}">`, '<rect width="100%" height="100%" fill="white"/>', ...parts, '</svg>', ''].join('\n')
}
