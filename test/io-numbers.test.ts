/**
 * One reader of numbers written as text (core/numbers.ts) behind CSV fields, flags, `--at`, the
 * SYMGRAD_* variables and explain's literals: decimal only, so 0x10, 0b11, 0o7, blanks, `1_0` and
 * words are refused where JavaScript's Number would read them; a literal beyond float64 is refused.
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { parseDecimal, parseFinite } from '../src/core/numbers.js'
import { fromCsv } from '../src/io/csv.js'
import { limitsFromEnv } from '../src/io/limits.js'
import { ArgError, numberList, parseArgs } from '../src/cli/args.js'
import { parseAssignments, parseExpr } from '../src/print/parseExpr.js'
import { runCli } from '../src/cli/main.js'

const hostile = ['0x10', '0X10', '0b11', '0o7', '', ' ', ' 1', '1 ', '1_0', 'Infinity', '-Infinity', 'NaN', '1e', 'e5', '--1', '+-1', '1.2.3', '١٢', '1\u00a0', '\t1', '0x', 'infinity', '1n', '1,5']

describe('parseDecimal', () => {
  it('reads back every finite double as String writes it (and as toExponential writes it)', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      expect(parseDecimal(String(x))).toBe(x === 0 ? 0 : x) // String(-0) is "0"
      expect(parseDecimal(x.toExponential())).toBe(x === 0 ? 0 : x)
    }), { numRuns: 300 })
  })
  it.each(['12', '-0.5', '.5', '3.', '+4', '1e-3', '1E3', '007'])('accepts %j', (s) => expect(parseDecimal(s)).toBe(Number(s)))
  it.each(hostile)('refuses %j', (s) => expect(parseDecimal(s)).toBeUndefined())
  it('parseFinite tells a spelling from an overflow', () => {
    expect(parseFinite('0x10')).toEqual({ problem: 'not a decimal number' })
    expect(parseFinite('1e309')).toEqual({ problem: 'beyond float64 range, reads as ±∞' })
    expect(parseFinite('-1e309')).toEqual({ problem: 'beyond float64 range, reads as ±∞' })
    expect(parseFinite('1e-400')).toEqual({ value: 0 })
  })
})

describe('every reader refuses the same spellings', () => {
  const csvMsg = (field: string) => {
    const r = fromCsv(`0,1\n1,${field}\n`, 'd.csv')
    return E.isLeft(r) ? r.left.message : undefined
  }
  it.each(['0x10', '0b11', '0o7', '1_0', '', '1e', '0x'])('CSV field %j', (s) => {
    expect(csvMsg(s)).toMatch(/^d\.csv: line 2, field 2: expected a number, got "/)
  })
  it('CSV keeps spaces around fields and NaN/Infinity written out (refused later with row and column)', () => {
    expect(E.isRight(fromCsv('0, 1\n1,\t2 \n', 'd.csv'))).toBe(true)
    expect(csvMsg('Infinity')).toMatch(/d\.csv/)
    expect(csvMsg('Infinity')).not.toMatch(/expected a number/)
  })

  const spec = { lr: { kind: 'number' as const, help: '' } }
  const flag = (raw: string) => {
    try {
      parseArgs(['--lr', raw], spec, 'train')
      return undefined
    } catch (e) {
      expect(e).toBeInstanceOf(ArgError)
      return (e as Error).message
    }
  }
  it.each(hostile.filter((s) => !s.startsWith('-')))('flag --lr %j', (s) => {
    expect(flag(s)).toMatch(/^train: --lr expects a number, got ".*" \((not a decimal number|beyond float64 range, reads as ±∞)\)$/)
  })
  it('flag --lr 1e309 names the overflow; 0.1 and 1e-3 pass', () => {
    expect(flag('1e309')).toBe('train: --lr expects a number, got "1e309" (beyond float64 range, reads as ±∞)')
    expect(parseArgs(['--lr=1e-3'], spec, 'train').flags['lr']).toBe(0.001)
  })
  it('--hidden lists name the bad part', () => {
    expect(numberList('hidden', '64, 32')).toEqual([64, 32])
    expect(() => numberList('hidden', '64,0x20')).toThrow('--hidden[1]: expected a number, got "0x20" (not a decimal number)')
    expect(() => numberList('hidden', '64,,2')).toThrow('--hidden[1]: expected a number, got "" (not a decimal number)')
  })
  it.each(['0x10', '0b11', '0o7', '1_0', 'Infinity', '1e309', 'NaN', '1e'])('--at x=%s', (s) => {
    const r = parseAssignments(`x=${s}`)
    expect(E.isLeft(r) && r.left).toMatch(/^--at: expected name=number, got "x=.*" \((not a decimal number|beyond float64 range, reads as ±∞)\)$/)
  })
  it('--at still reads spaces around = and the minus sign U+2212', () => {
    expect(parseAssignments('x = \u22122, y=.5')).toEqual(E.right(Object.assign(Object.create(null), { x: -2, y: 0.5 })))
  })
  it.each(['0x10', '0b11', '0o7', ' 8', '1_0', 'Infinity', '1e3.5', '8 '])('SYMGRAD_MAX_LAYERS=%j', (s) => {
    const r = limitsFromEnv({ SYMGRAD_MAX_LAYERS: s })
    expect(E.isLeft(r) && r.left.message).toMatch(/^SYMGRAD_MAX_LAYERS: expected a positive integer, got "/)
  })
  it('SYMGRAD_MAX_LAYERS=1e3 is a decimal integer and passes', () => {
    const r = limitsFromEnv({ SYMGRAD_MAX_LAYERS: '1e3' })
    expect(E.isRight(r) && r.right.layers).toBe(1000)
  })
})

describe("explain's literals", () => {
  it('a literal beyond float64 is refused; ∞ and Infinity say infinity on purpose', () => {
    expect(parseExpr('x*1e309')).toEqual(E.left('the number "1e309" at column 3 is beyond float64 range (write ∞ or Infinity if you mean infinity)'))
    expect(parseExpr('max(x, -1e999)')).toEqual(E.left('the number "1e999" at column 9 is beyond float64 range (write ∞ or Infinity if you mean infinity)'))
    for (const s of ['max(x, -\u221e)', 'max(x, -Infinity)']) {
      const p = parseExpr(s)
      expect(E.isRight(p)).toBe(true)
    }
    const a = parseExpr('max(x, -\u221e) + min(x, Infinity)')
    const b = parseExpr('max(x, -Infinity) + min(x, \u221e)')
    expect(E.isRight(a) && E.isRight(b) && a.right.expr === b.right.expr).toBe(true)
  })
  it('a control character in the expression is quoted, never printed raw', () => {
    expect(parseExpr('x \u001b[31m')).toEqual(E.left('unexpected "\\u001b" at column 3'))
    expect(parseExpr('x \u{1F600}')).toEqual(E.left('unexpected "\u{1F600}" at column 3'))
  })
})

describe('symgrad explain at the edges of float64', () => {
  const explain = async (...argv: string[]) => {
    const out: string[] = []
    const q = vi.spyOn(console, 'log').mockImplementation((l: string) => void out.push(l))
    try {
      return { ...(await runCli(['explain', ...argv])), out: out.join('\n') }
    } finally {
      q.mockRestore()
    }
  }
  it('max(x, −∞) + min(x, ∞) at x = 1: f = 2, ∂f/∂x = 2, the conditions printed with their signs, exit 0', async () => {
    const r = await explain('max(x, -∞) + min(x, Infinity)', '--at', 'x=1')
    expect(r.code).toBe(0)
    expect(r.out).toContain('at x = 1: f = 2')
    expect(r.out).toMatch(/∂f\/∂x = where\(x ≤ ∞, 1, 0\) \+ where\(x ≥ \(?−∞\)?, 1, 0\) = 2/)
  })
  it.each(['x*1e309', 'max(x, -1e309) + min(x, 1e309)', 'x + 2e308'])('%s: the overflowing literal is refused, exit 2', async (e) => {
    const r = await explain(e, '--at', 'x=1')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^symgrad: explain: the number "\d+e\d+" at column \d+ is beyond float64 range \(write ∞ or Infinity if you mean infinity\)\n$/)
  })
  it('x·∞ written on purpose: f = ∞ is not silent, a domain note and exit 1', async () => {
    const r = await explain('x*Infinity', '--at', 'x=1')
    expect(r.code).toBe(1)
    expect(r.out).toContain('domain: f = ∞ at this point: the constant ∞ is infinite as written')
  })
  it('an --at value beyond float64 is refused, exit 2', async () => {
    const r = await explain('x*2', '--at', 'x=1e400')
    expect(r).toEqual({ code: 2, stderr: 'symgrad: explain: --at: expected name=number, got "x=1e400" (beyond float64 range, reads as ±∞)\n', out: '' })
  })
})

