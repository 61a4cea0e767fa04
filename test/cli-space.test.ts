/**
 * `symgrad search --space <file>`: the file is decoded through src/io (searchSpace.ts), so a bad
 * space is one line on stderr naming the path, expected and found (unknown fields refused with the
 * nearest known name) and exit status 2, before any trial runs; a good one is searched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../src/cli/main.js'
import { decodeSpace, SpaceC } from '../src/records/searchSpace.js'
import { choice, logUniform, uniform } from '../src/train/search.js'

const d = mkdtempSync(join(tmpdir(), 'symgrad-space-'))
const f = (name: string) => join(d, name)
afterAll(() => rmSync(d, { recursive: true, force: true }))

/** Writes `text` as a space file and runs `symgrad search --space` on it (nothing is trained when it is refused). */
async function search(name: string, text: string, extra: readonly string[] = []) {
  writeFileSync(f(name), text)
  return runCli(['search', '--data', 'xor', '--space', f(name), '--out', f('best.json'), ...extra])
}

describe('symgrad search --space: a bad space is one line and exit status 2', () => {
  const cases: [string, string, string][] = [
    ['malformed JSON', '{"learningRate": {"kind": "uniform",\n', 'malformed JSON at line 2, column 1: expected a field name in double quotes, got the end of the text'],
    ['not an object', '[1, 2]', 'space: expected a search space, got an array of 2'],
    ['an unknown field (abbreviation)', '{"lr": {"kind": "logUniform", "lo": 0.001, "hi": 0.3}}', 'unknown field space.lr (did you mean learningRate?)'],
    ['an unknown field (misspelling)', '{"learningRat": {"kind": "logUniform", "lo": 0.001, "hi": 0.3}}', 'unknown field space.learningRat (did you mean learningRate?)'],
    ['an unknown field of a dimension', '{"l2": {"kind": "uniform", "lo": 0, "hi": 0.1, "step": 0.01}}', 'unknown field space.l2.step (known fields: kind, lo, hi)'],
    ['a misspelled kind', '{"l2": {"kind": "unifrom", "lo": 0, "hi": 0.1}}', `space.l2.kind: expected one of 'uniform' | 'logUniform' | 'choice', got "unifrom" (did you mean 'uniform'?)`],
    ['a missing kind', '{"l2": {"lo": 0, "hi": 0.1}}', `space.l2.kind: expected one of 'uniform' | 'logUniform' | 'choice', got nothing`],
    ['a dimension that is a number', '{"l2": 0.1}', 'space.l2: expected a search dimension, got 0.1'],
    ['a missing bound', '{"l2": {"kind": "uniform", "lo": 0}}', 'space.l2.hi: missing, expected a finite number'],
    ['a bound that is a string', '{"momentum": {"kind": "uniform", "lo": "0.5", "hi": 0.9}}', 'space.momentum.lo: expected a finite number, got "0.5"'],
    ['lo > hi', '{"momentum": {"kind": "uniform", "lo": 0.9, "hi": 0.5}}', 'space.momentum: expected lo ≤ hi, got 0.9..0.5'],
    ['log-uniform from 0', '{"learningRate": {"kind": "logUniform", "lo": 0, "hi": 0.3}}', 'space.learningRate.lo: expected a positive number, got 0'],
    ['log-uniform with lo > hi', '{"learningRate": {"kind": "logUniform", "lo": 0.3, "hi": 0.001}}', 'space.learningRate: expected lo ≤ hi, got 0.3..0.001'],
    ['an empty choice', '{"hidden": {"kind": "choice", "values": []}}', 'space.hidden.values: expected at least one value, got an empty list'],
    ['a null choice value', '{"hidden": {"kind": "choice", "values": [50, null]}}', 'space.hidden.values[1]: expected a finite number or a non-empty string, got null'],
    ['choice values not a list', '{"optimizer": {"kind": "choice", "values": "adam"}}', 'space.optimizer.values: expected a non-empty list of numbers or strings, got "adam"'],
  ]
  it.each(cases)('%s', async (name, text, message) => {
    const r = await search(`${name.replace(/\W+/g, '-')}.json`, text)
    expect(r).toEqual({ code: 2, stderr: `symgrad: ${f(`${name.replace(/\W+/g, '-')}.json`)}: ${message}\n` })
  })

  it('a missing space file', async () => {
    const r = await runCli(['search', '--space', f('none.json'), '--out', f('best.json')])
    expect(r).toEqual({ code: 2, stderr: `symgrad: cannot read ${f('none.json')}: no such file or folder (ENOENT)\n` })
  })
})

describe('search spaces as JSON', () => {
  it('decode to the Space the builders make, whatever the order of the fields', () => {
    const text = '{"optimizer": {"kind": "choice", "values": ["adam", "sgd"]}, "momentum": {"kind": "uniform", "lo": 0.5, "hi": 0.5}, "learningRate": {"kind": "logUniform", "lo": 1e-3, "hi": 0.3}}'
    const r = decodeSpace(JSON.parse(text))
    expect(r).toEqual(E.right({ learningRate: logUniform(1e-3, 0.3), momentum: uniform(0.5, 0.5), optimizer: choice('adam', 'sgd') }))
    expect(E.isRight(r) && SpaceC.is(r.right)).toBe(true)
    expect(decodeSpace({})).toEqual(E.right({}))
  })

  it('a good space file is searched: its dimensions are the ones tried', async () => {
    const lines: string[] = []
    const q = vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l))
    const r = await search('ok.json', '{"learningRate": {"kind": "logUniform", "lo": 0.01, "hi": 0.1}, "hidden": {"kind": "choice", "values": [4]}}', ['--trials', '2', '--workers', '1', '--batch', '16'])
    q.mockRestore()
    expect(r).toEqual({ code: 0, stderr: '' })
    expect(lines.join('\n')).toContain('space {"hidden":{"kind":"choice","values":[4]},"learningRate":{"kind":"logUniform","lo":0.01,"hi":0.1}}')
    const best = JSON.parse(readFileSync(f('best.json'), 'utf8')) as { hidden: number[]; learningRate: number }
    expect(best.hidden).toEqual([4])
    expect(best.learningRate).toBeGreaterThanOrEqual(0.01)
    expect(best.learningRate).toBeLessThanOrEqual(0.1)
  }, 30_000)
})
