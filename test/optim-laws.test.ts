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
import { chain } from '../src/optim/GradientTransformation.js'
import { adam, momentum } from '../src/optim/aliases.js'
import { masked, multiTransform, setToZero } from '../src/optim/partition.js'
import { clipByGlobalNorm, scale, scaleByLearningRate } from '../src/optim/transforms.js'
import { sgdDef } from '../src/optim/builtins.js'
import { assertOptimizerLaws, frozenLaw, optimizerLaws, optimizerLawsProperty, transformationLaws } from '../laws/index.js'

describe.each([...builtinOptimizers.values()].map((d) => [d.name, d] as const))('optimizer %s', (_, def) => {
  for (const p of optimizerLaws(def, { numRuns: 20 })) it(p.name, () => fc.assert(p.property, p.params))
})

// the partition records, enrolled through the laws every transformation obeys
const partitions = [
  ['setToZero', () => setToZero()],
  ['masked(adam, p0)', (lr: number) => masked(adam(lr), (k) => k === 'p0')],
  ['masked(clipByGlobalNorm) then momentum', (lr: number) => chain(masked(clipByGlobalNorm(1), (k) => k !== 'p1'), momentum(lr))],
  ['multiTransform(adam | setToZero)', (lr: number) => multiTransform({ train: adam(lr), frozen: setToZero() }, (k) => (k === 'p1' ? 'frozen' : 'train'))],
  ['multiTransform(adam | adam·0.1)', (lr: number) => multiTransform({ train: adam(lr), slow: chain(adam(lr), scale(0.1)) }, (k) => (k === 'p0' ? 'slow' : 'train'))],
] as const
describe.each(partitions)('transformation %s', (name, build) => {
  for (const p of transformationLaws(name, build, { numRuns: 20 })) it(p.name, () => fc.assert(p.property, p.params))
})

describe('the optimizer laws catch', () => {
  // "freezing" with +0 updates: −0 parameters turn into +0
  const plusZero = { init: () => [] as const, update: (g: P.Params, s: readonly []) => [P.map(g, (t) => ({ shape: t.shape, data: new Float64Array(t.data.length) })), s] as const }
  it('a freeze by +0 updates (a −0 parameter turns into +0)', () => {
    const law = frozenLaw('sgd', (lr) => sgdDef.build(lr, {}), plusZero)
    const r = fc.check(law, { numRuns: 20 })
    expect(r.failed).toBe(true)
    expect(String(r.errorInstance)).toMatch(/frozen 'p\d'\[0\] is 0, expected -0/)
  })

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

  // a wrapper that changes `update` but passes the inner graph form on: the compiled step would run another rule
  const staleGraph = defineOptimizer({
    name: 'staleGraph', summary: 'update of 2·lr, graph form of lr', hyper: {}, defaults: {},
    build: (lr) => ({ ...scaleByLearningRate(lr), update: scaleByLearningRate(2 * (lr as number)).update }),
  })
  it('a graph form that is not the update (a wrapper that kept the inner form)', () => {
    expect(() => assertOptimizerLaws(staleGraph, { numRuns: 10, laws: ['graphForm'] })).toThrow(/staleGraph: graphForm: step 0: the graph form's (updates|state) differs? from update's/)
    expect(scaleByLearningRate(0.1).graph).toBeDefined()
    expect(chain(clipByGlobalNorm(1), adam(0.1)).graph).toBeUndefined()
    expect(masked(adam(0.1), () => true).graph).toBeUndefined()
  })

  it('a correct kind passes assertOptimizerLaws(def) and its property', () => {
    const adamDef = builtinOptimizers.get('adam')!
    expect(() => assertOptimizerLaws(adamDef, { numRuns: 5 })).not.toThrow()
    expect(() => fc.assert(optimizerLawsProperty(adamDef), { numRuns: 5 })).not.toThrow()
  })
})
