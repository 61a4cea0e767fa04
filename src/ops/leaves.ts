/**
 * Leaves of the graph: named inputs (data, bound per call), named parameters (what we
 * differentiate and train), constants filled with one number, and tensor constants.
 */
import type { Expr, Operand } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Concrete, Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../core/Tensor.js'
import { defineOp, shapeAttr } from './Op.js'
import { Attr } from './attrs.js'

const leafAttrs = Attr.record({ name: Attr.name, shape: Attr.shape })

function checkShape(name: string, shape: Shape): void {
  S.checkShape(shape, name, true)
}

/** input and param: a named leaf whose value the caller binds (only the name tells them apart). */
const boundLeaf = (name: 'input' | 'param') =>
  defineOp({
    name,
    arity: 0,
    kind: 'leaf',
    lowering: 'data',
    attrs: leafAttrs,
    shape: (_, a) => shapeAttr(a),
    eval: (_, ctx) => ctx.binding(ctx.attrs['name'] as string),
    notation: { form: 'leaf' },
  })

/** The op record of `input` (shape rule, evaluation, derivative, printed form, law cases). */
export const inputOp = boundLeaf('input')
/** The op record of `param` (shape rule, evaluation, derivative, printed form, law cases). */
export const paramOp = boundLeaf('param')

// ── const ──  a tensor of one repeated number; d const = 0. Compiled as an elementwise op
// without arguments: a literal inside the loops that read it.
/** The op record of `const` (shape rule, evaluation, derivative, printed form, law cases). */
export const constOp = defineOp({
  name: 'const',
  arity: 0,
  kind: 'leaf',
  lowering: 'elementwise',
  attrs: Attr.record({ value: Attr.number, shape: Attr.shape }),
  shape: (_, a) => shapeAttr(a),
  eval: (_, ctx) => T.fill(ctx.outShape, ctx.attrs['value'] as number),
  notation: { form: 'leaf' },
})

/** The op record of `tensor` (shape rule, evaluation, derivative, printed form, law cases). */
export const tensorOp = defineOp({
  name: 'tensor',
  arity: 0,
  kind: 'leaf',
  lowering: 'data',
  attrs: Attr.record({ shape: Attr.shape }),
  shape: (_, a) => shapeAttr(a),
  eval: (_, ctx) => ctx.node.value!,
  notation: { form: 'leaf' },
})

/** A named input with a shape whose dims may be symbols, e.g. `input('x', ['N', 784])`. */
export function input<const S extends Shape>(name: string, shape: S): Expr<S> {
  checkShape(`input '${name}'`, shape)
  return apply(inputOp, [], { name, shape: [...shape] }) as Expr<S>
}

/** A named trainable parameter. */
export function param<const S extends Shape>(name: string, shape: S): Expr<S> {
  checkShape(`param '${name}'`, shape)
  return apply(paramOp, [], { name, shape: [...shape] }) as Expr<S>
}

/** A constant filled with `value` (a scalar by default). */
export function constant<const S extends Shape = readonly []>(value: number, shape?: S): Expr<S> {
  const sh = shape ?? ([] as Shape)
  checkShape('constant', sh)
  return apply(constOp, [], { value, shape: [...sh] }) as Expr<S>
}

/** A constant holding a whole tensor. */
export function tensor(t: Tensor): Expr<Concrete> {
  return apply(tensorOp, [], { shape: [...t.shape] }, t) as Expr<Concrete>
}

/** A number as a scalar constant; an Expr unchanged. */
export function lift(x: Operand): Expr {
  return typeof x === 'number' ? constant(x) : x
}

/** Whether an expression is a constant leaf. */
export function isConst(e: Expr, value?: number): boolean {
  return e.op === constOp && (value === undefined || Object.is(e.attrs['value'], value) || e.attrs['value'] === value)
}

/** The value of a constant leaf holding one repeated number; undefined otherwise. */
export function constValue(e: Expr): number | undefined {
  return e.op === constOp ? (e.attrs['value'] as number) : undefined
}

/** The name of an input or param leaf. */
export function leafName(e: Expr): string | undefined {
  return e.op === inputOp || e.op === paramOp ? (e.attrs['name'] as string) : undefined
}
