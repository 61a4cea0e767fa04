/**
 * Fitting a model's fitted state (preprocessing layers, preprocessing.ts) from training inputs: each
 * layer whose record has `fit` is fitted, in order, on the training rows as they reach it (through
 * the layers before it, in test mode, with the state fitted so far). Parameters are only read; the
 * state returned is new, the one given is never written.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import type { Params } from '../core/Params.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { ShapeError, SymgradError, orThrowing } from '../core/errors.js'
import { evaluate } from '../eval/evaluate.js'
import * as ops from '../ops/index.js'
import type { Model, State } from './model.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModel = Model<any, any>
import { leafOf } from './naming.js'

/** The names of the layers whose state is fitted from data (in order). */
export function fittedLayers(model: AnyModel): readonly string[] {
  return model.layers.filter((l) => l.def.fit !== undefined).map((l) => l.spec.name)
}

/** `state` with every fitted layer's state fitted on the rows `x` [N, in] (a Left names the layer). */
export function fitState(model: AnyModel, params: Params, state: State, x: Tensor): Either<SymgradError, State> {
  if (x.shape.length !== 2 || x.shape[1] !== model.in)
    return E.left(new ShapeError(`fitState: expected training inputs of shape [N,${model.in}], got ${S.show(x.shape)}`))
  const out: Record<string, Tensor> = { ...state }
  const xi = ops.input('x', ['N', model.in])
  let applied: ReturnType<AnyModel['apply']> | undefined
  for (let i = 0; i < model.layers.length; i++) {
    const l = model.layers[i]!
    if (l.def.fit === undefined) continue
    let at: Tensor = x
    if (i > 0) {
      applied ??= model.apply(xi, 'test')
      const r = evaluate([applied.layers[i - 1]!.out], { ...params, ...out, x })
      if (E.isLeft(r)) return r
      at = r.right[0]!
    }
    const shapes = { inShape: l.inShape, params: l.params, state: l.state, registries: model.registries }
    const rows: Tensor = { shape: [x.shape[0]!, ...l.inShape], data: at.data }
    const fitted = l.def.fit(l.spec, rows, shapes)
    if (E.isLeft(fitted)) return E.left(new SymgradError(fitted.left.kind, `fitting layer '${l.spec.name}' (${l.spec.kind}): ${fitted.left.message}`))
    for (const [k, s] of Object.entries(shapes.state as Readonly<Record<string, readonly number[]>>)) {
      const t = (fitted.right as Readonly<Record<string, Tensor>>)[k]
      if (t === undefined || !S.equal(t.shape, s))
        return E.left(new ShapeError(`fitting layer '${l.spec.name}' (${l.spec.kind}) gave state '${k}' ${t === undefined ? 'nothing' : S.show(t.shape)}, expected ${S.show(s)}`))
      out[leafOf(l.spec.name, k)] = t
    }
  }
  return E.right(Object.freeze(out))
}

/** `fitState`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fitStateOrThrow = orThrowing(fitState)
