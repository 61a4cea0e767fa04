/**
 * The command line, spawned as a user runs it (node bin/symgrad.mjs): --help, explain, gradcheck,
 * and argument errors that print one line and exit with status 2.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import { parseAssignments, parseExpr } from '../src/print/parseExpr.js'
import { evaluateOrThrow } from '../src/eval/evaluate.js'
import * as T from '../src/core/Tensor.js'
import { builtinOptimizers, optimizerNames } from '../src/optim/index.js'

/** The optimizer kinds as messages list them (the registry's names, in order). */
const kinds = optimizerNames(builtinOptimizers).map((k) => `'${k}'`).join(' | ')

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/symgrad.mjs', ...args], { encoding: 'utf8', timeout: 30_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function cliAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/symgrad.mjs', ...args])
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    p.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

describe('symgrad CLI', () => {
  it('--help lists the commands and exits 0', () => {
    const r = cli('--help')
    expect(r.status).toBe(0)
    for (const c of ['train', 'search', 'ensemble', 'gradcheck', 'explain']) expect(r.stdout).toContain(`  ${c} `)
  })

  const bad: [string[], string][] = [
    [['train', '--lr', 'abc'], 'symgrad: train: --lr expects a number, got "abc"'],
    [['train', '--optimiser', 'adam'], 'symgrad: train: unknown flag --optimiser (did you mean --optimizer?)'],
    [['train', '--optimizer', 'adamm'], `symgrad: --optimizer: optimizer 'adamm' is not a built-in nor in symgrad train's --with records (did you mean 'adam'?); start symgrad train with --with <the records module that defines it>`],
    [['train', '--epochs', '0'], 'symgrad: --epochs: expected a positive integer, got 0'],
    [['frobnicate'], "symgrad: unknown command 'frobnicate' (commands:"],
    [['trian'], "symgrad: unknown command 'trian' (did you mean train?"],
    [['explain', '(x+y)*'], 'symgrad: explain: unexpected end of expression'],
    [['explain', 'x*y', '--at', 'x=1'], 'symgrad: explain: no value for y: add --at y=…'],
    [['search', '--trials', '0'], 'symgrad: search: --trials must be a positive integer, got 0'],
  ]
  it('argument errors print one line and exit 2', async () => {
    const rs = await Promise.all(bad.map(([args]) => cliAsync(...args)))
    rs.forEach((r, i) => {
      const [args, start] = bad[i]!
      expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 2, stdout: '' })
      const lines = r.stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]!.startsWith(start), `${lines[0]} should start with ${start}`).toBe(true)
    })
  }, 120_000)

  it('explain prints simplified derivatives with values and the trace', () => {
    const r = cli('explain', '(x+y)*z', '--at', 'x=-2,y=5,z=-4')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('f = −12')
    expect(r.stdout).toContain('∂f/∂x = z = −4')
    expect(r.stdout).toContain('∂f/∂z = x + y = 3')
    expect(r.stdout).toContain('backprop trace')
  })

  it('explain writes the circuit as SVG and DOT (into a temporary folder), exit 0', () => {
    const d = mkdtempSync(join(tmpdir(), 'symgrad-explain-'))
    try {
      const r = cli('explain', '(x+y)*z', '--at', 'x=-2,y=5,z=-4', '--svg', join(d, 'g.svg'), '--dot', join(d, 'g.dot'))
      expect(r.status).toBe(0)
      const svg = readFileSync(join(d, 'g.svg'), 'utf8')
      // the wire out of the product carries −12 above and the seed gradient 1 below; x's wire −2 and −4
      for (const t of ['>−12<', '>1<', '>−2<', '>−4<', '>3<', 'gradient graph']) expect(svg).toContain(t)
      expect(readFileSync(join(d, 'g.dot'), 'utf8')).toMatch(/c0_n\d+ -> c0_out1 \[label=<<font color="#1a7a1a">−12<\/font><br\/><font color="#c0392b">1<\/font>>\]/)
    } finally {
      rmSync(d, { recursive: true, force: true })
    }
  })

  it('explain names a value outside the domain and exits 1', () => {
    const r = cli('explain', 'max(0,x)*log(x)', '--at', 'x=-1')
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('domain: f = NaN at this point: log(x) = NaN, log is not defined at x = −1')
    // no local gradient with respect to the constant 0 (row #1)
    expect(r.stdout).not.toContain('∂/∂#1')
    const s = cli('explain', 'sqrt(x)', '--at', 'x=0')
    expect(s.status).toBe(1)
    expect(s.stdout).toContain('domain: ∂f/∂x = ∞ at this point')
  })

  it('explain names a repeated subexpression once, with its value', () => {
    const r = cli('explain', 'sigmoid(w*x)*(1-sigmoid(w*x))', '--at', 'w=0.5,x=2')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^ {2}t1 = σ\(w·x\) = 0\.731059$/m)
    expect(r.stdout.split('backprop trace')[0]!.match(/σ\(/g)!.length).toBe(1)
  })

  it('gradcheck passes on a small network', () => {
    const r = cli('gradcheck', '--hidden', '4', '--loss', 'svm')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/dense0\.W .* ok/)
  })
})

describe('the expression language', () => {
  const at = (src: string, vals: Record<string, number>) => {
    const p = parseExpr(src)
    if (E.isLeft(p)) throw new Error(p.left)
    return T.item(evaluateOrThrow(p.right.expr, Object.fromEntries(Object.entries(vals).map(([k, v]) => [k, T.scalar(v)]))))
  }
  it('precedence, unary minus, powers and functions', () => {
    expect(at('1 + 2*3^2', {})).toBe(19)
    expect(at('-x^2', { x: 3 })).toBe(-9)
    expect(at('(x+y)*z', { x: -2, y: 5, z: -4 })).toBe(-12)
    expect(at('x/y/2', { x: 8, y: 2 })).toBe(2)
    expect(at('max(x, y) - min(x, y)', { x: 1, y: 4 })).toBe(3)
    expect(at('1/(1+exp(-(w0*x0+w1*x1+w2)))', { w0: 2, x0: -1, w1: -3, x1: -2, w2: -3 })).toBeCloseTo(0.7310585786, 9)
    expect(at('x ** -1', { x: 4 })).toBe(0.25)
    expect(at('x^y', { x: 2, y: 3 })).toBeCloseTo(8, 12)
    expect(at('2^-x^2', { x: 2 })).toBeCloseTo(2 ** -4, 12)
    expect(at('x^(y+1)', { x: 3, y: 1 })).toBeCloseTo(9, 12)
    expect(at('2^3^2', {})).toBeCloseTo(512, 10)
    expect(at('x \u2212 1', { x: 3 })).toBe(2)
  })
  it('variables in order of appearance; errors name the place', () => {
    const p = parseExpr('b*a + b')
    expect(E.isRight(p) && p.right.vars).toEqual(['b', 'a'])
    expect(parseExpr('x + * y')).toEqual(E.left("unexpected '*' at column 5"))
    expect(parseExpr('foo(x)')).toEqual(E.left('unknown function \'foo\' at column 1 (known: exp, log, sqrt, tanh, sigmoid, relu, abs, square, max, min)'))
    expect(parseExpr('(x')).toEqual(E.left("expected ')' at the end"))
    expect(parseAssignments('x=-2, y = 5')).toEqual(E.right({ x: -2, y: 5 }))
    expect(parseAssignments('x=abc')).toEqual(E.left('--at: expected name=number, got "x=abc" (not a decimal number)'))
  })
})
