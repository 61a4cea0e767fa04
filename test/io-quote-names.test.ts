/**
 * Names reach messages and log lines only through quoteName/bareName (core/codecs.ts, built on
 * quote()), like values: a field name, path step, leaf, parameter, layer, dataset or job id holding
 * an escape sequence, a newline or thousands of characters is escaped and cut, never printed raw.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { bareName, quoteName } from '../src/core/codecs.js'
import * as T from '../src/core/Tensor.js'
import { evaluate } from '../src/eval/evaluate.js'
import { decodeGraph, encodeGraph } from '../src/io/graph.js'
import { decodeRunConfig } from '../src/records/runConfig.js'
import { decodeSpace } from '../src/records/searchSpace.js'
import { decodeSpec } from '../src/records/spec.js'
import { stages } from '../src/compile/index.js'
import { show } from '../src/compile/program.js'
import { describeJob } from '../src/queue/worker.js'
import { defaultRunConfig } from '../src/train/config.js'
import * as ops from '../src/ops/index.js'

const ESC = '\u001b'
const hostileNames = [`${ESC}[31mred`, `a\nb`, `x${ESC}]0;title\u0007`, '\u202Eevil', 'q'.repeat(5000), `it's`, 'back\\slash', '\u200B']
const clean = (m: string) => {
  expect(m).not.toMatch(/[\u0000-\u001f\u007f\u202e\u200b]/)
  expect(m.length).toBeLessThan(600)
}
const leftOf = (r: E.Either<{ message: string }, unknown>) => (E.isLeft(r) ? r.left.message : 'Right')

describe('quoteName and bareName', () => {
  it('plain names keep their familiar form', () => {
    expect(quoteName('dense0.W')).toBe("'dense0.W'")
    expect(quoteName('my layer')).toBe("'my layer'")
    expect(bareName('trial-0a1b')).toBe('trial-0a1b')
    expect(bareName('csv:/tmp/d.csv')).toBe('csv:/tmp/d.csv')
  })
  it.each(hostileNames.map((n) => [n.length > 40 ? `${n.slice(0, 10)}… (${n.length} characters)` : JSON.stringify(n), n]))('%s is escaped and cut', (_, n) => {
    for (const f of [quoteName, bareName]) {
      const s = f(n)
      clean(s)
      expect(s.startsWith('"')).toBe(true)
    }
  })
})

describe('names from files in messages', () => {
  it.each(hostileNames.map((n) => [n.length > 40 ? `${n.slice(0, 10)}… (${n.length} characters)` : JSON.stringify(n), n]))('a run config field named %s', (_, n) => {
    const m = leftOf(decodeRunConfig({ [n]: 1 }))
    expect(m).toMatch(/^unknown field config\["/)
    clean(m)
  })
  it.each(hostileNames.map((n) => [n.length > 40 ? `${n.slice(0, 10)}… (${n.length} characters)` : JSON.stringify(n), n]))('a path through a field named %s (nested, and nested too deep)', (_, n) => {
    const m = leftOf(decodeRunConfig({ hyper: { [n]: 1 } }))
    expect(m).toMatch(/^unknown field config\.hyper\["|^config\.hyper/)
    clean(m)
    let deep: unknown = 1
    for (let i = 0; i < 70; i++) deep = { [n]: deep }
    const d = leftOf(decodeRunConfig(deep))
    expect(d).toMatch(/nested deeper than 64 levels/)
    clean(d)
  })
  it.each(hostileNames.map((n) => [n.length > 40 ? `${n.slice(0, 10)}… (${n.length} characters)` : JSON.stringify(n), n]))('a search space dimension named %s', (_, n) => {
    const m = leftOf(decodeSpace({ [n]: { kind: 'choice', values: [1] } }))
    clean(m)
  })
  it.each(hostileNames.map((n) => [n.length > 40 ? `${n.slice(0, 10)}… (${n.length} characters)` : JSON.stringify(n), n]))('a layer named %s is refused by the layer codec', (_, n) => {
    const m = leftOf(decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 3, name: n }] }))
    expect(m).toMatch(/^spec\.layers\[0\]\.name: expected a layer name/)
    clean(m)
  })
  it.each(hostileNames.map((n) => [n.length > 40 ? `${n.slice(0, 10)}… (${n.length} characters)` : JSON.stringify(n), n]))('a graph input named %s: the missing binding names it quoted', (_, n) => {
    const g = JSON.parse(JSON.stringify(encodeGraph([ops.add(ops.input('x', [2]), 1)])))
    g.nodes[0].attrs.name = n
    const outs = decodeGraph(g)
    // a leaf name is at most 256 characters: the long one is refused at decode, quoted
    if (n.length > 256) expect(leftOf(outs)).toMatch(/^graph\.nodes\[0\] \(input\): input: attribute 'name': expected a name/)
    if (E.isRight(outs)) {
      const m = leftOf(evaluate(outs.right, {}))
      expect(m).toMatch(/^missing binding for input "/)
      clean(m)
      const bad = leftOf(evaluate(outs.right, { [n]: { shape: [2], data: null } as never }))
      clean(bad)
      const text = show(stages(outs.right).program)
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/)
    }
  })
  it.each(hostileNames.map((n) => [n.length > 40 ? `${n.slice(0, 10)}… (${n.length} characters)` : JSON.stringify(n), n]))('a worker log line for a job whose point and data name %s', (_, n) => {
    const line = describeJob({ kind: 'trial', config: {}, point: { [n]: n } } as never, { ...defaultRunConfig, data: n as never })
    clean(line)
  })
  it('a tensor binding with a plain name keeps the old form', () => {
    const m = leftOf(evaluate([ops.add(ops.input('x', [2]), 1)], { x: T.zeros([3]) }))
    expect(m).toBe("binding for input 'x' [2]: expected [2], got [3] (axis 0)")
  })
})
