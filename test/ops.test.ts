/**
 * Every registered op gets its laws: registering an op in `src/ops/index.ts` is enough to get it
 * tested here — shape rule vs evaluation; vjp, linearity, product and chain rules, constants and
 * second derivatives vs central differences in float64 (relative error ≤ 1e-7); and compiled
 * values and gradients vs the reference interpreter.
 */
import { describe, it } from 'vitest'
import fc from 'fast-check'
import { builtinOps as registry } from '../src/ops/index.js'
import { compile } from '../src/compile/index.js'
import { opLaws, type Interpreter } from '../laws/index.js'

const compiled: Interpreter = { name: 'compiled', prepare: (outputs) => compile(outputs) }

describe.each(registry.map((op) => [op.name, op] as const))('op %s', (_, op) => {
  for (const p of opLaws(op, { numRuns: 20, interpreters: [compiled] })) it(p.name, () => fc.assert(p.property, p.params))
})
