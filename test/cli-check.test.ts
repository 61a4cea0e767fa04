/** `symgrad check`: hazards of a graph file, a model spec and the CLI's own model with --data ranges; bad input exits 2 with one line. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../src/cli/main.js'
import { reportHtml } from '../src/train/report.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-check-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function check(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = []
  const spy = vi.spyOn(console, 'log').mockImplementation((l: unknown) => void lines.push(String(l)))
  try {
    const r = await runCli(['check', ...args])
    return { code: r.code, out: lines.join('\n'), err: r.stderr }
  } finally {
    spy.mockRestore()
  }
}

describe('symgrad check', () => {
  it('finds the hazards of the naive softmax cross-entropy graph, the rewrite, and nothing after it', async () => {
    const r = await check('examples/graphs/naive-softmax-ce.json')
    expect(r.code).toBe(1)
    expect(r.out).toContain('hazards: 3')
    expect(r.out).toMatch(/exp\(scores\): overflow, forward and backward, when x > 709\.8/)
    expect(r.out).toMatch(/log\(\(exp\(scores\) \/ broadcast\(…\)\)\): at or across 0/)
    expect(r.out).toContain('stable rewrites that fire:\n  log∘softmax → logSoftmax ×1 — ')
    expect(r.out).toContain('after the rewrites: hazards: none found')
  })
  it('takes input ranges: scores in [−10, 10] are safe in float64, [−100, 100] overflow exp in float32 only', async () => {
    expect((await check('examples/graphs/naive-softmax-ce.json', '--ranges', 'scores=-10..10,y=0..9')).code).toBe(0)
    const r = await check('examples/graphs/naive-softmax-ce.json', '--ranges', 'scores=-100..100,y=0..9')
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/exp\(scores\): overflow \(float32 only\)/)
  })
  it('checks a model spec and the CLI\'s own model on the data\'s observed range', async () => {
    const spec = join(dir, 'spec.json')
    writeFileSync(spec, JSON.stringify({ in: 2, layers: [{ kind: 'dense', in: 2, out: 8 }, { kind: 'batchNorm' }, { kind: 'activation', fn: 'elu' }, { kind: 'dense', in: 8, out: 3 }] }))
    const a = await check(spec, '--data', 'spiral')
    expect(a.out).toMatch(/x ∈ \[−0\.\d+, 0\.\d+\] \(the data's observed range\)/)
    expect(a.out).toContain('hazards: none found')
    expect(a.code).toBe(0)
    const b = await check('--data', 'spiral', '--batchnorm', '--loss', 'svm')
    expect(b.out).toMatch(/^model: mlp \[2, 100, 3\] with batch norm on spiral, loss svm/)
    expect(b.code).toBe(0)
  })
  it('refuses bad input with one line and exit status 2', async () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ format: 'symgrad-graph', version: 1, nodes: [{ op: 'nope', args: [], attrs: {} }], outputs: [0] }))
    for (const args of [[bad], [join(dir, 'missing.json')], ['examples/graphs/naive-softmax-ce.json', '--ranges', 'x=1..0'], ['examples/graphs/naive-softmax-ce.json', '--ranges', 'x=a..b'], ['examples/graphs/naive-softmax-ce.json', '--ranges', '__proto__=0..1'], ['examples/graphs/naive-softmax-ce.json', '--ranges', 'x=0..1,x=0..2'], ['examples/graphs/naive-softmax-ce.json', '--dtype', 'float16']]) {
      const r = await check(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.err.trim().split('\n')).toHaveLength(1)
    }
  })
})

describe('hazards in explain and in the report', () => {
  it('explain lists the hazards of f and the stable rewrites that fire, with their reasons', async () => {
    const lines: string[] = []
    const spy = vi.spyOn(console, 'log').mockImplementation((l: unknown) => void lines.push(String(l)))
    try {
      await runCli(['explain', 'log(1/(1+exp(-x)))', '--at', 'x=-800'])
    } finally {
      spy.mockRestore()
    }
    const out = lines.join('\n')
    expect(out).toContain('hazards of f, for any value of its variables: 2')
    expect(out).toMatch(/exp\(−x\): overflow, forward and backward, when x > 709\.8/)
    expect(out).toContain('log(sigmoid) → −softplus(−x) ×1 — sigmoid(x) underflows to 0')
    expect(out).toContain('f rewritten = −softplus(−x)')
  })
  it('the report page has a Hazards section', () => {
    const html = reportHtml({ title: 't', facts: [], checks: [], hazards: ['hazards: 1', '  exp(x): overflow'], images: [] })
    expect(html).toContain('<h2>Hazards</h2>')
    expect(html).toContain('<li class="warn">  exp(x): overflow</li>')
    expect(reportHtml({ title: 't', facts: [], checks: [], images: [] })).not.toContain('Hazards')
  })
})
