/**
 * The fused training step: forward, backward, regularization and the optimizer's update (its graph
 * form, optim/graphForm.ts) compiled as ONE program. Per parameter it also gives Σu² and Σx² (the
 * ratio history), and one flag, down when the loss, a Σg or a Σu² is not finite: a sum is NaN or ∞
 * whenever a term is (g·0 would be folded to 0 by the simplifier); finite terms that overflow it
 * only send the step through the stepper's check in JavaScript, which then finds it finite.
 * A step with the flag down has already moved its values; the stepper (stepper.ts) recovers the
 * ones before it by replaying the steps since it last read them (a `where` keeping them in the
 * program cost the convnet step about 5%, for a step that ends the run).
 *
 * The optimizer's hyperparameters and bias corrections are scalar inputs computed in JavaScript at
 * the step count (`GraphForm.advance`), so schedules stay exact.
 */
import type { Expr } from '../core/Expr.js'
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import * as E from 'fp-ts/lib/Either.js'
import { grad } from '../ad/grad.js'
import { compileStep, type CompileOptions } from '../compile/index.js'
import * as ops from '../ops/index.js'
import type { GraphForm, UpdateOps } from '../optim/graphForm.js'
import type { PlainState } from '../optim/GradientTransformation.js'
import type { Params } from './TrainState.js'

/** The arithmetic of optimizer rules over expressions (scalars broadcast). */
export const exprOps: UpdateOps<Expr> = {
  add: (a, b) => ops.add(a, b),
  sub: (a, b) => ops.sub(a, b),
  mul: (a, b) => ops.mul(a, b),
  div: (a, b) => ops.div(a, b),
  sqrt: (a) => ops.sqrt(a),
  neg: (a) => ops.neg(a),
  constant: (c) => ops.constant(c),
}

/** What one fused step reports: scalars only (the tensors stay in the program). */
export interface FusedResult {
  readonly loss: number
  readonly dataLoss: number
  /** False when the loss or a gradient or update may not be finite (the stepper checks such a step in JavaScript). */
  readonly finite: boolean
  /** Per parameter: ‖update‖ and ‖param‖ (before the update). */
  readonly updateNorm: Readonly<Record<string, number>>
  readonly paramNorm: Readonly<Record<string, number>>
}

/** The values a fused step holds between calls. */
export interface FusedValues {
  readonly params: Params
  readonly modelState: Params
  /** The optimizer's per-parameter buffers by the graph form's names (`0/m`, `0/v`…). */
  readonly buffers: Readonly<Record<string, Params>>
}

/** A run of fused steps: the values stay in the program's memory between `run`s; `read` copies them out as fresh float64 tensors. */
export interface FusedSession {
  /** One step on a batch; `scalars` are the graph form's for this step (`advance(state).scalars`). */
  readonly run: (x: Tensor, y: Tensor, dropoutKey: Key, scalars: Readonly<Record<string, number>>) => FusedResult
  readonly read: () => FusedValues
}

/** A compiled fused step: `open` a session on a run's values (undefined when the step's dtype cannot hold them, e.g. a value beyond float32's range). */
export interface FusedStep {
  readonly open: (v: FusedValues) => FusedSession | undefined
}

/** What the step is built from: the losses, the parameter leaves, the model's state updates and its inputs. */
export interface FusedParts {
  readonly total: Expr
  readonly data: Expr
  readonly params: Readonly<Record<string, Expr>>
  /** New model state by name (batch-norm running statistics). */
  readonly state: Readonly<Record<string, Expr>>
  readonly random: (batchSize: number, key: Key) => Record<string, Tensor>
}

const bufferInput = (b: string, k: string) => `optimizer/${b}/${k}`
const scalarInput = (s: string) => `optimizer/${s}`

/** The output expressions of the fused step, by name, with the names of its parameters, buffers and scalars. */
export interface FusedOutputs {
  readonly values: Readonly<Record<string, Expr>>
  readonly tensors: Readonly<Record<string, Expr>>
  readonly names: readonly string[]
  readonly bufNames: readonly string[]
  readonly scalarNames: readonly string[]
}

/** The output expressions of the fused step for a graph form whose state looks like `optState`. */
export function fusedOutputs(parts: FusedParts, graph: GraphForm<PlainState>, optState: PlainState): FusedOutputs {
  const names = Object.keys(parts.params)
  const bufs = graph.buffers(optState)
  const bufNames = Object.keys(bufs)
  const scalarNames = Object.keys(graph.advance(optState).scalars)
  const scalars = Object.fromEntries(scalarNames.map((s) => [s, ops.input(scalarInput(s), [])]))
  const gs = grad(parts.total, parts.params)
  const stepped = names.map((k) => {
    const x = parts.params[k]!
    const buffers = Object.fromEntries(bufNames.map((b) => [b, ops.input(bufferInput(b, k), x.shape)]))
    return { k, x, g: gs[k]!, buffers, r: graph.rule(exprOps, { g: gs[k]!, x, buffers, scalars }) }
  })
  // Σv², its root taken in JavaScript: the simplifier turns √Σv² into the scaled `norm`, whose
  // kernel costs a few percent of a small step (in float32 Σv² overflows past ‖v‖ ≈ 1.8e19)
  const updateSquares = stepped.map((s) => ops.sum(ops.mul(s.r.u, s.r.u)))
  // maximum propagates NaN; ∞ and NaN both fail `< ∞`
  const worst = [...stepped.map((s) => ops.abs(ops.sum(s.g))), ...updateSquares].reduce((a: Expr, b) => ops.maximum(a, b), ops.abs(parts.total))
  const ok = ops.lt(worst, Infinity)
  const values: Record<string, Expr> = { loss: parts.total, dataLoss: parts.data, finite: ok }
  const tensors: Record<string, Expr> = {}
  stepped.forEach((s, i) => {
    values[`updateSquares/${s.k}`] = updateSquares[i]!
    values[`paramSquares/${s.k}`] = ops.sum(ops.mul(s.x, s.x))
    tensors[`param/${s.k}`] = ops.add(s.x, s.r.u)
    for (const b of bufNames) tensors[`buffer/${b}/${s.k}`] = s.r.buffers[b]!
  })
  for (const [n, e] of Object.entries(parts.state)) tensors[`state/${n}`] = e
  return { values, tensors, names, bufNames, scalarNames }
}

/** Compiles the fused step `out` (fusedOutputs of `parts`) with `options`. */
export function buildFusedStep(parts: FusedParts, out: FusedOutputs, options: CompileOptions): FusedStep {
  const stateNames = Object.keys(parts.state)
  const sorted = [...out.names].sort()
  // new parameters, buffers and model state become the next step's inputs inside the program
  const carry: Record<string, string> = {}
  for (const k of out.names) carry[`param/${k}`] = k
  for (const b of out.bufNames) for (const k of out.names) carry[`buffer/${b}/${k}`] = bufferInput(b, k)
  for (const n of stateNames) carry[`state/${n}`] = n
  const fn = compileStep({ values: out.values, tensors: out.tensors }, { ...options, carry })
  // the names a run reads and writes, made once (a run is a few milliseconds; its JavaScript should not grow with them)
  const scalarKeys = out.scalarNames.map((n) => [n, scalarInput(n)] as const)
  const normKeys = out.names.map((k) => [k, `updateSquares/${k}`, `paramSquares/${k}`] as const)
  const scalar = (v: number): Tensor => ({ shape: [], data: Float64Array.of(v) })
  return {
    open: (v) => {
      const initial: Record<string, Tensor> = { ...v.params }
      for (const n of stateNames) initial[n] = v.modelState[n]!
      for (const b of out.bufNames) for (const k of out.names) initial[bufferInput(b, k)] = v.buffers[b]![k]!
      const session = fn.session(initial)
      if (E.isLeft(session)) return undefined
      const s = session.right
      // model state the step does not update (a frozen layer's statistics) is bound on every run
      const fixed = Object.fromEntries(Object.entries(v.modelState).filter(([n]) => !stateNames.includes(n)))
      return {
        run: (x, y, dropoutKey, scalars) => {
          const bindings: Record<string, Tensor> = { ...fixed, ...parts.random(x.shape[0]!, dropoutKey), x, y }
          for (const [n, input] of scalarKeys) bindings[input] = scalar(scalars[n]!)
          const r = s.runOwned(bindings).values
          return {
            loss: r['loss']!, dataLoss: r['dataLoss']!, finite: r['finite'] === 1,
            updateNorm: Object.fromEntries(normKeys.map(([k, u]) => [k, Math.sqrt(r[u]!)])),
            paramNorm: Object.fromEntries(normKeys.map(([k, , p]) => [k, Math.sqrt(r[p]!)])),
          }
        },
        read: () => {
          const t = s.read()
          return {
            // sorted by name, as the JavaScript update's records are
            params: Object.fromEntries(sorted.map((k) => [k, t[k]!])),
            modelState: { ...v.modelState, ...Object.fromEntries(stateNames.map((n) => [n, t[n]!])) },
            buffers: Object.fromEntries(out.bufNames.map((b) => [b, Object.fromEntries(sorted.map((k) => [k, t[bufferInput(b, k)]!]))])),
          }
        },
      }
    },
  }
}
