/**
 * Type-level tests of the public API's shapes, checked by `tsc --noEmit` (tsconfig includes test/):
 * each `@ts-expect-error` line must fail to compile, or tsc reports the unused directive.
 */
import { nn } from '../src/index.js'

// dropout: how much is dropped is named; a bare number (keep in some libraries, rate in others) is refused
export const kept = nn.dropout({ keep: 0.9 })
export const dropped = nn.dropout({ rate: 0.1 })
// @ts-expect-error a bare number: keep or rate?
nn.dropout(0.1)
// @ts-expect-error keep and rate together
nn.dropout({ keep: 0.9, rate: 0.1 })
