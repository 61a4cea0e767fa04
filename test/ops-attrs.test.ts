/**
 * Attributes are checked by each op's own codec, at construction (`apply`, every builder) and at
 * graph decoding, and generated code holds only numbers the code generator formatted: hostile
 * strings and objects in any attribute of any registered op are refused with a one-line message,
 * and nothing a graph carries ever runs. The payloads set a global flag instead of exiting.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import type { AttrValue, Attrs, Expr, OpDef } from '../src/core/Expr.js'
import { apply, isBoundLeaf, topoSort } from '../src/core/Expr.js'
import { SymgradError } from '../src/core/errors.js'
import * as T from '../src/core/Tensor.js'
import { compile } from '../src/compile/index.js'
import { format } from '../src/compile/backend.js'
import { decodeGraph } from '../src/io/graph.js'
import * as ops from '../src/ops/index.js'
import { Registry } from '../src/ops/index.js'

const flag = '__symgradPwned'
const g = globalThis as Record<string, unknown>
const pwned = () => g[flag] !== undefined
afterEach(() => void delete g[flag])

/** Strings that would run if spliced into generated source, in every syntactic position. */
const hostileStrings = [
  `2) + (globalThis.${flag} = 7, 0`,
  `(globalThis.${flag} = 7, 0)`,
  `0; globalThis.${flag} = 7; //`,
  `"]; globalThis.${flag} = 7; //`,
  `*/ globalThis.${flag} = 7; /*`,
  `\n globalThis.${flag} = 7;`,
  `N) + (globalThis.${flag} = 7`,
  '__proto__',
  'constructor',
  '',
  'x'.repeat(10_000),
]
/** Objects and other values that are not what any attribute takes (or only in the wrong place). */
const hostileObjects: unknown[] = [
  {},
  { $num: 'NaN' },
  { toString: () => ((g[flag] = 7), '1'), valueOf: () => ((g[flag] = 7), 1) },
  [[1, 2], [3]],
  [`globalThis.${flag} = 7`],
  [1, { a: 1 }],
  () => ((g[flag] = 7), 1),
  Symbol('s'),
  10n,
  undefined,
  Object.create(null) as object,
  new Float64Array(2),
]
const hostile = [...hostileStrings, ...hostileObjects]

const OPS: readonly OpDef[] = Registry.list(Registry.builtins)

/** A valid node of `op`: its first law case with fresh inputs, or a leaf. */
function validCase(op: OpDef): { args: Expr[]; attrs: Attrs } {
  const c = op.law?.cases[0]
  if (c !== undefined) return { args: c.shapes.map((s, i) => ops.input(`a${i}`, s)), attrs: c.attrs }
  if (op.arity !== 0) throw new Error(`op '${op.name}' has no law case`)
  const leaf: Record<string, AttrValue> = { name: 'leaf', shape: [2, 3], value: 1.5 }
  return { args: [], attrs: Object.fromEntries(op.attrs.keys.map((k) => [k, leaf[k]!])) }
}

/** Builds the node; a refusal must be a one-line SymgradError that does not echo a long payload. */
function tryApply(op: OpDef, args: Expr[], attrs: unknown, value?: T.Tensor): Expr | undefined {
  try {
    return apply(op, args, attrs as Attrs, value)
  } catch (e) {
    expect(e, `${op.name}: ${String(e)}`).toBeInstanceOf(SymgradError)
    const m = (e as Error).message
    expect(m.includes('\n'), m).toBe(false)
    expect(m.length, m).toBeLessThan(400)
    return undefined
  }
}

/** Whatever was accepted compiles to source without any payload and runs without effect. */
function compileAndRun(node: Expr): void {
  let f
  try {
    f = compile([node])
  } catch (e) {
    expect(e).toBeInstanceOf(SymgradError)
    return
  }
  expect(f.source).not.toContain(flag)
  expect(f.source).not.toContain('__proto__')
  const bind = Object.fromEntries(
    topoSort([node]).filter(isBoundLeaf).map((n) => [
      n.attrs['name'] as string,
      T.ones(n.shape.map((d) => (typeof d === 'number' ? d : 2))),
    ]),
  )
  f(bind)
  expect(pwned()).toBe(false)
}

describe('hostile attributes: every registered op, every attribute', () => {
  it.each(OPS.map((op) => [op.name, op] as const))('%s', (_, op) => {
    const { args, attrs } = validCase(op)
    const value = op.lowering === 'data' && !op.attrs.keys.includes('name') ? T.zeros((attrs['shape'] as number[]) ?? []) : undefined
    expect(tryApply(op, args, attrs, value), `${op.name}: the valid case builds`).toBeDefined()
    const keys = [...op.attrs.keys, 'extra', '__proto__', 'constructor']
    let tried = 0
    for (const k of keys)
      for (const v of hostile) {
        const bad: Record<string, unknown> = { ...attrs }
        Object.defineProperty(bad, k, { value: v, enumerable: true, configurable: true, writable: true })
        const node = tryApply(op, args, bad, value)
        tried++
        if (node !== undefined) {
          // only values the codec takes get through: never a string where a number belongs
          expect(op.attrs.check(node.attrs), `${op.name}.${k}`).toBeUndefined()
          compileAndRun(node)
        }
        expect(pwned(), `${op.name}.${k}`).toBe(false)
      }
    for (const whole of [null, 'attrs', [], 7, hostileObjects[2]]) {
      tryApply(op, args, whole, value)
      tried++
    }
    expect(tried).toBeGreaterThan(50)
  })
})

describe('the number formatter', () => {
  it('spells every number so that it reads back as itself, and refuses anything else', () => {
    for (const v of [0, -0, 1.5, -2.25, 1e-320, 5e-324, 1.7976931348623157e308, -1e21, NaN, Infinity, -Infinity, 0.1 + 0.2]) {
      const back = new Function(`"use strict"; return ${format.num(v)}`)() as number
      expect(Object.is(back, v), String(v)).toBe(true)
    }
    for (const v of ['1', '1) + (2', [1], {}, null, true]) expect(() => format.num(v as never)).toThrow(/^codegen: expected a number/)
    expect(() => format.int(1.5)).toThrow(/expected an integer/)
    expect(format.ints([0, -1, 2])).toBe('[0, (-1), 2]')
  })
})

describe('the injection of issue 11, reproduced', () => {
  const payload = `2) + (globalThis.${flag} = 7, 0`
  const graph = (nodes: unknown[]) => ({ format: 'symgrad-graph', version: 1, nodes, outputs: [nodes.length - 1] })
  it("a graph whose pow node has attrs.p = '2) + (…' is refused at decoding", () => {
    const r = decodeGraph(graph([{ op: 'input', args: [], attrs: { name: 'x', shape: [3] } }, { op: 'pow', args: [0], attrs: { p: payload } }]))
    expect(E.isLeft(r) && r.left.message).toBe(`graph.nodes[1] (pow): pow: attribute 'p': expected a number, got the string "2) + (globalThis.__symgr…"`)
  })
  it("a const node's string value is refused at decoding", () => {
    const r = decodeGraph(graph([{ op: 'const', args: [], attrs: { value: `(globalThis.${flag} = 7, 0)`, shape: [3] } }]))
    expect(E.isLeft(r) && r.left.message).toMatch(/^graph\.nodes\[0\] \(const\): const: attribute 'value': expected a number, got the string/)
  })
  it('the builders refuse it: pow(x, "…"), constant("…")', () => {
    const x = ops.input('x', [3])
    expect(() => ops.pow(x, payload as unknown as number)).toThrow(/^pow: attribute 'p': expected a number, got the string/)
    expect(() => ops.constant(payload as unknown as number)).toThrow(/^const: attribute 'value': expected a number/)
    expect(() => ops.input(payload, [3])).not.toThrow()
    expect(pwned()).toBe(false)
  })
  it('names and symbols never reach the generated source', () => {
    const x = ops.input(`"]; globalThis.${flag} = 7; //`, ['N_batch', 3])
    const f = compile([ops.sum(ops.exp(x), [1])])
    expect(f.source).not.toContain(flag)
    expect(f.source).not.toContain('N_batch')
    f({ [`"]; globalThis.${flag} = 7; //`]: T.ones([2, 3]) })
    expect(pwned()).toBe(false)
    expect(() => ops.input('x', ['N) + (1', 3])).toThrow(/bad dimension|expected a shape/)
  })
})
