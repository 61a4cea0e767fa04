/**
 * One training step as the fold sees it, in two forms with the same results:
 *   - fused: the optimizer has a graph form and the step is compiled: one program computes the
 *     loss, gradients, update and new values, which stay in the program between steps; JavaScript
 *     advances only the optimizer's counts and hyperparameters (GraphForm.advance);
 *   - JavaScript: the compiled gradients, a finiteness scan, then `optimizer.update` over
 *     Float64Arrays and `applyUpdates` (any optimizer; the interpreter).
 * Values leave a fused step only when `values()` is asked for (evaluation, checkpoints, stops). A
 * fused step whose flag says non-finite has moved its values already: the steps since the values
 * were last read are replayed (deterministic, so bit for bit) to get the values before it, and the
 * step is run again from them in the JavaScript form, which names the gradient or update at fault
 * exactly as it always has (or, finding it finite after all, takes the step itself).
 */
import type { Key } from '../core/Random.js'
import { SymgradError } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../core/Tensor.js'
import type { GradientTransformation, PlainState } from '../optim/GradientTransformation.js'
import { applyUpdates, currentLearningRate } from '../optim/GradientTransformation.js'
import type { GraphForm } from '../optim/graphForm.js'
import type { Programs } from './programs.js'
import type { NonFinite, Params } from './TrainState.js'

/** The values a run carries from step to step. */
export interface StepValues<S> {
  readonly params: Params
  readonly modelState: Params
  readonly optState: S
}

/** Where a step is in the run (for a non-finite stop's message). */
export interface StepAt {
  readonly step: number
  readonly epoch: number
  readonly batch: number
}

/** A non-finite stop before its message is written. */
export type NonFiniteFound = Omit<NonFinite, 'message'>

/** A step's outcome: its losses, ‖update‖/‖param‖ per parameter when asked for, the learning rate it used; or a non-finite stop. */
export type StepOutcome =
  | { readonly kind: 'step'; readonly loss: number; readonly dataLoss: number; readonly ratio?: Readonly<Record<string, number>>; readonly learningRate: number }
  | { readonly kind: 'nonFinite'; readonly found: NonFiniteFound }

/** A step's inputs: the (augmented) batch and the key of its dropout masks. */
export interface StepInputs {
  readonly x: Tensor
  readonly y: Tensor
  readonly dropoutKey: Key
}

/**
 * Steps a run: `step` moves it by one batch (`inputsAt` gives any step's inputs of the current
 * epoch: this one's, and earlier ones for a replay), `values` reads where it is.
 */
export interface Stepper<S> {
  readonly step: (at: StepAt, record: boolean, inputsAt: (step: number) => StepInputs) => StepOutcome
  readonly values: () => StepValues<S>
}

function firstNonFinite(t: Tensor): number | undefined {
  for (const v of t.data) if (!Number.isFinite(v)) return v
  return undefined
}

const ratioOf = (u: number, p: number): number => (p === 0 ? NaN : u / p)

type JsStep<S> = { readonly kind: 'nonFinite'; readonly found: NonFiniteFound } | { readonly kind: 'step'; readonly loss: number; readonly dataLoss: number; readonly updates: Params; readonly next: StepValues<S> }

/** One step in the JavaScript form: compiled gradients, their check, the optimizer's update, the update's check. */
function jsStep<S extends PlainState>(programs: Programs, optimizer: GradientTransformation<S>, v: StepValues<S>, x: Tensor, y: Tensor, dropoutKey: Key, at: StepAt): JsStep<S> {
  const { params, modelState, optState } = v
  const r = programs.step(params, modelState, x, y, dropoutKey)
  const learningRate = currentLearningRate(optState) ?? NaN
  let bad: { where: string; value: number } | undefined
  if (!Number.isFinite(r.loss)) bad = { where: 'loss', value: r.loss }
  for (const k of programs.paramNames) {
    const val = firstNonFinite(r.grads[k]!)
    if (val !== undefined) {
      // name the parameter even when the loss is the first thing to go
      bad = bad === undefined ? { where: k, value: val } : bad.where === 'loss' ? { where: `loss (first non-finite gradient: '${k}')`, value: r.loss } : bad
      break
    }
  }
  if (bad !== undefined) {
    // the step again in the interpreter names the node where the first non-finite value appeared
    const origin = programs.origin(params, modelState, x, y, dropoutKey)
    return { kind: 'nonFinite', found: { ...at, where: bad.where, value: bad.value, learningRate, ...(origin !== undefined ? { origin } : {}) } }
  }
  const [updates, nextOpt] = optimizer.update(r.grads, optState, params)
  // an update can overflow where the gradient did not (a huge learning rate, a corrupt optimizer state)
  for (const k of programs.paramNames) {
    const val = firstNonFinite(updates[k]!)
    if (val !== undefined) return { kind: 'nonFinite', found: { ...at, where: `update of '${k}'`, value: val, learningRate } }
  }
  return { kind: 'step', loss: r.loss, dataLoss: r.dataLoss, updates, next: { params: applyUpdates(params, updates), modelState: r.modelState, optState: nextOpt } }
}

/** The JavaScript form: the values live in JavaScript, the update runs over Float64Arrays. */
export function jsStepper<S extends PlainState>(programs: Programs, optimizer: GradientTransformation<S>, v0: StepValues<S>): Stepper<S> {
  let v = v0
  return {
    step: (at, record, inputsAt) => {
      const { x, y, dropoutKey } = inputsAt(at.step)
      const r = jsStep(programs, optimizer, v, x, y, dropoutKey, at)
      if (r.kind === 'nonFinite') return r
      const ratio = record ? Object.fromEntries(programs.paramNames.map((k) => [k, ratioOf(T.norm(r.updates[k]!), T.norm(v.params[k]!))])) : undefined
      v = r.next
      return { kind: 'step', loss: r.loss, dataLoss: r.dataLoss, learningRate: currentLearningRate(v.optState) ?? NaN, ...(ratio !== undefined ? { ratio } : {}) }
    },
    values: () => v,
  }
}

/** The fused form: a session of `programs.fused` for the optimizer's graph form; the values stay in the program. Undefined when the program cannot hold them. */
export function fusedStepper<S extends PlainState>(programs: Programs, optimizer: GradientTransformation<S>, graph: GraphForm<S>, v0: StepValues<S>): Stepper<S> | undefined {
  const program = programs.fused!(graph as GraphForm<PlainState>, v0.optState)
  const open = (v: StepValues<S>) => program.open({ params: v.params, modelState: v.modelState, buffers: graph.buffers(v.optState) })
  let fs = open(v0)
  if (fs === undefined) return undefined
  // the optimizer's state without its buffers' current values (they are in the program)
  let skeleton = v0.optState
  // the values last read (or given), and the steps taken since: what a replay starts from
  let base = v0
  let since = 0
  let cached: StepValues<S> | undefined = v0
  // the JavaScript form, from values the program's number format cannot hold (a float64 step beyond float32's range)
  let js: Stepper<S> | undefined
  const values = (): StepValues<S> => {
    if (js !== undefined) return js.values()
    if (cached !== undefined) return cached
    const r = fs!.read()
    cached = { params: r.params, modelState: r.modelState, optState: graph.withBuffers(skeleton, r.buffers) }
    ;[base, since] = [cached, 0]
    return cached
  }
  /** The values before step `step`: the `since` steps from `base` again, in a session of their own. */
  const replay = (step: number, inputsAt: (step: number) => StepInputs): StepValues<S> | undefined => {
    const again = open(base)
    if (again === undefined) return undefined
    let s = base.optState
    for (let t = step - since; t < step; t++) {
      const { scalars, state } = graph.advance(s)
      const i = inputsAt(t)
      again.run(i.x, i.y, i.dropoutKey, scalars)
      s = state
    }
    const r = again.read()
    return { params: r.params, modelState: r.modelState, optState: graph.withBuffers(s, r.buffers) }
  }
  return {
    step: (at, record, inputsAt) => {
      if (js !== undefined) return js.step(at, record, inputsAt)
      const { x, y, dropoutKey } = inputsAt(at.step)
      const { scalars, state: next } = graph.advance(skeleton)
      const r = fs!.run(x, y, dropoutKey, scalars)
      cached = undefined
      if (!r.finite) {
        const before = replay(at.step, inputsAt)
        if (before === undefined) throw new SymgradError('value', `fused step: the values before step ${at.step} could not be replayed`)
        cached = before
        const r2 = jsStep(programs, optimizer, before, x, y, dropoutKey, at)
        if (r2.kind === 'nonFinite') return r2
        // finite in the JavaScript form (a float32 update that overflowed where float64 did not): its step stands
        const after = r2.next
        ;[cached, skeleton, base, since] = [after, after.optState, after, 0]
        fs = open(after)
        if (fs === undefined) js = jsStepper(programs, optimizer, after)
        const ratio = record ? Object.fromEntries(programs.paramNames.map((k) => [k, ratioOf(T.norm(r2.updates[k]!), T.norm(before.params[k]!))])) : undefined
        return { kind: 'step', loss: r2.loss, dataLoss: r2.dataLoss, learningRate: currentLearningRate(after.optState) ?? NaN, ...(ratio !== undefined ? { ratio } : {}) }
      }
      skeleton = next
      since++
      const ratio = record ? Object.fromEntries(programs.paramNames.map((k) => [k, ratioOf(r.updateNorm[k]!, r.paramNorm[k]!)])) : undefined
      return { kind: 'step', loss: r.loss, dataLoss: r.dataLoss, learningRate: currentLearningRate(next) ?? NaN, ...(ratio !== undefined ? { ratio } : {}) }
    },
    values,
  }
}

/**
 * The fused form when the optimizer has a graph form and the programs are compiled (and the values
 * fit the program's dtype: a non-finite float32 value cannot be carried), else the JavaScript form.
 */
export function stepperFor<S extends PlainState>(programs: Programs, optimizer: GradientTransformation<S>, v0: StepValues<S>): Stepper<S> {
  const fused = optimizer.graph !== undefined && programs.fused !== undefined ? fusedStepper(programs, optimizer, optimizer.graph, v0) : undefined
  return fused ?? jsStepper(programs, optimizer, v0)
}
