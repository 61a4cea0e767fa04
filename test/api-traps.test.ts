/**
 * The API's former traps, each with the behaviour that replaced it (type-level halves in
 * test/api-types.ts).
 */
import { describe, expect, it } from 'vitest'
import { nn } from '../src/index.js'

describe('nn.dropout takes { keep } or { rate } by name', () => {
  it('{ rate: 0.1 } drops 10% (the same layer as { keep: 0.9 }); a bare number or both are refused at run time too', () => {
    expect(nn.dropout({ rate: 0.1 })).toEqual(nn.dropout({ keep: 0.9 }))
    expect(nn.dropout({ rate: 0.1 }).keep).toBeCloseTo(0.9, 15)
    expect(nn.dropout({ rate: 0, name: 'd' })).toEqual({ kind: 'dropout', keep: 1, name: 'd' })
    expect(() => nn.dropout(0.1 as never)).toThrow(/give exactly one of \{ keep \}/)
    expect(() => nn.dropout({ keep: 0.9, rate: 0.1 } as never)).toThrow(/exactly one/)
    expect(() => nn.dropout({ rate: 1 })).toThrow(/rate \(probability of dropping a unit\) must be in \[0, 1\), got 1/)
  })
})
