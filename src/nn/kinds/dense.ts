/** Fully connected layer y = x·W + b with W [in, out], b [out] (parameters `L.W`, `L.b`). */
import { ShapeError } from '../../core/errors.js'
import * as T from '../../core/Tensor.js'
import { PositiveInt } from '../../core/codecs.js'
import * as ops from '../../ops/index.js'
import { type InitScheme, InitSchemeC, initWeight, showScheme } from '../init.js'
import { defineLayer, keepLayer, noState } from '../LayerDef.js'
import { features } from './shapes.js'

/** The spec record of a `dense` layer: input and output widths (literal types), initializer, name. */
export interface Dense<In extends number = number, Out extends number = number> {
  readonly kind: 'dense'
  readonly in: In
  readonly out: Out
  readonly init: InitScheme
  readonly name?: string
}

export const defaultInit: InitScheme = 'xavier'

/** Options of `dense` and `maxout`: the initializer and a name. */
export interface DenseOptions {
  /** Weight initialization (default 'xavier'). */
  readonly init?: InitScheme
  readonly name?: string
}

export function checkWidth(w: number, what: string): void {
  if (!Number.isInteger(w) || w < 1) throw new ShapeError(`${what}: width must be a positive integer, got ${w}`)
}

/** Checks that the input is [N, in]. */
export function checkIn(kind: string, width: number, inShape: readonly number[]): void {
  const f = features(kind, inShape)
  if (f !== width) throw new ShapeError(`${kind} expected input width ${width}, got ${f}`)
}

/** Fully connected layer y = x·W + b with W [in, out], b [out]. */
export function dense<const In extends number, const Out extends number>(inWidth: In, outWidth: Out, o: DenseOptions = {}): Dense<In, Out> {
  checkWidth(inWidth, 'dense')
  checkWidth(outWidth, 'dense')
  return { kind: 'dense', in: inWidth, out: outWidth, init: o.init ?? defaultInit, ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const denseLayer = defineLayer({
  kind: 'dense',
  options: { in: PositiveInt, out: PositiveInt, init: InitSchemeC },
  defaults: { init: defaultInit },
  prefix: 'dense',
  params: (o) => ({ W: { shape: [o.in, o.out], weight: true }, b: { shape: [o.out] } }),
  state: noState,
  outShape: (o, inShape) => (checkIn('dense', o.in, inShape), [o.out]),
  init: (o, key, { registries }) => ({ params: { W: initWeight(key, o.init, o.in, o.out, { registries }), b: T.zeros([o.out]) }, state: {} }),
  apply: (o, x, { params }) => ({ out: ops.add(ops.matmul(x, params.W), params.b) }),
  inference: keepLayer,
  describe: (o) => `dense ${o.in}→${o.out}, init ${showScheme(o.init)}`,
  example: { options: { in: 3, out: 2, init: 'xavier' }, inShape: [3] },
})
