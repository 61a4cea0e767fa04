/**
 * Every public export has a doc comment: the public entries' exports (through `export * as`
 * namespaces) are walked with the TypeScript compiler API (typescript-6, the JavaScript API that
 * TypeScript 7 no longer ships; the same one `npm run docs` gives TypeDoc), and each declaration
 * needs a /** … *\/ comment, as do the members TypeDoc asks one of (constructors, methods and
 * function-typed fields), so `npm run docs` warns of no missing comment.
 */
import { describe, expect, it } from 'vitest'
import { undocumentedExports } from './support/docCoverage.js'

describe('doc comments', () => {
  it('every public export, and every constructor, method and function-typed field of one, has one', () => {
    expect(undocumentedExports(), 'public API without a doc comment').toEqual([])
  }, 60_000)
})
