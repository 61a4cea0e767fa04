/**
 * Reshape: activations [N, ...s] → [N, ...shape] with the same number of entries per example, in
 * row-major order (`reshape([1, 28, 28])` turns MNIST rows into one-channel images).
 */
import * as t from 'io-ts'
import { ShapeError } from '../../core/errors.js'
import * as ops from '../../ops/index.js'
import { listOf, PositiveInt } from '../../core/codecs.js'
import { batchDim, defineLayer, keepLayer, noParams, noState, nothingToInit } from '../LayerDef.js'
import { show, size } from './shapes.js'

export interface Reshape {
  readonly kind: 'reshape'
  readonly shape: readonly number[]
  readonly name?: string
}

const Dims = new t.Type<readonly number[], readonly number[], unknown>(
  'a non-empty list of positive integers',
  (u): u is readonly number[] => Array.isArray(u) && u.length > 0 && u.every((d) => PositiveInt.is(d)),
  (u, c) => {
    const r = listOf(PositiveInt, 'a list of positive integers').validate(u, c)
    return r._tag === 'Right' && r.right.length === 0 ? t.failure(u, c, '{path}: expected a non-empty list of positive integers, got an empty list') : r
  },
  (s) => s,
)

/** Reshape each example to `shape` (positive integers, the same number of entries). */
export function reshape(shape: readonly number[], o: { readonly name?: string } = {}): Reshape {
  if (shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) throw new ShapeError(`reshape: shape must be a non-empty list of positive integers, got [${shape.join(',')}]`)
  return { kind: 'reshape', shape: [...shape], ...(o.name !== undefined ? { name: o.name } : {}) }
}

export const reshapeLayer = defineLayer({
  kind: 'reshape',
  options: { shape: Dims },
  defaults: {},
  prefix: 'reshape',
  params: noParams,
  state: noState,
  outShape: (o, s) => {
    if (size(o.shape) !== size(s)) throw new ShapeError(`reshape to ${show(o.shape)} needs ${size(o.shape)} entries per example, got ${show(s)} with ${size(s)}`)
    return o.shape
  },
  init: nothingToInit,
  apply: (o, x) => ({ out: ops.reshape(x, [batchDim(x), ...o.shape]) }),
  inference: keepLayer,
  describe: (o, s) => `reshape ${show(s)}→${show(o.shape)}`,
  example: { options: { shape: [3, 2] }, inShape: [6] },
})
