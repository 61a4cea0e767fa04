/**
 * linearize: Expr DAG → Program. Nodes are numbered in topological order (shared nodes once);
 * `input`/`param` leaves become program inputs (one per name), everything else an equation.
 */
import type { Expr } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'
import type { OpName } from '../ops/index.js'
import { lookupOp } from '../ops/index.js'
import { inputOp, paramOp } from '../ops/leaves.js'
import type { Eqn, Program, ProgramInput, Var } from './program.js'

export function linearize(roots: readonly Expr[]): Program {
  const order = topoSort(roots)
  const vars = new Map<number, Var>()
  const byName = new Map<string, ProgramInput>()
  const inputs: ProgramInput[] = []
  const eqns: Eqn[] = []
  let next = 0
  for (const n of order) {
    if (n.op === inputOp || n.op === paramOp) {
      const name = n.attrs['name'] as string
      const prev = byName.get(name)
      if (prev !== undefined) {
        if (!S.equal(prev.shape, n.shape) || prev.kind !== n.op.name)
          throw new ShapeError(`compile: leaf '${name}' is declared twice, as ${prev.kind} ${S.show(prev.shape)} and ${n.op.name} ${S.show(n.shape)}`)
        vars.set(n.id, prev.v)
        continue
      }
      const inp: ProgramInput = { v: next++, kind: n.op.name as 'input' | 'param', name, shape: n.shape }
      byName.set(name, inp)
      inputs.push(inp)
      vars.set(n.id, inp.v)
      continue
    }
    if (lookupOp(n.op.name) !== n.op) throw new ShapeError(`compile: op '${n.op.name}' is not in the registry`)
    const out = next++
    vars.set(n.id, out)
    eqns.push({
      out,
      op: n.op.name as OpName,
      args: n.args.map((a) => vars.get(a.id)!),
      attrs: n.attrs,
      shape: n.shape,
      ...(n.value !== undefined ? { value: n.value } : {}),
    })
  }
  return { inputs, eqns, outputs: roots.map((r) => vars.get(r.id)!) }
}
