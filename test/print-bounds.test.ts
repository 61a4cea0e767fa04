/**
 * Large and deep expressions are answered or refused with one line, never a hang, a stack overflow
 * or a Graphviz run that takes minutes and gigabytes: the parser's nesting bound, the drawing's
 * node bound (checked before any layout), and a Graphviz instance made afresh after a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it, vi } from 'vitest'
import { countNodes } from '../src/core/Expr.js'
import * as T from '../src/core/Tensor.js'
import { MAX_EXPR_DEPTH, parseExpr } from '../src/print/parseExpr.js'
import { runCli } from '../src/cli/main.js'
import { add, input, mul, tanh } from '../src/ops/index.js'
import { drawGraph, MAX_DRAWN_NODES } from '../src/print/drawGraph.js'

const terms = (n: number) => Array.from({ length: n }, (_, i) => `x${i % 50}*y${i % 37}`).join(' + ')

describe('the expression parser is bounded', () => {
  it('3,000 chained ^ and 300 nested calls are refused with one line naming the bound', () => {
    for (const src of [`${'x^'.repeat(3000)}2`, `${'tanh('.repeat(300)}x${')'.repeat(300)}`, `${'('.repeat(5000)}x${')'.repeat(5000)}`, `${'-'.repeat(10000)}x`]) {
      const r = parseExpr(src)
      expect(E.isLeft(r) && r.left).toMatch(new RegExp(`^expression nests deeper than ${MAX_EXPR_DEPTH} levels \\(parentheses, calls, signs or \\^\\) at column \\d+$`))
    }
  })
  it('nesting up to the bound parses', () => {
    const src = `${'tanh('.repeat(MAX_EXPR_DEPTH - 1)}x${')'.repeat(MAX_EXPR_DEPTH - 1)}`
    const r = parseExpr(src)
    expect(E.isRight(r) && countNodes([r.right.expr])).toBe(MAX_EXPR_DEPTH)
  })
  it('a 10,000-node expression parses (its size is the caller’s to bound); over-long text is refused', () => {
    const r = parseExpr(terms(2500))
    expect(E.isRight(r) && countNodes([r.right.expr])).toBeGreaterThan(4000)
    const r2 = parseExpr(Array.from({ length: 3400 }, (_, i) => `x*${i + 2}`).join(' + '))
    expect(E.isRight(r2) && countNodes([r2.right.expr])).toBeGreaterThan(10000)
    expect(parseExpr('x+'.repeat(120_000) + 'x')).toEqual(E.left('expression of 240001 characters: at most 200000 are read'))
  })
})

describe('drawings are bounded', () => {
  it('a circuit over the node bound is refused before any layout, in one line', async () => {
    const x = input('x', [])
    let e = x
    for (let i = 0; i < MAX_DRAWN_NODES + 5; i++) e = add(mul(e, x), x)
    const r = await drawGraph(e, { x: T.scalar(0.5) })
    expect(E.isLeft(r) && r.left.message).toMatch(/^drawGraph: the circuit has \d+ nodes, more than the 300 a drawing takes \(Graphviz needs minutes and gigabytes for large graphs\); simplify the expression or write --dot instead$/)
    // a deep chain (20,000 gates) is refused just as fast, and an ordinary circuit still draws afterwards
    let deep = x
    for (let i = 0; i < 20_000; i++) deep = tanh(deep)
    expect(E.isLeft(await drawGraph(deep, { x: T.scalar(0.5) }))).toBe(true)
    expect(E.isRight(await drawGraph(mul(x, x), { x: T.scalar(2) }))).toBe(true)
  })
  it('a circuit of a few hundred nodes gets the quick layout and is drawn', async () => {
    const p = parseExpr(terms(60))
    if (E.isLeft(p)) throw new Error(p.left)
    const r = await drawGraph(p.right.expr, Object.fromEntries(p.right.vars.map((v) => [v, T.scalar(0.5)])))
    expect(E.isRight(r) && (r.right.match(/<path /g) ?? []).length).toBeGreaterThan(200)
  }, 60_000)
  it('explain --svg on 2,000 terms exits 2 with the one-line refusal (not drawGraph: [object Object])', async () => {
    const d = mkdtempSync(join(tmpdir(), 'symgrad-bounds-'))
    const q = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      const at = [...Array.from({ length: 50 }, (_, i) => `x${i}=0.5`), ...Array.from({ length: 37 }, (_, i) => `y${i}=0.25`)].join(',')
      const r = await runCli(['explain', terms(2000), '--at', at, '--svg', join(d, 'g.svg')])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^symgrad: .*the circuit has \d+ nodes, more than the 300 a drawing takes.*\n$/)
    } finally {
      q.mockRestore()
      rmSync(d, { recursive: true, force: true })
    }
  }, 120_000)
})
