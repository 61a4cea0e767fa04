import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { grad } from '../src/ad/grad.js'
import { evaluate } from '../src/eval/evaluate.js'
import { decodeGraph, encodeGraph } from '../src/io/graph.js'
import * as T from '../src/core/Tensor.js'
import { add, constant, input, maximum, minimum, mul, pow } from '../src/ops/index.js'
import { toInfix } from '../src/print/infix.js'
import { toLatex } from '../src/print/latex.js'

// every IEEE double, NaN (with payloads), ±∞ and ±0 included
const doubles = fc.double({ noDefaultInfinity: false, noNaN: false })
const special = [NaN, Infinity, -Infinity, 0, -0, 1, -1, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE]

describe('interning keeps every IEEE value distinct', () => {
  it('law: two constants are one node iff Object.is says their values are equal', () => {
    fc.assert(
      fc.property(fc.oneof(doubles, fc.constantFrom(...special)), fc.oneof(doubles, fc.constantFrom(...special)), (a, b) => {
        expect(constant(a) === constant(b)).toBe(Object.is(a, b))
        // the same holds one level up (attributes of the constant's users key on node ids)
        const x = input('x', [])
        expect(add(x, a) === add(x, b)).toBe(Object.is(a, b))
        // and inside list attributes
        expect(constant(a, [2]) === constant(b, [2])).toBe(Object.is(a, b))
      }),
      { numRuns: 500 },
    )
  })

  it('every NaN payload is one NaN', () => {
    const f = new Float64Array(1)
    const u = new Uint32Array(f.buffer)
    u[1] = 0x7ff80000
    u[0] = 1234
    const payload = f[0]!
    expect(Number.isNaN(payload)).toBe(true)
    expect(constant(payload)).toBe(constant(NaN))
    u[1] = 0xfff80000 // a negative NaN
    expect(constant(f[0]!)).toBe(constant(NaN))
  })

  it('the specials pairwise: ±∞, ±0 and NaN are five nodes, and a pow exponent keeps its sign', () => {
    const nodes = special.slice(0, 5).map((v) => constant(v))
    expect(new Set(nodes).size).toBe(5)
    const x = input('x', [])
    expect(add(x, -Infinity)).not.toBe(add(x, Infinity))
    expect(pow(x, -0)).not.toBe(pow(x, 0))
    expect(pow(x, Infinity)).not.toBe(pow(x, NaN))
  })

  it('max(x, −∞) + min(x, ∞) has derivative 2 at x = 1 (one node for both where-conditions gave 1)', () => {
    const x = input('x', [])
    const f = add(maximum(x, -Infinity), minimum(x, Infinity))
    const [g] = grad(f, [x])
    const v = evaluate([g!], { x: T.scalar(1) })
    expect(E.isRight(v) && v.right[0]!.data[0]).toBe(2)
    // printed with the right signs: the ≥ condition compares with −∞, the ≤ one with ∞
    const shown = toInfix(g!)
    expect(shown).toMatch(/x ≥ \(?−∞\)?/)
    expect(shown).toMatch(/x ≤ ∞/)
  })

  it('graph JSON carries non-finite and signed-zero constants back to the same nodes', () => {
    const x = input('x', [2])
    const outs = special.map((v) => mul(x, v))
    const json = JSON.parse(JSON.stringify(encodeGraph(outs)))
    const back = decodeGraph(json)
    expect(E.isRight(back)).toBe(true)
    if (E.isRight(back)) back.right.forEach((e, i) => expect(e).toBe(outs[i]))
  })

  it('printing keeps the five apart: max(x, c) for c = ∞, −∞, NaN, 0, −0 prints five ways (infix and LaTeX)', () => {
    const x = input('x', [])
    const cs = [Infinity, -Infinity, NaN, 0, -0]
    const infix = cs.map((c) => toInfix(maximum(x, c)))
    expect(infix).toEqual(['max(x, ∞)', 'max(x, −∞)', 'max(x, NaN)', 'max(x, 0)', 'max(x, −0)'])
    expect(new Set(cs.map((c) => toLatex(maximum(x, c)))).size).toBe(5)
  })
})
