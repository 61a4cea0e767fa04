/**
 * The compiler: Expr → simplify → linearize → Program → typecheck → fuse → plan → codegen → link.
 * Each stage is a pure function returning plain data; `stages` returns all of them and `explain`
 * prints them, for learners and for debugging.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import { isBoundLeaf, topoSort } from '../core/Expr.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../core/Tensor.js'
import * as Sh from '../core/Shape.js'
import { SymgradError } from '../core/errors.js'
import { quoteName } from '../core/codecs.js'
import { evaluate, type Bindings } from '../eval/evaluate.js'
import { checkWrt, grad } from '../ad/grad.js'
import type { Backend } from './backend.js'
import { withBackendCode, type CodeRegistries } from './code.js'
import { checkDtype, type Dtype } from './arena.js'
import { selectBackend } from './backend-wasm.js'
import type { ThreadPool } from './threads.js'
import { codegen, type Generated } from './codegen.js'
import { fuse, type Schedule } from './fuse.js'
import { link, type CompiledFn, type LinkOptions } from './link.js'
import { checkCarry, compiledSessions, interpretedSession, type StepSession } from './session.js'
import { linearize } from './linearize.js'
import { plan, type Plan } from './plan.js'
import type { Program } from './program.js'
import * as P from './program.js'
import { simplify, type Fired } from './simplify.js'
import { typecheck } from './typecheck.js'

/** Options of `compile`: dtype, backend, threads, simplification, registries. */
export interface CompileOptions {
  /** Run the simplifier first (default true). */
  readonly simplify?: boolean
  /**
   * The number format of the compiled function (default float64). Graphs, gradients and the
   * interpreter stay float64; a float32 function converts inputs on the way in and outputs on
   * the way out, and agrees with the interpreter to float32 accuracy (see laws/ dtype laws).
   */
  readonly dtype?: Dtype
  /** A thread pool for large products (symgrad/node's `threadPool`); results do not depend on it. */
  readonly threads?: ThreadPool
  /** An explicit backend (wins over dtype and threads). */
  readonly backend?: Backend
  /**
   * A registries value (`Registries.extend`): its per-op code (`registries.backends`: scalar
   * code, kernels, WebAssembly vector code, runtime parts) is added to the backend used, explicit
   * or chosen by dtype and threads, so a user op runs its own code wherever it is compiled.
   */
  readonly registries?: CodeRegistries
}

/** The backend the options ask for: explicit, else chosen by dtype and threads; with the registries' code added. */
export function backendOf(options: CompileOptions): Backend {
  if (options.dtype !== undefined) checkDtype(options.dtype, 'compile')
  const b = options.backend ?? selectBackend(options.dtype ?? 'float64', options.threads)
  return options.registries !== undefined ? withBackendCode(b, options.registries.backends) : b
}

/** The options with their backend chosen once, the registries' code in it (so no later stage adds that code again). */
function withBackend<O extends CompileOptions>(options: O): Omit<O, 'registries'> & { readonly backend: Backend } {
  const { registries: _added, ...rest } = options
  return { ...rest, backend: backendOf(options) }
}

/** Every stage's output of one compilation (for inspection): simplified graph, program, schedule, plan, source. */
export interface Stages {
  readonly fired: readonly Fired[]
  readonly program: Program
  readonly schedule: Schedule
  readonly plan: Plan
  readonly generated: Generated
}

/**
 * Leaves of the original graph that bind a symbolic dimension the simplified graph still uses but
 * no longer reads from any leaf (one leaf per such symbol): kept as inputs, so the compiled function
 * binds the same dimensions the interpreter does.
 */
function unboundBySimplified(original: readonly Expr[], simplified: readonly Expr[]): Expr[] {
  const order = topoSort(simplified)
  const bound = new Set(order.filter(isBoundLeaf).flatMap((n) => Sh.symbols(n.shape)))
  const used = new Set(order.flatMap((n) => Sh.symbols(n.shape)))
  const missing = [...used].filter((d) => !bound.has(d))
  if (missing.length === 0) return []
  const leaves = topoSort(original).filter(isBoundLeaf)
  return missing.flatMap((d) => leaves.find((l) => Sh.symbols(l.shape).includes(d)) ?? [])
}

/**
 * Every stage's output for `outputs`; throws a SymgradError if the program does not typecheck.
 * `visit`: the outputs' indices in the order their equations are laid out (linearize; default
 * their own order); it changes what fuses, never a value.
 */
export function stages(outputs: readonly Expr[], options: CompileOptions = {}, visit?: readonly number[]): Stages {
  const simp = options.simplify === false ? { exprs: [...outputs], fired: [] } : simplify(outputs)
  const program = linearize(simp.exprs, unboundBySimplified(outputs, simp.exprs), visit)
  const checked = typecheck(program)
  if (E.isLeft(checked)) throw checked.left
  const backend = backendOf(options)
  const schedule = fuse(program, backend)
  const pl = plan(schedule)
  const generated = codegen(schedule, pl, backend)
  return { fired: simp.fired, program, schedule, plan: pl, generated }
}

/**
 * Compiles `outputs` into one function of the bindings (inputs and params by name). `carry`
 * (LinkOptions) keeps outputs as inputs' values for the next call, keyed by input name → output
 * index (compileStep's carry names both ends, output → input).
 */
export function compile(outputs: readonly Expr[], options: CompileOptions & LinkOptions = {}): CompiledFn {
  const o = withBackend(options)
  const backend = o.backend
  const st = stages(outputs, o)
  return link(st.schedule, st.plan, st.generated, backend, options.carry !== undefined ? { carry: options.carry } : {})
}

/** A readable account of each stage: rules fired, the Program, the fused steps, buffers, source. */
export function explain(outputs: readonly Expr[], options: CompileOptions = {}): string {
  const st = stages(outputs, options)
  let loop = 0
  const steps = st.schedule.steps.map((s, i) => {
    switch (s.kind) {
      case 'loop': {
        // generated.loops lists the loop steps in order; native ones the backend wrote in WebAssembly
        const native = st.generated.loops[loop++]?.native === true ? ' in WebAssembly' : ''
        return `${i}: loop ${Sh.show(s.shape)}${native} { ${s.members.map((m) => `v${m.out}=${m.op.name}`).join(', ')} } stores ${s.stores.map((v) => `v${v}`).join(' ') || '-'}`
      }
      case 'kernel':
        return `${i}: kernel v${s.eqn.out} = ${s.eqn.op.name}(${s.args.map((a, k) => `v${a}${s.trans[k] ? 'ᵀ' : ''}`).join(', ')})`
      default:
        return `${i}: ${s.kind} v${s.eqn.out} (${s.eqn.op.name})`
    }
  })
  const views = [...st.schedule.storage].filter(([, s]) => s.kind !== 'buffer').map(([v, s]) => `v${v}:${s.kind}${s.kind === 'alias' ? `→v${s.of}` : ''}`)
  const slots = st.plan.slots.map((shapes, k) => {
    const vs = [...st.plan.slotOf].filter(([, sl]) => sl === k).map(([v]) => `v${v}`)
    return `B${k}: ${vs.join(' ')}  (${shapes.map(Sh.show).join(' ')})`
  })
  return [
    '── simplify: rules fired',
    st.fired.map((f) => `${f.rule} ×${f.count}`).join('\n') || '(none)',
    '── program',
    P.show(st.program),
    '── fused steps',
    steps.join('\n'),
    '── storage (not in buffers)',
    views.join(' ') || '(none)',
    '── buffer plan',
    slots.join('\n') || '(none)',
    '── generated JavaScript',
    st.generated.source,
  ].join('\n')
}

/**
 * What a step computes, by name: scalar `values` (read back as numbers), the gradients of one of
 * them with respect to named leaves, and other named tensor outputs (e.g. batch-norm statistics).
 */
export interface StepOutputs<V extends string, G extends string = never, O extends string = never> {
  readonly values: Readonly<Record<V, Expr>>
  /** Gradients of `values[of]` with respect to each leaf (an input or param) of `wrt`. */
  readonly grads?: { readonly of: NoInfer<V>; readonly wrt: Readonly<Record<G, Expr>> }
  readonly tensors?: Readonly<Record<O, Expr>>
}

/** The outputs of one call, by the names they were given. */
export interface StepResult<V extends string, G extends string = never, O extends string = never> {
  readonly values: Readonly<Record<V, number>>
  readonly grads: Readonly<Record<G, Tensor>>
  readonly tensors: Readonly<Record<O, Tensor>>
}

/** The tensors a session's run returns: all but the carried ones (all of them when the carried names are not known statically). */
export type Uncarried<O extends string, C extends string> = string extends C ? O : Exclude<O, C>

/** A compiled training step: call it for an Either of named values, gradients and tensors; `runOrThrow` throws instead; `runOwned` returns the function's own buffers, overwritten by its next call; `session` carries outputs into inputs from call to call. */
export interface StepFn<V extends string, G extends string = never, O extends string = never, C extends O = never> {
  /** Named inputs (the leaves' names) to named outputs, fresh on every call; bad bindings give a Left. */
  (bindings: Bindings): E.Either<SymgradError, StepResult<V, G, O>>
  /** Like the call, throwing the error instead (for training loops). */
  readonly runOrThrow: (bindings: Bindings) => StepResult<V, G, O>
  /** Tensors are the function's own buffers, valid until its next call (compiled only; else fresh). */
  readonly runOwned: (bindings: Bindings) => StepResult<V, G, O>
  /** The compiled program (undefined when interpreting). */
  readonly compiled?: CompiledFn
  /**
   * A session of this step (see StepOptions.carry): `initial` binds every carried input, nothing
   * else; a Left when one is missing, another name is given, or a value has the wrong shape, is
   * not Float64Array data or is not finite in the step's dtype. Each session owns its state.
   */
  readonly session: (initial: Bindings) => E.Either<SymgradError, StepSession<StepResult<V, G, Uncarried<O, C>>>>
  /** Like `session`, throwing the error instead. */
  readonly sessionOrThrow: (initial: Bindings) => StepSession<StepResult<V, G, Uncarried<O, C>>>
}

/** Options of `compileStep`: those of `compile`, or the reference interpreter; `carry` for sessions. */
export interface StepOptions<C extends string = string> extends CompileOptions {
  /** Run the reference interpreter (eval/) instead of compiled code (default false). */
  readonly interpret?: boolean
  /**
   * Output name → input name: in a `session`, each run's output `name` (one of `tensors`, the
   * input's shape) becomes input `carry[name]` of the next run inside the backend's memory (no
   * float64 ↔ float32 conversion, no copy to JavaScript). `{ "W'": 'W', 'bn0.mean': 'bn0.mean' }`.
   * Refused with a SymgradError: an output that is not a tensors output or shares its name with a
   * value or gradient, an input the step does not read, an input carried twice, unequal shapes.
   */
  readonly carry?: Readonly<Record<C, string>>
}

/**
 * Named inputs → named values, gradients and tensors, compiled as ONE program (the backward pass
 * reads the forward intermediates): the generalised `valueAndGrad` that training uses.
 *
 *   const step = compileStep({ values: { loss, dataLoss }, grads: { of: 'loss', wrt: model.params() }, tensors: applied.state })
 *   const r = step.runOrThrow({ ...params, x, y })   // r.values.loss, r.grads['dense0.W'], r.tensors['bn0.runningMean']
 *
 * Throws a SymgradError when a `wrt` entry is not a leaf or a value is not a scalar.
 */
export function compileStep<V extends string, G extends string = never, O extends string = never, C extends O = never>(outs: StepOutputs<V, G, O>, options: StepOptions<C> = {}): StepFn<V, G, O, C> {
  if (options.dtype !== undefined) checkDtype(options.dtype, 'compileStep')
  const vNames = Object.keys(outs.values) as V[]
  for (const k of vNames) {
    const v = outs.values[k]
    if (v.shape.length !== 0) throw new SymgradError('shape', `compileStep: value '${k}' must be a scalar, got shape ${Sh.show(v.shape)}`)
  }
  const wrt = (outs.grads?.wrt ?? {}) as Readonly<Record<G, Expr>>
  for (const [k, p] of Object.entries(wrt) as [string, Expr][])
    if (!isBoundLeaf(p)) throw new SymgradError('grad', `compileStep: '${k}' is not an input or param leaf (got op ${p.op.name})`)
  const gNames = Object.keys(wrt) as G[]
  const gs = outs.grads === undefined ? ({} as Record<G, Expr>) : grad(outs.values[outs.grads.of], wrt)
  const tNames = Object.keys(outs.tensors ?? {}) as O[]
  const all = [...vNames.map((k) => outs.values[k]), ...gNames.map((k) => gs[k]), ...tNames.map((k) => (outs.tensors as Record<O, Expr>)[k])]
  const carry = options.carry === undefined ? [] : checkCarry(options.carry, { values: vNames, grads: gNames, tensors: tNames, tensorsAt: vNames.length + gNames.length }, all)
  const carried = new Set<string>(carry.map((c) => c.output))
  const packing = (skip: ReadonlySet<string>) => (ts: readonly Tensor[]): StepResult<V, G, O> => {
    const values = {} as Record<V, number>
    vNames.forEach((k, i) => (values[k] = T.item(ts[i]!)))
    const grads = {} as Record<G, Tensor>
    gNames.forEach((k, i) => (grads[k] = ts[vNames.length + i]!))
    const tensors = {} as Record<O, Tensor>
    tNames.forEach((k, i) => skip.has(k) || (tensors[k] = ts[vNames.length + gNames.length + i]!))
    return { values, grads, tensors }
  }
  const pack = packing(new Set())
  type Session = StepSession<StepResult<V, G, Uncarried<O, C>>>
  const sessions = (open: (initial: Bindings) => E.Either<SymgradError, Session>) => ({
    session: open,
    sessionOrThrow: (initial: Bindings): Session => {
      const r = open(initial)
      if (E.isLeft(r)) throw r.left
      return r.right
    },
  })
  if (options.interpret === true) {
    const run = (b: Bindings) => E.map(pack)(evaluate(all, b))
    const orThrow = (b: Bindings) => {
      const r = run(b)
      if (E.isLeft(r)) throw r.left
      return r.right
    }
    const open = (initial: Bindings) => interpretedSession(all, carry, initial, packing(carried)) as E.Either<SymgradError, Session>
    return Object.assign(run, { runOrThrow: orThrow, runOwned: orThrow, ...sessions(open) })
  }
  const o = withBackend(options)
  const backend = o.backend
  // a step with carried outputs is laid out from them (its new parameters) first: each one's last
  // elementwise op joins its update's loop before a value's sum reads that loop and closes it
  const tensorsAt = vNames.length + gNames.length
  const visit = carry.length === 0 ? undefined : [...tNames.map((_, i) => tensorsAt + i), ...all.slice(0, tensorsAt).map((_, i) => i)]
  const st = stages(all, o, visit)
  const fn = link(st.schedule, st.plan, st.generated, backend)
  // sessions share a function of their own (linked at the first): the plain one stays pure
  const relink = (c: Readonly<Record<string, number>>) => link(st.schedule, st.plan, st.generated, backend, { carry: c })
  const open = compiledSessions(relink, new Set(st.program.inputs.map((i) => i.name)), carry, packing(carried)) as (initial: Bindings) => E.Either<SymgradError, Session>
  return Object.assign((b: Bindings) => E.map(pack)(fn(b)), { runOrThrow: (b: Bindings) => pack(fn.runOrThrow(b)), runOwned: (b: Bindings) => pack(fn.runOwned(b)), compiled: fn, ...sessions(open) })
}

/** A loss value and its gradients: a record of tensors by name (`valueAndGrad(loss, { W, b })`) or an array in `wrt`'s order (`valueAndGrad(loss, [W, b])`). */
export interface ValueAndGrad<G extends Readonly<Record<string, Tensor>> | readonly Tensor[]> {
  readonly value: number
  readonly grads: G
}

/**
 * A compiled loss-and-gradients function. Calling it returns an Either with fresh tensors;
 * `runOrThrow` the same values or a thrown SymgradError; `runOwned` avoids the copies: its
 * tensors are the compiled function's own buffers, overwritten by the next call of any of the
 * three (copy what you keep, e.g. `Tensor.map(t, (v) => v)`).
 */
export interface ValueAndGradFn<G extends Readonly<Record<string, Tensor>> | readonly Tensor[]> {
  (bindings: Bindings): E.Either<SymgradError, ValueAndGrad<G>>
  /** Fresh tensors, or a thrown SymgradError. */
  readonly runOrThrow: (bindings: Bindings) => ValueAndGrad<G>
  /** Throws instead of returning a Left; the gradients are the function's own buffers, valid only until its next call. */
  readonly runOwned: (bindings: Bindings) => ValueAndGrad<G>
  /** The one compiled program behind it, computing the loss and its gradients together (for `load`, `read` and `carry`). */
  readonly compiled: CompiledFn
}

/**
 * The loss and its gradients with respect to `params`, compiled as ONE program: compileStep with
 * one value and its gradients. Like `grad`: a record of leaves in, a record of gradients out; an
 * array in, an array out (same order).
 */
export function valueAndGrad(loss: Expr, params: readonly Expr[], options?: CompileOptions): ValueAndGradFn<Tensor[]>
export function valueAndGrad<K extends string>(loss: Expr, params: Readonly<Record<K, Expr>>, options?: CompileOptions): ValueAndGradFn<Record<K, Tensor>>
export function valueAndGrad(loss: Expr, params: readonly Expr[] | Readonly<Record<string, Expr>>, options: CompileOptions = {}): ValueAndGradFn<Tensor[]> | ValueAndGradFn<Record<string, Tensor>> {
  checkWrt('valueAndGrad', params)
  const list = Array.isArray(params)
  const named: Readonly<Record<string, Expr>> = list ? Object.fromEntries((params as readonly Expr[]).map((p, i) => [String(i), p])) : (params as Readonly<Record<string, Expr>>)
  for (const [k, p] of Object.entries(named))
    if (!isBoundLeaf(p)) throw new SymgradError('grad', `valueAndGrad: ${list ? `wrt[${k}]` : quoteName(k)} is not an input or param leaf (got op ${p.op.name})`)
  const step = compileStep({ values: { value: loss }, grads: { of: 'value', wrt: named } }, options)
  const pack = (r: StepResult<'value', string>): ValueAndGrad<Tensor[]> | ValueAndGrad<Record<string, Tensor>> =>
    list ? { value: r.values.value, grads: Object.keys(named).map((k) => r.grads[k]!) } : { value: r.values.value, grads: { ...r.grads } }
  return Object.assign((b: Bindings) => E.map(pack)(step(b)), {
    runOrThrow: (b: Bindings) => pack(step.runOrThrow(b)),
    runOwned: (b: Bindings) => pack(step.runOwned(b)),
    compiled: step.compiled!,
  }) as ValueAndGradFn<Tensor[]> | ValueAndGradFn<Record<string, Tensor>>
}

export { interpret, bindInputs } from './interpret.js'
export { linearize } from './linearize.js'
export { typecheck, problems } from './typecheck.js'
export { fuse } from './fuse.js'
export { plan } from './plan.js'
export { codegen } from './codegen.js'
export { link } from './link.js'
export { jsBackend, makeJsBackend } from './backend-js.js'
export { wasmBackend, selectBackend, jsFloat32Backend } from './backend-wasm.js'
export type { WasmBackendOptions } from './backend-wasm.js'
export type { Dtype } from './arena.js'
export type { ThreadPool } from './threads.js'
export type { LinkOptions } from './link.js'
export { withCode, opTable, fusable, format } from './backend.js'
export { withBackendCode, noCode, type BackendCode, type CodeRegistries } from './code.js'
export type { CompiledFn } from './link.js'
export type { Program, Eqn } from './program.js'
export type { Backend, KernelCode, KernelCtx, ScalarCode, OpTable, Formatter, ExtraCode, Runtime, RuntimePart } from './backend.js'
