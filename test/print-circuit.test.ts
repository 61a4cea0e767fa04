/**
 * The circuit view (CS231n lecture 4): values and the gradient flowing back on each wire, the
 * Graphviz-laid-out SVG, and the domain note for values that are not numbers.
 */
import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as T from '../src/core/Tensor.js'
import { add, constant, div, input, log, maximum, mul } from '../src/ops/index.js'
import { evaluateAll } from '../src/eval/evaluate.js'
import { circuit, circuitDot, domainNote, drawGraph, stackSvgs } from '../src/print/index.js'
import { bezierPolyline, type Box, boxesMeet, boxOf, placeLabels, polylineMeetsBox, type Pt, textBox, textWidth, wrapWords } from '../src/print/circuitLabels.js'
import { parseAssignments, parseExpr } from '../src/print/parseExpr.js'

const x = input('x', []), y = input('y', []), z = input('z', [])
const at = { x: T.scalar(-2), y: T.scalar(5), z: T.scalar(-4) }

describe('circuit', () => {
  it('(x + y)·z: each wire carries its value and the gradient flowing back along it', () => {
    const c = circuit([mul(add(x, y), z)], at)
    if (E.isLeft(c)) throw c.left
    const wire = (from: string, to: string) => {
      const id = (l: string) => c.right.nodes.find((n) => n.label === l)!.id
      return c.right.wires.find((w) => w.from === id(from) && w.to === id(to))!
    }
    expect(wire('x', '+')).toMatchObject({ value: '−2', grad: '−4' })
    expect(wire('y', '+')).toMatchObject({ value: '5', grad: '−4' })
    expect(wire('z', '×')).toMatchObject({ value: '−4', grad: '3' })
    expect(wire('+', '×')).toMatchObject({ value: '3', grad: '−4' })
    expect(wire('×', 'f')).toMatchObject({ value: '−12', grad: '1' })
  })

  it('a node feeding two gates: each wire carries its own part of the gradient', () => {
    // f = x·x + x: the wires into × carry x's value times the other factor, the wire into + carries 1
    const f = add(mul(x, x), x)
    const c = circuit([f], { x: T.scalar(3) })
    if (E.isLeft(c)) throw c.left
    const xs = c.right.nodes.find((n) => n.label === 'x')!.id
    expect(c.right.wires.filter((w) => w.from === xs).map((w) => w.grad).sort()).toEqual(['1', '3', '3'])
  })

  it('constants carry a value and no gradient', () => {
    const c = circuit([maximum(constant(0), x)], { x: T.scalar(2) })
    if (E.isLeft(c)) throw c.left
    const zero = c.right.nodes.find((n) => n.kind === 'constant')!.id
    expect(c.right.wires.find((w) => w.from === zero)).toMatchObject({ value: '0', grad: undefined })
  })

  it('DOT escapes names; several roots need gradients: false', () => {
    const q = input('a"b\\', [])
    const c = circuit([mul(q, 2)], { 'a"b\\': T.scalar(1) })
    if (E.isLeft(c)) throw c.left
    expect(circuitDot(c.right)).toContain('[label="a\\"b\\\\", shape=box')
    expect(E.isLeft(circuit([x, y], at))).toBe(true)
    expect(E.isRight(circuit([x, y], at, { gradients: false }))).toBe(true)
  })

  it('drawGraph lays the circuit out with Graphviz and writes every number on the SVG', async () => {
    const r = await drawGraph(mul(add(x, y), z), at)
    if (E.isLeft(r)) throw r.left
    const texts = [...r.right.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])
    for (const t of ['x', 'y', 'z', '+', '×', 'f', '−2', '5', '−4', '3', '−12', '1']) expect(texts).toContain(t)
    expect(r.right.match(/<path /g)).toHaveLength(5)
    const both = stackSvgs([r.right, r.right])
    expect(both.match(/<svg /g)).toHaveLength(3)
  })
})

describe('domainNote', () => {
  it('names the first node that is not a number and its arguments', () => {
    const f = mul(maximum(constant(0), x), log(x))
    const ev = evaluateAll([f], { x: T.scalar(-1) })
    if (E.isLeft(ev)) throw ev.left
    expect(domainNote(f, ev.right.values)?.message).toBe('log(x) = NaN, log is not defined at x = −1')
    const g = div(1, x)
    const ev2 = evaluateAll([g], { x: T.scalar(0) })
    if (E.isLeft(ev2)) throw ev2.left
    expect(domainNote(g, ev2.right.values)?.message).toBe('1/x = ∞, div is infinite at x = 0')
    const ev3 = evaluateAll([g], { x: T.scalar(2) })
    if (E.isLeft(ev3)) throw ev3.left
    expect(domainNote(g, ev3.right.values)).toBeUndefined()
  })
})

// ── label placement: no number touches another wire, a gate or box, or another number ──────────

/** Wires, numbers, node shapes and legend lines read back from drawGraph's SVG (layout coordinates). */
function readCircuit(svg: string) {
  const num = (s: string) => s.split(/[ ,]/).filter(Boolean).map(Number)
  const wires = [...svg.matchAll(/<path d="([^"]+)"[^>]*data-wire="(\d+)"/g)].map((m) => {
    const pts: Pt[] = []
    for (const seg of m[1]!.matchAll(/([MC])([^MC]+)/g)) {
      const v = num(seg[2]!)
      for (let i = 0; i + 1 < v.length; i += 2) pts.push([v[i]!, v[i + 1]!])
    }
    return { id: m[2]!, line: bezierPolyline(pts) }
  })
  const labels = [...svg.matchAll(/<text x="([-\d.]+)" y="([-\d.]+)" font-size="(\d+)" text-anchor="(\w+)"[^>]*class="(?:value|grad)"[^>]*data-wire="(\d+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
    wire: m[5]!, text: m[6]!, box: textBox(m[6]!, Number(m[1]), Number(m[2]), m[4] as 'start', Number(m[3])), size: Number(m[3]),
  }))
  const shapes: Box[] = [
    ...[...svg.matchAll(/<ellipse cx="([-\d.]+)" cy="([-\d.]+)" rx="([\d.]+)" ry="([\d.]+)"/g)].map((m) => {
      const [cx, cy, rx, ry] = m.slice(1, 5).map(Number) as [number, number, number, number]
      return { x0: cx - rx, y0: cy - ry, x1: cx + rx, y1: cy + ry }
    }),
    ...[...svg.matchAll(/<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)" rx="5"/g)].map((m) => {
      const [x, y, w, h] = m.slice(1, 5).map(Number) as [number, number, number, number]
      return { x0: x, y0: y, x1: x + w, y1: y + h }
    }),
  ]
  const width = Number(/<svg[^>]*width="([\d.]+)"/.exec(svg)![1])
  const legend = [...svg.matchAll(/<text x="(\d+)" y="[\d.]+" font-size="(\d+)" class="legend">(.*?)<\/text>/g)].map((m) => ({
    x: Number(m[1]), size: Number(m[2]), text: [...m[3]!.matchAll(/>([^<]*)<\/tspan>/g)].map((t) => t[1]).join(' '),
  }))
  return { wires, labels, shapes, width, legend }
}

function collisions(svg: string): string[] {
  const c = readCircuit(svg)
  const out: string[] = []
  for (const l of c.labels) {
    for (const w of c.wires) if (w.id !== l.wire && polylineMeetsBox(w.line, l.box)) out.push(`${l.text} touches wire ${w.id}`)
    for (const s of c.shapes) if (boxesMeet(s, l.box)) out.push(`${l.text} touches a gate or box`)
    for (const o of c.labels) if (o !== l && boxesMeet(o.box, l.box)) out.push(`${l.text} touches ${o.text}`)
  }
  return out
}

describe('circuit pictures: labels clear of wires and boxes, legends that wrap', () => {
  const lecture: [string, string, string][] = [
    ['(x+y)*z', 'x=-2, y=5, z=-4', '(x + y)·z'],
    ['1/(1+exp(-(w0*x0+w1*x1+w2)))', 'w0=2, x0=-1, w1=-3, x1=-2, w2=-3', 'the sigmoid neuron, gate by gate'],
    ['max(x, y)*z + x*x', 'x=3, y=-1, z=2', 'a max gate and a node used three times'],
    ['sigmoid(w*x)*(1 - sigmoid(w*x))', 'w=0.5, x=2', "σ's local gradient, crossing wires"],
    ['x*y + y*z + z*x + x', 'x=-1.2345, y=2.5, z=-0.5966', 'wires that cross'],
  ]
  it.each(lecture)('%s: no label box meets another wire, a gate, a box or a label; numbers at ≥ 12 px', async (src, at, _what) => {
    const p = parseExpr(src)
    const a = parseAssignments(at)
    if (E.isLeft(p) || E.isLeft(a)) throw new Error('parse')
    const r = await drawGraph(p.right.expr, Object.fromEntries(p.right.vars.map((v) => [v, T.scalar(a.right[v]!)])))
    if (E.isLeft(r)) throw r.left
    const c = readCircuit(r.right)
    expect(c.labels.length).toBeGreaterThan(c.wires.length) // values and gradients were read back
    expect(collisions(r.right)).toEqual([])
    for (const l of c.labels) expect(l.size).toBeGreaterThanOrEqual(12)
  })

  it('the legend wraps inside a narrow circuit instead of running off its edge', async () => {
    const r = await drawGraph(x, { x: T.scalar(1) })
    if (E.isLeft(r)) throw r.left
    const c = readCircuit(r.right)
    expect(c.legend.length).toBeGreaterThan(1)
    expect(c.legend.map((l) => l.text).join(' ')).toBe('green above a wire: forward value red below: gradient flowing back along it')
    for (const l of c.legend) expect(l.x + textWidth(l.text, l.size, true)).toBeLessThanOrEqual(c.width - 16)
  })

  it('wrapWords keeps words whole and splits only a word longer than a line', () => {
    expect(wrapWords('red below: gradient flowing back along it', 130, 12)).toEqual(['red below: gradient', 'flowing back along it'])
    expect(wrapWords('abcdefghijkl', 36, 12)).toEqual(['abcdef', 'ghijkl'])
  })

  it('placeLabels moves a number off a wire that crosses its first spot', () => {
    const along: Pt[] = [[0, 100], [200, 100]]
    const crossing: Pt[] = [[90, 0], [90, 200]]
    const [l] = placeLabels([{ line: along, value: '−0.5966', grad: '1.25', prefer: 0.45 }, { line: crossing, value: '2', grad: undefined, prefer: 0.45 }], [])
    for (const t of [l!.value, l!.grad!]) expect(polylineMeetsBox(crossing, boxOf(t))).toBe(false)
  })
})
