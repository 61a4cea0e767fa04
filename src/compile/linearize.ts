/**
 * linearize: Expr DAG → Program. Nodes are numbered in topological order (shared nodes once);
 * leaves lowered 'data' without a tensor value (input, param) become program inputs (one per
 * name), everything else an equation. Any op compiles, built-in or not: equations carry the op's
 * record. `shapeSources` are leaves to keep as inputs although no equation reads them: where
 * simplification removed every leaf that binds a symbolic dimension an output still has
 * (`grad(sum((c − c)·x), …)` is zeros [N, 4] read from no input), the original graph's leaf binds it.
 * `visit` lists the roots' indices in the order their equations are laid out (default: the roots'
 * order); the outputs keep the roots' order. The layout decides what fuses: a loop stops growing
 * once a kernel reads it, so a training step laid out from its new parameters first keeps each
 * `x + u` in its update's loop instead of a loop after the ratio sums.
 */
import type { Expr } from '../core/Expr.js'
import { isBoundLeaf, topoSort } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'
import type { Eqn, Program, ProgramInput, Var } from './program.js'

/** Graphs to a Program: inputs, SSA equations in topological order, outputs. */
export function linearize(roots: readonly Expr[], shapeSources: readonly Expr[] = [], visit?: readonly number[]): Program {
  const order = [...topoSort(visit === undefined ? roots : visit.map((i) => roots[i]!)), ...shapeSources.filter(isBoundLeaf)]
  const vars = new Map<number, Var>()
  const byName = new Map<string, ProgramInput>()
  const inputs: ProgramInput[] = []
  const eqns: Eqn[] = []
  let next = 0
  for (const n of order) {
    if (isBoundLeaf(n)) {
      const name = n.attrs['name']
      if (typeof name !== 'string') throw new ShapeError(`compile: data op '${n.op.name}' has neither a tensor value nor a name to bind`)
      const prev = byName.get(name)
      if (prev !== undefined) {
        if (!S.equal(prev.shape, n.shape) || prev.leaf.op !== n.op)
          throw new ShapeError(`compile: leaf '${name}' is declared twice, as ${prev.kind} ${S.show(prev.shape)} and ${n.op.name} ${S.show(n.shape)}`)
        vars.set(n.id, prev.v)
        continue
      }
      const inp: ProgramInput = { v: next++, kind: n.op.name, name, shape: n.shape, leaf: n }
      byName.set(name, inp)
      inputs.push(inp)
      vars.set(n.id, inp.v)
      continue
    }
    const out = next++
    vars.set(n.id, out)
    eqns.push({
      out,
      op: n.op,
      args: n.args.map((a) => vars.get(a.id)!),
      attrs: n.attrs,
      shape: n.shape,
      ...(n.value !== undefined ? { value: n.value } : {}),
    })
  }
  return { inputs, eqns, outputs: roots.map((r) => vars.get(r.id)!) }
}
