/**
 * Step sessions: a compiled step whose named outputs become its next call's named inputs (the new
 * parameters, optimizer buffers and model state of a training step) without leaving the backend's
 * memory. `compileStep(outs, { carry: { "W'": 'W' } })` checks the map once; `step.session(initial)`
 * binds the carried inputs; each `run` takes the other inputs and returns the other outputs; `read`
 * copies the carried values out. The mutation stays inside: the caller's tensors are only read,
 * `read` returns fresh tensors, sessions of one step do not see each other's values, and a
 * session's runs equal the plain step's with the carried outputs fed back by hand, bit for bit.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import { isBoundLeaf, topoSort } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { errorMessage, SymgradError } from '../core/errors.js'
import { quoteName } from '../core/codecs.js'
import { asTensors, bindShapes, evaluate, type Bindings } from '../eval/evaluate.js'
import type { Dtype } from './arena.js'
import type { CompiledFn } from './link.js'

/** A step's state carried from run to run: run it with the other inputs, read the carried values out. */
export interface StepSession<R> {
  /** One step: `bindings` hold every input but the carried ones; the carried outputs become the carried inputs (they are not returned). A Left leaves the session as it was. */
  readonly run: (bindings: Bindings) => E.Either<SymgradError, R>
  /** Like `run`, throwing the error instead (for training loops). */
  readonly runOrThrow: (bindings: Bindings) => R
  /** Like `runOrThrow`; tensors are the function's own buffers, valid until the session's next run. */
  readonly runOwned: (bindings: Bindings) => R
  /** The carried inputs' current values by input name, as fresh float64 tensors (a float32 step's values exactly). */
  readonly read: () => Record<string, Tensor>
}

/** One checked entry of a carry map: output `output` (index `index` among the step's outputs) becomes input `input` (leaf `leaf`). */
export interface CarryEntry {
  readonly output: string
  readonly index: number
  readonly input: string
  readonly leaf: Expr
}

/** The step's output names by kind, and where its `tensors` start among all outputs. */
export interface StepNames {
  readonly values: readonly string[]
  readonly grads: readonly string[]
  readonly tensors: readonly string[]
  readonly tensorsAt: number
}

/**
 * Checks a carry map (output name → input name) against a step's outputs and leaves; throws a
 * SymgradError naming the first bad entry: not a record of names, an output that is not one of the
 * step's `tensors` (or shares its name with a value or gradient), an input the step does not read,
 * an input carried twice, shapes that differ (symbolic dims must be the same symbols).
 */
export function checkCarry(carry: unknown, names: StepNames, all: readonly Expr[]): CarryEntry[] {
  if (carry === null || typeof carry !== 'object' || Array.isArray(carry)) throw new SymgradError('value', `compileStep: carry must be a record of output name → input name, got ${Array.isArray(carry) ? 'an array' : carry === null ? 'null' : typeof carry}`)
  const leaves = new Map<string, Expr>()
  for (const n of topoSort(all)) if (isBoundLeaf(n)) leaves.set(n.attrs['name'] as string, n)
  const from = new Map<string, string>()
  return Object.keys(carry).map((output): CarryEntry => {
    const input = (carry as Record<string, unknown>)[output]
    const place = `compileStep: carry ${quoteName(output)}`
    if (output === '__proto__') throw new SymgradError('value', `${place}: '__proto__' is not a name`)
    if (typeof input !== 'string') throw new SymgradError('value', `${place}: expected an input name, got ${typeof input}`)
    const also = names.values.includes(output) ? 'a value' : names.grads.includes(output) ? 'a gradient' : undefined
    const t = names.tensors.indexOf(output)
    if (t < 0) throw new SymgradError('value', `${place}: ${also !== undefined ? `names ${also}; carry takes` : 'is not one of'} the step's tensors outputs (${names.tensors.map(quoteName).join(', ') || 'none'})`)
    if (also !== undefined) throw new SymgradError('value', `${place}: ${also} has the same name; rename the tensor output`)
    const leaf = leaves.get(input)
    if (leaf === undefined) throw new SymgradError('value', `${place} → ${quoteName(input)}: the step reads no input or param of that name`)
    const twice = from.get(input)
    if (twice !== undefined) throw new SymgradError('value', `${place} → ${quoteName(input)}: that input is carried from ${quoteName(twice)} already`)
    from.set(input, output)
    const got = all[names.tensorsAt + t]!.shape
    if (!S.equal(got, leaf.shape)) throw new SymgradError('shape', `${place} → ${quoteName(input)}: output ${S.show(got)}, input ${S.show(leaf.shape)}`)
    return { output, index: names.tensorsAt + t, input, leaf }
  })
}

/** The initial values of the carried inputs, checked (every one, no other name, shapes, finite in `dtype`) and copied. */
function initialValues(entries: readonly CarryEntry[], initial: Bindings, dtype: Dtype): E.Either<SymgradError, Map<string, Tensor>> {
  const place = 'session'
  if (initial === null || typeof initial !== 'object') return E.left(new SymgradError('binding', `${place}: expected the carried inputs' values (a record of tensors by name), got ${initial === null ? 'null' : typeof initial}`))
  const carried = new Set(entries.map((e) => e.input))
  const other = Object.keys(initial).find((k) => !carried.has(k))
  if (other !== undefined) return E.left(new SymgradError('binding', `${place}: ${quoteName(other)} is not a carried input (carried: ${[...carried].map(quoteName).join(', ') || 'none'}); bind it in run`))
  const env = bindShapes(entries.map((e) => e.leaf), initial)
  if (E.isLeft(env)) return env
  const values = asTensors(initial)
  const out = new Map<string, Tensor>()
  for (const { input } of entries) {
    const t = values[input]!
    if (!(t.data instanceof Float64Array)) return E.left(new SymgradError('binding', `${place}: ${quoteName(input)}: expected Float64Array data`))
    const bad = t.data.findIndex((v) => !Number.isFinite(dtype === 'float32' ? Math.fround(v) : v))
    if (bad >= 0) return E.left(new SymgradError('binding', `${place}: ${quoteName(input)}[${bad}] = ${t.data[bad]} is not finite${dtype === 'float32' ? ' in float32' : ''}`))
    out.set(input, { shape: [...t.shape], data: t.data.slice() })
  }
  return E.right(out)
}

/** Throws when `bindings` are not a record or name a carried input (its value lives in the session). */
function notCarried(entries: readonly CarryEntry[], bindings: Bindings): void {
  if (bindings === null || typeof bindings !== 'object') throw new SymgradError('binding', `session run: expected bindings (a record of tensors by name), got ${bindings === null ? 'null' : typeof bindings}`)
  for (const e of entries)
    if (Object.hasOwn(bindings, e.input)) throw new SymgradError('binding', `session run: ${quoteName(e.input)} is carried (from ${quoteName(e.output)}); its value lives in the session, read() it`)
}

/** `runOrThrow`, `runOwned` and `read` as a session, with `run` returning an Either. */
function asSession<R>(orThrow: (b: Bindings) => R, owned: (b: Bindings) => R, read: () => Record<string, Tensor>): StepSession<R> {
  const run = (b: Bindings): E.Either<SymgradError, R> => {
    try {
      return E.right(orThrow(b))
    } catch (e) {
      return E.left(e instanceof SymgradError ? e : new SymgradError('value', `session run: ${errorMessage(e)}`))
    }
  }
  return { run, runOrThrow: orThrow, runOwned: owned, read }
}

const copyOf = (t: Tensor): Tensor => ({ shape: [...t.shape], data: t.data.slice() })

/**
 * A session on the reference interpreter (float64): the carried values are plain tensors replaced
 * by each run's carried outputs. `pack` makes the result of all outputs, carried ones left out.
 */
export function interpretedSession<R>(all: readonly Expr[], entries: readonly CarryEntry[], initial: Bindings, pack: (ts: readonly Tensor[]) => R): E.Either<SymgradError, StepSession<R>> {
  const start = initialValues(entries, initial, 'float64')
  if (E.isLeft(start)) return start
  let state = start.right
  const step = (b: Bindings): R => {
    notCarried(entries, b)
    const r = evaluate(all, { ...b, ...Object.fromEntries(state) })
    if (E.isLeft(r)) throw r.left
    const next = new Map<string, Tensor>()
    for (const e of entries) next.set(e.input, copyOf(r.right[e.index]!))
    state = next
    return pack(r.right)
  }
  return E.right(asSession(step, step, () => Object.fromEntries([...state].map(([k, t]) => [k, copyOf(t)]))))
}

/**
 * Sessions of one compiled step (`link(carry)` links a function with the given carry, keyed by
 * input name → output index; linked once, at the first session, beside the step's plain function).
 * That function holds one session's carried values at a time, in its memory: a run or a new
 * session of another parks the holder's values as exact float64 copies and loads its own, so one
 * session alone never copies and memory does not grow with sessions. A carried input the
 * simplified program no longer reads is kept by its session, from its output, as a float64 copy.
 */
export function compiledSessions<R>(link: (carry: Readonly<Record<string, number>>) => CompiledFn, reads: ReadonlySet<string>, entries: readonly CarryEntry[], pack: (ts: readonly Tensor[]) => R): (initial: Bindings) => E.Either<SymgradError, StepSession<R>> {
  const inside = entries.filter((e) => reads.has(e.input))
  const outside = entries.filter((e) => !reads.has(e.input))
  const carried = new Set(entries.map((e) => e.index))
  let linked: CompiledFn | undefined
  /** A session's values of the inside inputs while another holds the function (undefined while it holds it). */
  interface Holder { parked: Map<string, Tensor> | undefined }
  let holder: Holder | undefined
  const hold = (fn: CompiledFn, h: Holder): void => {
    if (holder === h) return
    if (holder !== undefined) holder.parked = new Map(inside.map((e) => [e.input, fn.read(e.input)]))
    for (const e of inside) fn.load(e.input, h.parked!.get(e.input)!)
    h.parked = undefined
    holder = h
  }
  return (initial) => {
    let fn: CompiledFn
    try {
      fn = linked ??= link(Object.fromEntries(inside.map((e) => [e.input, e.index])))
    } catch (e) {
      return E.left(e instanceof SymgradError ? e : new SymgradError('value', `session: ${errorMessage(e)}`))
    }
    const start = initialValues(entries, initial, fn.dtype)
    if (E.isLeft(start)) return start
    const me: Holder = { parked: new Map(inside.map((e) => [e.input, start.right.get(e.input)!])) }
    hold(fn, me)
    const kept = new Map(outside.map((e) => [e.input, start.right.get(e.input)!]))
    const step = (b: Bindings, owned: boolean): R => {
      notCarried(entries, b)
      hold(fn, me)
      const ts = fn.runOwned(b)
      for (const e of outside) kept.set(e.input, copyOf(ts[e.index]!))
      if (owned) return pack(ts)
      // the outputs returned, copied now: float64 ones are views of the buffers, float32 ones convert when read
      return pack(ts.map((t, i) => (carried.has(i) ? t : { shape: t.shape, data: fn.dtype === 'float64' ? t.data.slice() : t.data })))
    }
    const read = (): Record<string, Tensor> =>
      Object.fromEntries(entries.map((e) => [e.input, !reads.has(e.input) ? copyOf(kept.get(e.input)!) : holder === me ? fn.read(e.input) : copyOf(me.parked!.get(e.input)!)]))
    return E.right(asSession((b) => step(b, false), (b) => step(b, true), read))
  }
}
