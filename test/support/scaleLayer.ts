/** A user's layer kind for the tests: y = x·s per feature, s initialized to `by` (not in builtinLayers). */
import * as T from '../../src/core/Tensor.js'
import { FiniteNumber } from '../../src/core/codecs.js'
import { defineLayer, keepLayer, noState } from '../../src/nn/LayerDef.js'
import { Registries } from '../../src/records/Registries.js'
import * as ops from '../../src/ops/index.js'

export const scale = defineLayer({
  kind: 'scale',
  options: { by: FiniteNumber },
  defaults: { by: 1 },
  prefix: 'scale',
  params: (_, s) => ({ s: { shape: s } }),
  state: noState,
  outShape: (_, s) => s,
  init: (o, _, shapes) => ({ params: { s: T.fill(shapes.params.s, o.by) }, state: {} }),
  apply: (_, x, { params }) => ({ out: ops.mul(x, ops.broadcastTo(params.s, x.shape)) }),
  inference: keepLayer,
  describe: (o) => `scale by ${o.by}`,
  example: { options: { by: 2 }, inShape: [3] },
})

/** The built-in records plus the layer kind `scale`. */
export const withScale = Registries.extendOrThrow(Registries.builtins, { layers: [scale] })
