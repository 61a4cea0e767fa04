/** Activation layers: an elementwise nonlinearity on activations of any shape, no parameters. */
import { FiniteNumber, oneOf } from '../../core/codecs.js'
import { type ActivationName, activate, activationNames } from '../activations.js'
import { defineLayer, keepLayer, noParams, noState, nothingToInit } from '../LayerDef.js'

export interface Activation {
  readonly kind: 'activation'
  readonly fn: ActivationName
  readonly alpha?: number
  readonly name?: string
}

export const sigmoid: Activation = { kind: 'activation', fn: 'sigmoid' }
export const tanh: Activation = { kind: 'activation', fn: 'tanh' }
/** ReLU layer; relu'(0) = 0 (see activations.ts). */
export const relu: Activation = { kind: 'activation', fn: 'relu' }
export const identity: Activation = { kind: 'activation', fn: 'identity' }
/** Leaky ReLU with slope `alpha` for x ≤ 0 (default 0.01). */
export function leakyRelu(alpha = 0.01): Activation {
  return { kind: 'activation', fn: 'leakyRelu', alpha }
}
/** ELU with scale `alpha` for x ≤ 0 (default 1). */
export function elu(alpha = 1): Activation {
  return { kind: 'activation', fn: 'elu', alpha }
}

export const activationLayer = defineLayer({
  kind: 'activation',
  options: { fn: oneOf(activationNames), alpha: FiniteNumber },
  defaults: { alpha: undefined },
  // named by the function (relu0, tanh1), which statistics also show as the layer's kind
  prefix: (o) => o.fn,
  params: noParams,
  state: noState,
  outShape: (_, inShape) => inShape,
  init: nothingToInit,
  apply: (o, x) => ({ out: activate(o.fn, x, o.alpha) }),
  inference: keepLayer,
  describe: (o) => (o.alpha === undefined ? o.fn : `${o.fn} α=${o.alpha}`),
  example: { options: { fn: 'tanh', alpha: undefined }, inShape: [2, 3] },
})
