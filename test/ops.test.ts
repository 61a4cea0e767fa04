/**
 * Every registered op gets its laws: registering an op in `src/ops/index.ts` is enough to get it
 * tested here (shape rule vs evaluation; vjp, linearity, product and chain rules, constants and
 * second derivatives vs central differences in float64, relative error ≤ 1e-7).
 */
import { describe, it } from 'vitest'
import fc from 'fast-check'
import { registry } from '../src/ops/index.js'
import { opLaws } from '../laws/index.js'

describe.each(registry.map((op) => [op.name, op] as const))('op %s', (_, op) => {
  for (const p of opLaws(op, { numRuns: 20 })) it(p.name, () => fc.assert(p.property, p.params))
})
