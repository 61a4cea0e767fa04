/** Every built-in layer kind passes the layer laws, enrolled from the registry (laws/layerLaws.ts). */
import { describe, expect, it } from 'vitest'
import { builtinLayers } from '../src/nn/builtinLayers.js'
import { defineLayer, dropLayer, layerKinds, noParams, noState, nothingToInit, withLayers } from '../src/nn/LayerDef.js'
import * as ops from '../src/ops/index.js'
import { layerLaws } from '../laws/layerLaws.js'

describe('layer laws, for every registered kind', () => {
  const laws = layerLaws(builtinLayers)
  it('enrolls five laws per kind', () => {
    expect(laws.length).toBe(5 * layerKinds(builtinLayers).length)
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
    const results = layerLaws(withLayers(builtinLayers, twice), { kinds: ['twice'] }).map((l) => [l.name, l.check().ok])
    expect(results).toEqual([['init', true], ['json', true], ['inference', false], ['train', true], ['test', true]])
  })
})
