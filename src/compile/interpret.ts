/**
 * interpret: the reference semantics of a Program — bind the symbolic dims from the inputs, then
 * evaluate each equation with its op's own `eval`. Every compiled function is tested against it.
 */
import * as E from 'fp-ts/lib/Either.js'
import { evalOp, type Expr } from '../core/Expr.js'
import type { DimEnv } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { errorMessage, ShapeError, SymgradError } from '../core/errors.js'
import { asTensors, bindShapes, type Bindings } from '../eval/evaluate.js'
import type { Program, ProgramInput, Var } from './program.js'

/**
 * Binds the symbolic dims of the program inputs with the evaluator's own `bindShapes` (same checks,
 * same messages), and also requires Float64Array data, which the compiled code relies on.
 */
export function bindInputs(inputs: readonly ProgramInput[], given: Bindings): E.Either<SymgradError, DimEnv> {
  const env = bindShapes(inputs.map((i) => i.leaf), given)
  const bindings = asTensors(given)
  if (E.isLeft(env)) return env
  for (const i of inputs)
    if (!(bindings[i.name]!.data instanceof Float64Array))
      return E.left(new SymgradError('binding', `binding for ${i.kind} '${i.name}' ${S.show(i.shape)}: expected Float64Array data`))
  return env
}

/** Runs a Program with the reference evaluator (the compiler's oracle). */
export function interpret(p: Program, given: Bindings): E.Either<SymgradError, Tensor[]> {
  const bindings = asTensors(given)
  const envE = bindInputs(p.inputs, bindings)
  if (E.isLeft(envE)) return envE
  const env = envE.right
  const vals = new Map<Var, Tensor>()
  for (const i of p.inputs) vals.set(i.v, bindings[i.name]!)
  const binding = (name: string): Tensor => bindings[name]!
  for (const e of p.eqns) {
    const op = e.op
    // a hand-made or decoded program reaches eval without apply: its attributes are checked here too
    const bad = op.attrs.check(e.attrs)
    if (bad !== undefined) return E.left(new ShapeError(`${op.name}: ${bad}`))
    try {
      // The eval context wants a node; a stand-in carries the attributes and a tensor's value.
      const node = { id: -1 - e.out, op, args: [], attrs: e.attrs, shape: e.shape, ...(e.value ? { value: e.value } : {}) } as Expr
      vals.set(e.out, evalOp(op, e.args.map((a) => vals.get(a)!), { node, attrs: e.attrs, outShape: S.resolve(e.shape, env), env, binding }))
    } catch (err) {
      return E.left(err instanceof SymgradError ? err : new SymgradError('value', `${e.op.name} (v${e.out}): ${errorMessage(err)}`))
    }
  }
  return E.right(p.outputs.map((o) => vals.get(o)!))
}
