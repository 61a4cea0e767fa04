/**
 * No module under src/ imports itself through others (type-only imports included): the layers stand
 * on each other one way (nn/model.ts and nn/regularizers.ts used to import each other).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../src')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : []
  })
}

/** Relative imports and re-exports of each file, as absolute .ts paths. */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>()
  for (const f of sources(root)) {
    const text = readFileSync(f, 'utf8')
    const deps = [...text.matchAll(/^(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => resolve(dirname(f), m[1]!.replace(/\.js$/, '.ts')))
    g.set(f, deps.filter((d) => d.endsWith('.ts')))
  }
  return g
}

function cycles(g: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>()
  const found: string[][] = []
  const visit = (n: string, stack: string[]) => {
    state.set(n, 'open')
    stack.push(n)
    for (const d of g.get(n) ?? []) {
      if (!g.has(d)) continue
      if (state.get(d) === 'open') found.push([...stack.slice(stack.indexOf(d)), d].map((p) => relative(root, p)))
      else if (!state.has(d)) visit(d, stack)
    }
    stack.pop()
    state.set(n, 'done')
  }
  for (const n of g.keys()) if (!state.has(n)) visit(n, [])
  return found
}

describe('imports under src/', () => {
  it('form no cycle', () => {
    const g = importGraph()
    expect(g.get(join(root, 'nn/model.ts'))!.length).toBeGreaterThan(5)
    expect(cycles(g).map((c) => c.join(' → '))).toEqual([])
  })
})
