/**
 * Every optimizer kind of the registry gets its laws (laws/optimizerLaws.ts): registering a kind is
 * enough to get it tested — purity under immer's deep freeze, zero gradients as a fixed point,
 * and resuming from a checkpointed state equal to the uninterrupted run, bit for bit.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { builtinOptimizers } from '../src/optim/registry.js'
import { defineOptimizer } from '../src/optim/OptimizerDef.js'
import { withHyper } from '../src/optim/transforms.js'
import * as P from '../src/core/Params.js'
import { assertOptimizerLaws, optimizerLaws, optimizerLawsProperty } from '../laws/index.js'

describe.each([...builtinOptimizers.values()].map((d) => [d.name, d] as const))('optimizer %s', (_, def) => {
  for (const p of optimizerLaws(def, { numRuns: 20 })) it(p.name, () => fc.assert(p.property, p.params))
})

describe('the optimizer laws catch', () => {
  // u = −lr·g, but the rule also writes its scratch into the gradients it was given
  const writes = defineOptimizer({
    name: 'writesGrads', summary: 'mutates its input', hyper: {}, defaults: {},
    build: (lr) => withHyper({ learningRate: lr }, () => ({}), (g, b, h) => {
      for (const t of Object.values(g)) (t.data as Float64Array)[0] = 0
      return [P.scale(g, -h.learningRate), b]
    }),
  })
  // a state that keeps a closure: not plain data, so it cannot be checkpointed and resumed
  const closure = defineOptimizer({
    name: 'keepsClosure', summary: 'state with a function', hyper: {}, defaults: {},
    build: (lr) => withHyper({ learningRate: lr }, () => ({ f: (() => 1) as unknown as number }), (g, b, h) => [P.scale(g, -h.learningRate), b]),
  })
  // moves with zero gradients: u = −lr·(g + 1)
  const drifts = defineOptimizer({
    name: 'drifts', summary: 'x ← x − lr·(dx + 1)', hyper: {}, defaults: {},
    build: (lr) => withHyper({ learningRate: lr }, () => ({}), (g, b, h) => [P.map(g, (t) => ({ shape: t.shape, data: t.data.map((v) => -h.learningRate * (v + 1)) })), b]),
  })
  it.each([
    ['a rule that writes its gradients', writes, /writesGrads: purity[\s\S]*(update wrote the gradients|Cannot assign)/],
    ['a state that is not plain data', closure, /keepsClosure: resume/],
    ['a rule that moves without a gradient', drifts, /drifts: zeroGradient[\s\S]*zero gradients gave update/],
  ] as const)('%s', (_, def, message) => {
    expect(() => assertOptimizerLaws(def, { numRuns: 10 })).toThrow(message)
    // one property over every law: the first law failing on a draw is named
    const r = fc.check(optimizerLawsProperty(def), { numRuns: 10 })
    expect(r.failed && String((r.errorInstance as Error).message)).toMatch(new RegExp(`^${def.name}: (purity|zeroGradient|resume): `))
  })

  it('a correct kind passes assertOptimizerLaws(def) and its property', () => {
    const adam = builtinOptimizers.get('adam')!
    expect(() => assertOptimizerLaws(adam, { numRuns: 5 })).not.toThrow()
    expect(() => fc.assert(optimizerLawsProperty(adam), { numRuns: 5 })).not.toThrow()
  })
})
