/**
 * Builders of elementwise ops (unary and binary), and explicit broadcasting of operands.
 * Kept apart from the op definitions so every ops file can use them without import cycles.
 */
import type { AttrCodec, Attrs, Expr, LawSpec, Notation, Operand, OpDef, ShapeOf, VjpCtx } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Broadcast } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import * as T from '../core/Tensor.js'
import { ShapeError } from '../core/errors.js'
import { constant, constValue, lift } from './leaves.js'
import { broadcastTo } from './movement.js'
import { defineOp, sameShape } from './Op.js'

interface UnarySpec<N extends string> {
  name: N
  f: (x: number, a: Attrs) => number
  /** Attribute codec (default: none). */
  attrs?: AttrCodec
  vjp?: (ctx: VjpCtx) => Expr | null
  notation: Notation
  law?: LawSpec
  note?: string
}

export function unaryOp<const N extends string>(s: UnarySpec<N>): OpDef<N> {
  const vjp = s.vjp
  return defineOp({
    name: s.name,
    arity: 1,
    kind: 'elementwise',
    lowering: 'elementwise',
    ...(s.attrs ? { attrs: s.attrs } : {}),
    shape: sameShape(s.name),
    eval: ([x], { attrs }) => T.map(x!, (v) => s.f(v, attrs)),
    scalar: (a) => (x) => s.f(x, a),
    ...(vjp ? { vjp: (ctx: VjpCtx) => [vjp(ctx)] } : {}),
    notation: s.notation,
    law: s.law ?? { cases: [{ shapes: [[3, 4]], attrs: {} }] },
    ...(s.note ? { note: s.note } : {}),
  })
}

interface BinarySpec<N extends string> {
  name: N
  f: (x: number, y: number) => number
  vjp?: (ctx: VjpCtx) => readonly (Expr | null)[]
  notation: Notation
  law?: LawSpec
  note?: string
}

export function binaryOp<const N extends string>(s: BinarySpec<N>): OpDef<N> {
  return defineOp({
    name: s.name,
    arity: 2,
    kind: 'elementwise',
    lowering: 'elementwise',
    shape: sameShape(s.name),
    eval: ([a, b]) => T.zipWith(a!, b!, s.f),
    scalar: () => s.f,
    ...(s.vjp ? { vjp: s.vjp } : {}),
    notation: s.notation,
    law: s.law ?? { cases: [{ shapes: [[3, 4], [3, 4]], attrs: {} }] },
    ...(s.note ? { note: s.note } : {}),
  })
}

/** Lifts numbers and broadcasts both operands to their common shape (numpy rules). */
export function broadcastArgs(name: string, a: Operand, b: Operand): [Expr, Expr] {
  const x = lift(a)
  const y = lift(b)
  if (S.equal(x.shape, y.shape)) return [x, y]
  const to = S.broadcast(x.shape, y.shape)
  if (to === undefined)
    throw new ShapeError(`${name}: argument 2 of shape ${S.show(y.shape)} does not broadcast with argument 1 of shape ${S.show(x.shape)}`)
  const up = (e: Expr): Expr => {
    const v = constValue(e)
    return v !== undefined ? constant(v, to) : broadcastTo(e, to)
  }
  return [up(x), up(y)]
}

/** The type of a binary elementwise result: the broadcast of its operands' shapes. */
export type Bin<A extends Operand, B extends Operand> = Expr<Broadcast<ShapeOf<A>, ShapeOf<B>>>

// Type-level broadcasting check: two literal dims agree when equal, when either is 1, or when
// either is only known as `number`/`string`/`Dim` (checked when the graph is built instead).
type DimOk<X, Y> = [X] extends [1] ? true : [Y] extends [1] ? true : [X] extends [Y] ? true : [Y] extends [X] ? true : false
type BroadcastOk<A extends S.Shape, B extends S.Shape> = number extends A['length']
  ? true
  : number extends B['length']
    ? true
    : A extends readonly [...infer AH extends S.Shape, infer AL]
      ? B extends readonly [...infer BH extends S.Shape, infer BL]
        ? DimOk<AL, BL> extends true
          ? BroadcastOk<AH, BH>
          : false
        : true
      : true
/**
 * `unknown` when the operands' shapes broadcast (or are not literal); otherwise an impossible
 * type naming both shapes, so that e.g. `add([N,10], [3])` does not compile.
 */
export type Broadcastable<A extends Operand, B extends Operand> =
  BroadcastOk<ShapeOf<A>, ShapeOf<B>> extends true ? unknown : { readonly 'shapes do not broadcast': readonly [ShapeOf<A>, ShapeOf<B>] }

export function bin<A extends Operand, B extends Operand>(op: OpDef, a: A, b: B): Bin<A, B> {
  return apply(op, broadcastArgs(op.name, a, b)) as Bin<A, B>
}

