/**
 * `defineOp` for user code (exported from 'symgrad'): the checks of ops/Op.ts, and a name clash
 * with a built-in op is refused at definition. With law cases declared, the vjp is tried once on
 * the first case, so a vjp returning the wrong number of cotangents fails here, not in `grad`.
 */
import type { OpDef } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { errorMessage, SymgradError } from '../core/errors.js'
import { builtinOps } from './builtins.js'
import { input } from './leaves.js'
import { defineOp as defineChecked, type OpSpec } from './Op.js'

const builtinNames: ReadonlySet<string> = new Set(builtinOps.map((o) => o.name))

/** Checks and returns an op record (name, arity, lowering, attributes, shape rule, eval, vjp, notation, laws); throws a SymgradError naming the op otherwise. */
export function defineOp<const N extends string>(spec: OpSpec<N>): OpDef<N> {
  if (typeof spec?.name === 'string' && builtinNames.has(spec.name))
    throw new SymgradError('value', `defineOp '${spec.name}': the name is taken by a built-in op; give yours another name`)
  const op = defineChecked(spec)
  const c = op.law?.cases[0]
  if (op.vjp !== undefined && c !== undefined) {
    const fail = (m: string): never => {
      throw new SymgradError('value', `defineOp '${op.name}': ${m}`)
    }
    let parts: unknown
    let node
    try {
      const args = c.shapes.map((s, i) => input(`arg${i}`, s))
      node = apply(op, args, c.attrs)
      parts = op.vjp({ node, args, attrs: node.attrs, out: node, cot: input('cot', node.shape) })
    } catch (e) {
      return fail(`trying the vjp on law case 1 threw: ${errorMessage(e)}`)
    }
    if (!Array.isArray(parts) || parts.length !== op.arity)
      fail(`the vjp must return ${op.arity} cotangent(s) (one per argument, null for zero), got ${Array.isArray(parts) ? parts.length : typeof parts}`)
    ;(parts as readonly ({ shape: S.Shape } | null)[]).forEach((p, i) => {
      if (p !== null && !S.equal(p.shape, c.shapes[i]!)) fail(`the vjp's cotangent ${i + 1} has shape ${S.show(p.shape)}, expected ${S.show(c.shapes[i]!)}`)
    })
  }
  return op
}

export type { OpSpec }
