/**
 * The README names only calls that exist: every `name(` inside backticks or a code block of the
 * README is an export of a package entry (symgrad, symgrad/node, symgrad/web, symgrad/laws; their
 * namespaces and the fields of exported records) or is defined in the README's own code or an example.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

describe('README', () => {
  it('calls nothing the package does not export', async () => {
    const keys = new Set<string>()
    const walk = (o: object, depth: number): void => {
      for (const [k, v] of Object.entries(o)) {
        keys.add(k)
        if (depth > 0 && v !== null && (typeof v === 'object' || typeof v === 'function')) walk(v as object, depth - 1)
      }
    }
    for (const m of [await import('../src/index.js'), await import('../src/node/index.js'), await import('../src/web/index.js'), await import('../src/queue/index.js'), await import('../laws/index.js')]) walk(m, 3)
    const namespaces = new Set(keys)
    const text = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const examples = readdirSync(new URL('../examples/', import.meta.url)).filter((f) => f.endsWith('.ts'))
    const own = [text, ...examples.map((f) => readFileSync(new URL(`../examples/${f}`, import.meta.url), 'utf8'))].join('\n')
    for (const d of own.matchAll(/(?:const|let|function)\s+([A-Za-z_]\w*)/g)) keys.add(d[1]!)
    const spans = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2]!)
    // `a.b(`: checked when `a` is an export (a namespace such as nn or optim); a method of a local value is not
    const calls = spans.flatMap((s) =>
      [...s.matchAll(/(?:^|[\s(=!,[{])(?:([A-Za-z_]\w*)\.)?([a-z][A-Za-z0-9]*)\(/gm)].filter((c) => c[1] === undefined || (namespaces.has(c[1]) && !own.includes(`const ${c[1]} =`))).map((c) => c[2]!),
    )
    const jsBuiltins = new Set(['import', 'require', 'console', 'log', 'map', 'slice', 'push', 'then', 'if', 'for', 'while', 'return', 'from', 'of', 'keys', 'entries', 'join', 'exp', 'max', 'min', 'sqrt', 'abs', 'random', 'floor', 'round', 'forEach', 'filter', 'reduce', 'toFixed', 'catch', 'fetch', 'at', 'switch', 'parse', 'stringify', 'assert', 'property', 'integer', 'float', 'array', 'tuple', 'record', 'constant', 'nat', 'double', 'check', 'sample', 'describe', 'it', 'test', 'expect'])
    const unknown = [...new Set(calls.filter((c) => !keys.has(c) && !jsBuiltins.has(c)))]
    expect(unknown).toEqual([])
    expect(calls.length).toBeGreaterThan(50)
  }, 60_000)
})
