/**
 * Every registered op gets its laws: listing an op in `src/ops/builtins.ts` is enough to get it
 * tested here — shape rule vs evaluation; vjp, linearity, product and chain rules, constants and
 * second derivatives vs central differences in float64 (relative error ≤ 1e-7); and compiled
 * values and gradients vs the reference interpreter.
 */
import { describe, it } from 'vitest'
import fc from 'fast-check'
import { Registry } from '../src/ops/index.js'
import { compile } from '../src/compile/index.js'
import { registryLaws, type Interpreter } from '../laws/index.js'

const compiled: Interpreter = { name: 'compiled', prepare: (outputs) => compile(outputs) }

describe.each([...registryLaws(Registry.builtins, { numRuns: 20, interpreters: [compiled] })])('op %s', (_, laws) => {
  for (const p of laws) it(p.name, () => fc.assert(p.property, p.params))
})
