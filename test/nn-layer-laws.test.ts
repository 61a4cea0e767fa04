/** Every built-in layer kind passes the layer laws, enrolled from the registry (laws/layerLaws.ts). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { builtinLayerRegistries, builtinLayers } from '../src/nn/builtinLayers.js'
import { Registries } from '../src/records/Registries.js'
import { defineLayer, dropLayer, keepLayer, layerKinds, noParams, noState, nothingToInit } from '../src/nn/LayerDef.js'
import * as E from 'fp-ts/lib/Either.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { assertLayerLaws, layerLaws, layerLawsOf, layerLawsProperty } from '../laws/layerLaws.js'

describe('layer laws, for every registered kind', () => {
  const laws = layerLaws(builtinLayerRegistries)
  it('enrolls five laws per kind, and a sixth (fit) per kind with fitted state', () => {
    const fitted = layerKinds(builtinLayers).filter((k) => builtinLayers.defs.get(k)!.fit !== undefined)
    expect(fitted).toEqual(['center', 'channelCenter', 'standardize', 'pca', 'pcaWhiten', 'zca'])
    expect(laws.length).toBe(5 * layerKinds(builtinLayers).length + fitted.length)
  })
  for (const law of laws)
    it(`${law.kind}: ${law.name}`, () => {
      const r = law.check()
      expect(r.ok ? 'ok' : r.message).toBe('ok')
    })
})

describe('layer laws catch a broken record', () => {
  // y = 2x in train mode and 3x in test mode, with an inference form that drops it: the gradients
  // and the rest hold, but the inference form computes x where test mode computes 3x
  const twice = defineLayer({
    kind: 'twice',
    options: {},
    defaults: {},
    prefix: 'twice',
    params: noParams,
    state: noState,
    outShape: (_, s) => s,
    init: nothingToInit,
    apply: (_, x, { mode }) => ({ out: mode === 'train' ? ops.mul(2, x) : ops.mul(3, x) }),
    inference: dropLayer,
    describe: () => 'twice',
    example: { options: {}, inShape: [3] },
  })
  it('an inference form that changes the test-mode function fails the inference law only', () => {
    const results = layerLaws(Registries.extendOrThrow(Registries.builtins, { layers: [twice] }), { kinds: ['twice'] }).map((l) => [l.name, l.check().ok])
    expect(results).toEqual([['init', true], ['json', true], ['inference', false], ['train', true], ['test', true]])
    expect(layerLawsOf(twice).map((l) => [l.name, l.check().ok])).toEqual(results)
  })

  it('assertLayerLaws(def) and layerLawsProperty(def) take the record alone, like an op’s laws', () => {
    expect(() => assertLayerLaws(twice)).toThrow(/^twice: inference: inference form: toInference\(m\) in train mode differs from m in test mode$/)
    const r = fc.check(layerLawsProperty(twice), { numRuns: 1 })
    expect(r.failed && String((r.errorInstance as Error).message)).toMatch(/^twice: inference: /)
    const dense = builtinLayers.defs.get('dense')!
    expect(() => assertLayerLaws(dense)).not.toThrow()
    expect(() => fc.assert(layerLawsProperty(dense), { numRuns: 2 })).not.toThrow()
    // a record whose kind a built-in already has is refused by name
    expect(() => assertLayerLaws({ ...twice, kind: 'dense' })).toThrow("layer kind 'dense' is already registered")
  })

  // a fitted layer whose fit centres the rows in place (and so changes the caller's data)
  const meddler = defineLayer({
    kind: 'meddler',
    options: {},
    defaults: {},
    prefix: 'meddler',
    params: noParams,
    state: (_, s) => ({ mean: s }),
    outShape: (_, s) => s,
    init: (_o, _key, { state }) => ({ params: {}, state: { mean: T.zeros(state.mean) } }),
    apply: (_, x, { state }) => ({ out: ops.sub(x, ops.broadcastTo(state.mean, x.shape)) }),
    inference: keepLayer,
    fit: (_, x) => {
      const [n, d] = x.shape as [number, number]
      const mean = new Float64Array(d)
      for (let i = 0; i < n * d; i++) mean[i % d]! += x.data[i]! / n
      for (let i = 0; i < n * d; i++) x.data[i]! -= mean[i % d]!
      return E.right({ mean: { shape: [d], data: mean } })
    },
    describe: () => 'meddler',
    example: { options: {}, inShape: [3] },
  })
  it('a fit that writes into the rows it is given fails the fit law only', () => {
    const results = layerLaws(Registries.extendOrThrow(Registries.builtins, { layers: [meddler] }), { kinds: ['meddler'] }).map((l) => [l.name, l.check().ok])
    expect(results).toEqual([['init', true], ['json', true], ['inference', true], ['train', true], ['test', true], ['fit', false]])
  })
})
