/**
 * Every public export has a doc comment: the public entries' exports (through `export * as`
 * namespaces) are walked with the TypeScript compiler API (typescript-6, the JavaScript API that
 * TypeScript 7 no longer ships; the same one `npm run docs` gives TypeDoc), and each declaration
 * needs a /** … *\/ comment. Exports documented nowhere yet are listed in
 * test/support/undocumented.txt: a new export missing from it fails, and a listed one that has
 * gained a comment must leave the list, so it only shrinks.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { undocumentedExports } from './support/docCoverage.js'

const repo = resolve(import.meta.dirname, '..')

describe('doc comments', () => {
  it('every public export has one, except those still listed in test/support/undocumented.txt (a list that only shrinks)', () => {
    const listed = readFileSync(join(repo, 'test/support/undocumented.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))
    const missing = undocumentedExports()
    expect(missing.filter((m) => !listed.includes(m)), 'new exports without a doc comment').toEqual([])
    expect(listed.filter((m) => !missing.includes(m)), 'documented now: remove from test/support/undocumented.txt').toEqual([])
  }, 60_000)
})
