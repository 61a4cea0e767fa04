/**
 * typecheck: the invariants every stage must keep — each variable defined once before use, every
 * op with the right arity and attributes its codec accepts, and every equation's shape equal to what the op's own
 * shape rule gives for its arguments. Returns the list of problems (empty when well typed).
 */
import * as E from 'fp-ts/lib/Either.js'
import * as S from '../core/Shape.js'
import { errorMessage, SymgradError } from '../core/errors.js'
import type { Shape } from '../core/Shape.js'
import type { Program, Var } from './program.js'

export function problems(p: Program): string[] {
  const out: string[] = []
  const known = new Map<Var, Shape>()
  for (const i of p.inputs) {
    if (known.has(i.v)) out.push(`input '${i.name}': v${i.v} defined twice`)
    known.set(i.v, i.shape)
  }
  for (const [k, e] of p.eqns.entries()) {
    const op = e.op
    const where = `eqn ${k} (v${e.out} = ${op.name})`
    const bad = op.attrs.check(e.attrs)
    if (bad !== undefined) out.push(`${where}: ${bad}`)
    if (known.has(e.out)) out.push(`${where}: v${e.out} defined twice`)
    if (e.args.length !== op.arity) out.push(`${where}: expected ${op.arity} argument(s), got ${e.args.length}`)
    const argShapes: Shape[] = []
    for (const a of e.args) {
      const s = known.get(a)
      if (s === undefined) out.push(`${where}: argument v${a} used before it is defined`)
      else argShapes.push(s)
    }
    if (argShapes.length === e.args.length) {
      try {
        const s = op.shape(argShapes, e.attrs)
        if (!S.equal(s, e.shape)) out.push(`${where}: shape rule gives ${S.show(s)}, equation says ${S.show(e.shape)}`)
      } catch (err) {
        out.push(`${where}: ${errorMessage(err)}`)
      }
    }
    known.set(e.out, e.shape)
  }
  for (const o of p.outputs) if (!known.has(o)) out.push(`output v${o} is not defined`)
  return out
}

/** Checks a Program (definition before use, arity, attributes, shapes); Left names the first problem. */
export function typecheck(p: Program): E.Either<SymgradError, Program> {
  const ps = problems(p)
  return ps.length === 0 ? E.right(p) : E.left(new SymgradError('shape', `typecheck: ${ps.join('; ')}`))
}
