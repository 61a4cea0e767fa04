/**
 * The house under src/ stands one way. No module imports itself through others (type-only imports
 * included), and folders are floors (GUIDE.md, "The house: folders as floors"): a folder imports
 * only folders on lower floors, never its floor-mates or anything above. The order is declared
 * here, once; a folder missing from it is refused, so a new folder is placed on purpose.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../src')

/**
 * Folder → floor. `.` is src/index.ts; the entries (symgrad, symgrad/node, /web, /kernels) sit on top.
 * runner/ (Node: a run's data, its checks, worker threads) sits under both cli/ and queue/.
 */
const floors: Readonly<Record<string, number>> = {
  '.': 8, node: 8, web: 8, kernels: 8,
  cli: 7,
  queue: 6,
  runner: 5.5,
  records: 5,
  train: 4, print: 4, onnx: 4,
  compile: 3, nn: 3,
  ad: 2, io: 2,
  ops: 1, eval: 1, optim: 1, data: 1, plot: 1,
  core: 0,
}

/** Where Node's built-ins may be imported: the rest of src/ is browser-safe (test/browser.test.ts bundles it). */
const nodeFolders = ['cli', 'queue', 'runner', 'node']
const nodeFiles = ['io/atomic.ts', 'io/files.ts', 'io/mnist.ts', 'io/standardData.ts']

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : []
  })
}

/** Relative imports, re-exports and dynamic imports (`await import('../queue/…')`) of each file, as absolute .ts paths. */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>()
  for (const f of sources(root)) {
    const text = readFileSync(f, 'utf8')
    const specifiers = [...text.matchAll(/^(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm), ...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)]
    const deps = specifiers.map((m) => resolve(dirname(f), m[1]!.replace(/\.js$/, '.ts')))
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

/** The folder a file under src/ lives in (its first segment; `.` for src/index.ts). */
const folderOf = (file: string): string => {
  const r = relative(root, file)
  return r.includes('/') ? r.slice(0, r.indexOf('/')) : '.'
}

/** Every import from one folder to another on the same floor or above: `from → to`, paths under src/. */
function upward(g: Map<string, string[]>): string[] {
  const found = new Set<string>()
  for (const [f, deps] of g) {
    const a = folderOf(f)
    for (const d of deps) {
      const b = folderOf(d)
      if (a !== b && floors[b]! >= floors[a]!) found.add(`${relative(root, f)} → ${relative(root, d)}`)
    }
  }
  return [...found].sort()
}

describe('imports under src/', () => {
  const g = importGraph()

  it('form no cycle', () => {
    expect(g.get(join(root, 'nn/model.ts'))!.length).toBeGreaterThan(5)
    expect(cycles(g).map((c) => c.join(' → '))).toEqual([])
  })

  it('come from folders with a declared floor', () => {
    expect([...new Set([...g.keys()].map(folderOf))].filter((f) => floors[f] === undefined)).toEqual([])
  })

  it('only go down the floors', () => {
    const found = upward(g)
    if (found.length > 0) console.log(`${found.length} imports break the floors:\n${found.join('\n')}`)
    expect(found).toEqual([])
  })

  it('of Node built-ins stay in the Node folders and files', () => {
    const found = [...g.keys()]
      .filter((f) => /(?:from\s+|\bimport\s*\(?\s*)'node:/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f))
      .filter((r) => !nodeFolders.includes(folderOf(join(root, r))) && !nodeFiles.includes(r))
    expect(found).toEqual([])
  })

  it('are seen by the check: an upward import is caught', () => {
    const probe = new Map([[join(root, 'core/x.ts'), [join(root, 'nn/model.ts')]], [join(root, 'nn/y.ts'), [join(root, 'nn/model.ts'), join(root, 'optim/z.ts')]]])
    expect(upward(probe)).toEqual(['core/x.ts → nn/model.ts'])
  })
})
