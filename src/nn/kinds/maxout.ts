/**
 * Maxout (Goodfellow et al. 2013): `pieces` affine maps [in → out] side by side, W [in, pieces·out]
 * and b [pieces·out], then the max over the pieces per unit (ties share the gradient).
 */
import * as T from '../../core/Tensor.js'
import { PositiveInt } from '../../core/codecs.js'
import * as ops from '../../ops/index.js'
import { maxoutPieces } from '../activations.js'
import { type InitScheme, InitSchemeC, initWeight, showScheme } from '../init.js'
import { defineLayer, keepLayer, noState } from '../LayerDef.js'
import { checkIn, checkWidth, defaultInit, type DenseOptions } from './dense.js'

/** The spec record of a `maxout` layer: widths, pieces, initializer, name. */
export interface Maxout<In extends number = number, Out extends number = number> {
  readonly kind: 'maxout'
  readonly in: In
  readonly out: Out
  readonly pieces: number
  readonly init: InitScheme
  readonly name?: string
}

/** A maxout layer (Goodfellow et al. 2013): `pieces` affine maps from `inWidth` to `outWidth`, their elementwise maximum. */
export function maxout<const In extends number, const Out extends number>(inWidth: In, outWidth: Out, pieces = 2, o: DenseOptions = {}): Maxout<In, Out> {
  checkWidth(inWidth, 'maxout')
  checkWidth(outWidth, 'maxout')
  checkWidth(pieces, 'maxout pieces')
  return { kind: 'maxout', in: inWidth, out: outWidth, pieces, init: o.init ?? defaultInit, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const maxoutLayer = defineLayer({
  kind: 'maxout',
  options: { in: PositiveInt, out: PositiveInt, pieces: PositiveInt, init: InitSchemeC },
  defaults: { pieces: 2, init: defaultInit },
  prefix: 'maxout',
  params: (o) => ({ W: { shape: [o.in, o.pieces * o.out], weight: true }, b: { shape: [o.pieces * o.out] } }),
  state: noState,
  outShape: (o, inShape) => (checkIn('maxout', o.in, inShape), [o.out]),
  init: (o, key, { registries }) => ({ params: { W: initWeight(key, o.init, o.in, o.pieces * o.out, { registries }), b: T.zeros([o.pieces * o.out]) }, state: {} }),
  apply: (o, x, { params }) => ({ out: maxoutPieces(ops.add(ops.matmul(x, params.W), params.b), o.pieces, o.out) }),
  inference: keepLayer,
  describe: (o) => `maxout ${o.in}→${o.out}, ${o.pieces} pieces, init ${showScheme(o.init)}`,
  example: { options: { in: 3, out: 2, pieces: 2, init: 'xavier' }, inShape: [3] },
})
