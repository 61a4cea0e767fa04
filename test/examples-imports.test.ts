/** Examples are copied into projects: they import only the package's public entries (and Node or fp-ts), never a file under src/. */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const publicEntries = ['../src/index.js', '../src/node/index.js', '../src/web/index.js', '../src/queue/index.js', '../src/kernels/index.js', '../laws/index.js']

describe('examples/', () => {
  it('import from the public entries only (symgrad, symgrad/node, symgrad/web, symgrad/queue, symgrad/kernels, symgrad/laws)', () => {
    const dir = new URL('../examples/', import.meta.url)
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThanOrEqual(8)
    const bad: string[] = []
    for (const f of files) {
      const text = readFileSync(new URL(f, dir), 'utf8')
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']*)'/g)) if (!publicEntries.includes(m[1]!)) bad.push(`${f}: ${m[1]}`)
    }
    expect(bad).toEqual([])
  })
})
