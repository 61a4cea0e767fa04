/**
 * Program: the flat SSA form the compiler works on. Every value is a variable number defined once,
 * either as an input (a named `input` or `param` leaf, bound per call) or as the output of one
 * equation, and equations are listed after the equations defining their arguments. Shapes may hold
 * symbolic dims ('N') that are bound at call time.
 */
import type { Attrs, Expr, OpDef } from '../core/Expr.js'
import { attrKey } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { quoteName } from '../core/codecs.js'

export type Var = number

export interface ProgramInput {
  readonly v: Var
  /** The leaf's op name (`input`, `param`, or a user's data op). */
  readonly kind: string
  readonly name: string
  readonly shape: Shape
  /** The leaf node itself (its op and attributes). */
  readonly leaf: Expr
}

/** One SSA equation: output variable, op, argument variables, attributes, shape. */
export interface Eqn {
  readonly out: Var
  /** The op's record: stages read its `lowering` and the backend's tables, never its name. */
  readonly op: OpDef
  readonly args: readonly Var[]
  readonly attrs: Attrs
  readonly shape: Shape
  /** The value of a `tensor` constant. */
  readonly value?: Tensor
}

/** A linearized graph: inputs, SSA equations, outputs. */
export interface Program {
  readonly inputs: readonly ProgramInput[]
  readonly eqns: readonly Eqn[]
  readonly outputs: readonly Var[]
}

/** Shape of every variable, by variable number. */
export function shapes(p: Program): Map<Var, Shape> {
  const m = new Map<Var, Shape>()
  for (const i of p.inputs) m.set(i.v, i.shape)
  for (const e of p.eqns) m.set(e.out, e.shape)
  return m
}

function showAttrs(a: Attrs): string {
  const ks = Object.keys(a).filter((k) => a[k] !== null)
  return ks.length === 0 ? '' : `{${ks.map((k) => `${k}=${attrKey(a[k]!)}`).join(' ')}}`
}

/** Text form, one equation per line: `v7: [N,100] = add v5 v6`. */
export function show(p: Program): string {
  const lines = p.inputs.map((i) => `in  v${i.v}: ${S.show(i.shape)} = ${i.kind} ${quoteName(i.name)}`)
  for (const e of p.eqns)
    lines.push(`    v${e.out}: ${S.show(e.shape)} = ${e.op.name} ${e.args.map((a) => `v${a}`).join(' ')} ${showAttrs(e.attrs)}`.trimEnd())
  lines.push(`out ${p.outputs.map((o) => `v${o}`).join(' ')}`)
  return lines.join('\n')
}
