/**
 * `drawGraph(expr, bindings)`: the expression as a CS231n lecture-4 circuit in SVG — gates as
 * circles, forward values in green above each wire, gradients in red below it. Graphviz
 * (`@viz-js/viz`, compiled to WebAssembly, loaded on first use) lays the graph out; the wires and
 * their numbers are drawn here from the layout's spline points, so each number sits on its wire.
 * Runs in Node and in browsers alike.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import { errorMessage, SymgradError } from '../core/errors.js'
import { importPeer } from '../io/peers.js'
import type { Bindings } from '../eval/evaluate.js'
import { type Circuit, circuit, circuitColors, circuitDot, type CircuitOptions, nodeName, type Wire } from './circuit.js'

interface Viz {
  renderJSON(dot: string, o?: { yInvert?: boolean }): object
}
let vizInstance: Promise<Viz> | undefined

/** The Graphviz instance (compiled once per realm). */
function viz(): Promise<Viz> {
  if (vizInstance === undefined) {
    vizInstance = importPeer('drawing a graph as SVG', ['@viz-js/viz'], () => import('@viz-js/viz')).then((m) => m.instance() as Promise<Viz>)
    vizInstance.catch(() => (vizInstance = undefined)) // a failed load is tried again on the next call
  }
  return vizInstance
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

type Pt = readonly [number, number]

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const f1 = (v: number): string => v.toFixed(1)

/**
 * Point and unit tangent of a piecewise cubic Bézier (Graphviz spline points) a fraction `at`
 * along it: wires that converge on a gate are further apart near their tails, wires that fan out
 * of one node near their heads.
 */
function middle(pts: readonly Pt[], frac: number): { p: Pt; t: Pt } {
  const segs = Math.max(1, Math.floor((pts.length - 1) / 3))
  const u = segs * frac
  const k = Math.min(segs - 1, Math.floor(u))
  const s = u - k
  const [a, b, c, d] = [pts[3 * k]!, pts[3 * k + 1]!, pts[3 * k + 2]!, pts[3 * k + 3]!]
  const at = (i: 0 | 1) => (1 - s) ** 3 * a[i] + 3 * (1 - s) ** 2 * s * b[i] + 3 * (1 - s) * s ** 2 * c[i] + s ** 3 * d[i]
  const dt = (i: 0 | 1) => 3 * (1 - s) ** 2 * (b[i] - a[i]) + 6 * (1 - s) * s * (c[i] - b[i]) + 3 * s ** 2 * (d[i] - c[i])
  const [tx, ty] = [dt(0), dt(1)]
  const len = Math.hypot(tx, ty) || 1
  return { p: [at(0), at(1)], t: [tx / len, ty / len] }
}

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

/** The SVG of a laid-out circuit. */
function render(c: Circuit, layout: Layout): string {
  const [bx0, by0, bx1, by1] = layout.bb.split(',').map(Number) as [number, number, number, number]
  const [W, H] = [Math.abs(bx1 - bx0), Math.abs(by1 - by0)]
  const pad = 16
  const top = c.title === undefined ? 0 : 22
  const foot = 22
  const nodeById = new Map(c.nodes.map((n) => [nodeName(n.id), n]))
  const out: string[] = []
  const width = W + 2 * pad
  const height = H + 2 * pad + top + foot
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
  for (const e of layout.edges ?? []) {
    const w = pending.get(`${nameOf.get(e.tail)}>${nameOf.get(e.head)}`)?.shift()
    if (w === undefined || e.pos === undefined) continue
    const { pts, end } = parsePos(e.pos)
    if (pts.length < 2) continue
    let d = `M${f1(pts[0]![0])},${f1(pts[0]![1])}`
    for (let k = 1; k + 2 < pts.length; k += 3) d += ` C${[pts[k]!, pts[k + 1]!, pts[k + 2]!].map((p) => `${f1(p[0])},${f1(p[1])}`).join(' ')}`
    out.push(`<path d="${d}" fill="none" stroke="#333" stroke-width="1.2" data-from="${w.from}" data-to="${w.to}"/>`)
    const last = pts[pts.length - 1]!
    if (end !== undefined) {
      const [dx, dy] = [end[0] - last[0], end[1] - last[1]]
      const len = Math.hypot(dx, dy) || 1
      const [nx, ny] = [-dy / len, dx / len]
      const w2 = 3.5
      out.push(`<polygon points="${f1(end[0])},${f1(end[1])} ${f1(last[0] + nx * w2)},${f1(last[1] + ny * w2)} ${f1(last[0] - nx * w2)},${f1(last[1] - ny * w2)}" fill="#333"/>`)
    }
    const { p, t } = middle(pts, (fanOut.get(w.from) ?? 1) > 1 ? 0.6 : 0.42)
    // the side "above" the wire: its normal pointing up (or left for a vertical wire)
    let [nx, ny] = [t[1], -t[0]]
    if (ny > 0 || (ny === 0 && nx > 0)) [nx, ny] = [-nx, -ny]
    const anchor = Math.abs(nx) < 0.5 ? 'middle' : nx < 0 ? 'end' : 'start'
    const vAt: Pt = [p[0] + nx * 5, p[1] + ny * 5 - 1]
    const gAt: Pt = [p[0] - nx * 5, p[1] - ny * 5 + 11]
    const ganchor = anchor === 'middle' ? 'middle' : anchor === 'end' ? 'start' : 'end'
    out.push(`<text x="${f1(vAt[0])}" y="${f1(vAt[1])}" font-size="11" text-anchor="${anchor}" fill="${circuitColors.value}">${esc(w.value)}</text>`)
    if (w.grad !== undefined)
      out.push(`<text x="${f1(gAt[0])}" y="${f1(gAt[1])}" font-size="11" text-anchor="${ganchor}" fill="${circuitColors.grad}" class="grad" data-to="${w.to}">${esc(w.grad)}</text>`)
  }
  for (const o of layout.objects ?? []) {
    const n = nodeById.get(o.name)
    if (n === undefined || o.pos === undefined) continue
    const [x, y] = o.pos.split(',').map(Number) as [number, number]
    const w = Number(o.width ?? 0.5) * 72
    const h = Number(o.height ?? 0.5) * 72
    if (n.kind === 'gate') out.push(`<ellipse cx="${f1(x)}" cy="${f1(y)}" rx="${f1(w / 2)}" ry="${f1(h / 2)}" fill="${circuitColors.gate}" stroke="#333" data-node="${n.id}"/>`)
    else if (n.kind !== 'output')
      out.push(`<rect x="${f1(x - w / 2)}" y="${f1(y - h / 2)}" width="${f1(w)}" height="${f1(h)}" rx="5" fill="${n.kind === 'input' ? circuitColors.input : 'white'}" stroke="#555" data-node="${n.id}"/>`)
    out.push(`<text x="${f1(x)}" y="${f1(y + 4.5)}" font-size="13" text-anchor="middle"${n.kind === 'output' ? ' font-weight="bold"' : ''}>${esc(n.label)}</text>`)
  }
  out.push('</g>')
  const legend = c.wires.some((w) => w.grad !== undefined)
    ? `<tspan fill="${circuitColors.value}">green above a wire: forward value</tspan>   <tspan fill="${circuitColors.grad}">red below: gradient flowing back along it</tspan>`
    : `<tspan fill="${circuitColors.value}">green: forward value on each wire</tspan>`
  out.push(`<text x="${pad}" y="${f1(height - 8)}" font-size="11">${legend}</text>`)
  out.push('</svg>')
  return out.join('\n')
}

/** Lays out and draws a circuit; wires are spaced for the widest number they carry. */
export async function drawCircuit(c: Circuit): Promise<E.Either<SymgradError, string>> {
  try {
    const widest = Math.max(4, ...c.wires.map((w) => Math.max(w.value.length, w.grad?.length ?? 0)))
    const ranksep = Math.max(0.9, (widest * 6.6 + 22) / 72)
    const dot = circuitDot({ nodes: c.nodes, wires: c.wires }, { labels: false }).replace(/ranksep=[\d.]+/, `ranksep=${ranksep.toFixed(2)}`)
    const layout = (await viz()).renderJSON(dot, { yInvert: true }) as Layout
    return E.right(render(c, layout))
  } catch (e) {
    return E.left(e instanceof SymgradError ? e : new SymgradError('value', `drawGraph: ${errorMessage(e)}`))
  }
}

/**
 * The circuit of a scalar `expr` at `bindings` as SVG text: forward values above the wires and, by
 * default, the gradients flowing back below them (`{ gradients: false }` for values only, which
 * also accepts several or non-scalar roots through `drawGraphs`).
 */
export async function drawGraph(expr: Expr, bindings: Bindings, opts: CircuitOptions = {}): Promise<E.Either<SymgradError, string>> {
  return drawGraphs([expr], bindings, opts)
}

/** Several roots in one picture (each with its own output wire, named by `opts.outputs`). */
export async function drawGraphs(roots: readonly Expr[], bindings: Bindings, opts: CircuitOptions = {}): Promise<E.Either<SymgradError, string>> {
  const c = circuit(roots, bindings, opts)
  return E.isLeft(c) ? c : drawCircuit(c.right)
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
