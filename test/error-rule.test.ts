/**
 * The error rule: every Either-returning public reader has an …OrThrow twin that returns the Right
 * value or throws the Left's SymgradError (same message); builders throw at construction.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as sg from '../src/index.js'
import * as node from '../src/node/index.js'

describe('…OrThrow twins', () => {
  it('each twin returns the Right value or throws the Left as a SymgradError with the same message', () => {
    const x = sg.input('x', [])
    const cases: [string, () => E.Either<sg.SymgradError, unknown>, () => unknown][] = [
      ['io.parseJson', () => sg.io.parseJson('{', 'f.json'), () => sg.io.parseJsonOrThrow('{', 'f.json')],
      ['io.decodeRunConfig', () => sg.io.decodeRunConfig({ lr: 1 }), () => sg.io.decodeRunConfigOrThrow({ lr: 1 })],
      ['io.decodeCheckpoint', () => sg.io.decodeCheckpoint({}), () => sg.io.decodeCheckpointOrThrow({})],
      ['io.fromCsv', () => sg.io.fromCsv('a,b', 'c.csv'), () => sg.io.fromCsvOrThrow('a,b', 'c.csv')],
      ['Data.fromIdx', () => sg.Data.fromIdx(new Uint8Array(3), new Uint8Array(3)), () => sg.Data.fromIdxOrThrow(new Uint8Array(3), new Uint8Array(3))],
      ['evaluateAll', () => sg.evaluateAll([x], {}), () => sg.evaluateAllOrThrow([x], {})],
      ['node.loadCheckpoint', () => node.loadCheckpoint('/nonexistent/run.json'), () => node.loadCheckpointOrThrow('/nonexistent/run.json')],
      ['node.loadCsv', () => node.loadCsv('/nonexistent/d.csv'), () => node.loadCsvOrThrow('/nonexistent/d.csv')],
    ]
    for (const [name, either, twin] of cases) {
      const r = either()
      expect([name, E.isLeft(r)]).toEqual([name, true])
      if (E.isLeft(r)) expect(twin, name).toThrow(new sg.SymgradError(r.left.kind, r.left.message))
    }
    expect(sg.io.parseJsonOrThrow('[1]', 'f.json')).toEqual([1])
    expect(sg.evaluateOrThrow(sg.add(x, 1), { x: sg.Tensor.scalar(2) }).data[0]).toBe(3)
    expect(sg.evaluateAllOrThrow([sg.add(x, 1)], { x: sg.Tensor.scalar(2) })).toBeDefined()
  })

  it('builders throw at construction', () => {
    const a: readonly number[] = [2, 3] // widened: the mismatch is found at run time, not by the type checker
    expect(() => sg.matmul(sg.input('a', a), sg.input('b', a))).toThrow(sg.ShapeError)
  })
})
