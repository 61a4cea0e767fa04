/**
 * The error rule (core/errors.ts): every public call that returns an Either has an `…OrThrow`
 * twin beside it, in the same namespace. Found mechanically: the source files' exported functions
 * whose declared return type is an Either (or Result), looked up by identity in what the package's
 * entries (symgrad, symgrad/node, symgrad/web, symgrad/laws, symgrad/kernels) export.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name)
    return d.isDirectory() ? sources(p) : d.name.endsWith('.ts') ? [p] : []
  })
}

/** Names of the exported functions of a source text whose return type is an Either (or Result). */
function eitherFunctions(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/export function (\w+)\s*(?:<[^(]*>)?\(/g)) {
    let i = m.index + m[0].length
    for (let depth = 1; depth > 0 && i < text.length; i++) depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0
    const ret = /^\s*:\s*([^{]*)\{/.exec(text.slice(i, i + 300))
    if (ret !== null && /^(E\.)?(Either|Result)</.test(ret[1]!.trim())) out.push(m[1]!)
  }
  return out
}

type Place = { readonly where: string; readonly key: string; readonly container: Record<string, unknown> }

/** Every function reachable from the entries (namespaces followed two levels down), by identity. */
function publicPlaces(entries: Record<string, Record<string, unknown>>): Map<unknown, Place[]> {
  const places = new Map<unknown, Place[]>()
  const walk = (obj: Record<string, unknown>, where: string, depth: number): void => {
    for (const [key, v] of Object.entries(obj)) {
      if (typeof v === 'function') places.set(v, [...(places.get(v) ?? []), { where, key, container: obj }])
      else if (depth > 0 && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === null)
        walk(v as Record<string, unknown>, `${where}.${key}`, depth - 1)
    }
  }
  for (const [name, mod] of Object.entries(entries)) walk(mod, name, 2)
  return places
}

describe('the error rule', () => {
  it('every public Either-returning function has an …OrThrow twin in the same namespace', async () => {
    const entries = {
      symgrad: (await import('../src/index.js')) as Record<string, unknown>,
      'symgrad/node': (await import('../src/node/index.js')) as Record<string, unknown>,
      'symgrad/web': (await import('../src/web/index.js')) as Record<string, unknown>,
      'symgrad/queue': (await import('../src/queue/index.js')) as Record<string, unknown>,
      'symgrad/laws': (await import('../laws/index.js')) as Record<string, unknown>,
      'symgrad/kernels': (await import('../src/kernels/index.js')) as Record<string, unknown>,
    }
    const places = publicPlaces(entries)
    let checked = 0
    const missing: string[] = []
    for (const file of sources(path.join(root, 'src'))) {
      const names = eitherFunctions(readFileSync(file, 'utf8'))
      if (names.length === 0) continue
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>
      for (const name of names)
        for (const p of places.get(mod[name]) ?? []) {
          checked++
          if (typeof p.container[`${p.key}OrThrow`] !== 'function') missing.push(`${p.where}.${p.key} (${path.relative(root, file)})`)
        }
    }
    expect(missing).toEqual([])
    expect(checked).toBeGreaterThan(40)
  }, 60_000)
})
