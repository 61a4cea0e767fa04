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
