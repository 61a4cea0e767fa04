/**
 * link: generated source → CompiledFn. Builds the function once, owns its buffers (one per plan
 * slot, grown when a new binding of the symbolic dims needs more room, reused across calls) and
 * the backend runtime. Calls are pure as seen from outside: inputs are only read, outputs are
 * fresh tensors (unless the caller asks for the function's own buffers, see `runOwned`).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DimEnv } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { ByteTensor } from '../core/ByteTensor.js'
import { errorMessage, SymgradError } from '../core/errors.js'
import { asTensors, type Bindings } from '../eval/evaluate.js'
import { buildRuntime, type Backend } from './backend.js'
import type { Arena, Dtype, FloatArray } from './arena.js'
import { bindShapes } from '../eval/evaluate.js'
import type { Generated } from './codegen.js'
import type { Schedule } from './fuse.js'
import { rootOf } from './fuse.js'
import type { Plan } from './plan.js'
import { quoteName } from '../core/codecs.js'

/** A compiled function: call it for an Either of output tensors; `runOrThrow` throws instead; `runOwned` returns its own buffers, overwritten by its next call; `load`, `read` and `carry` keep values between calls. */
export interface CompiledFn {
  /** Output tensors, fresh on every call; bad bindings or bad labels give a Left. */
  (bindings: Bindings): E.Either<SymgradError, Tensor[]>
  /** Like the call, throwing the error instead (for training loops). */
  readonly runOrThrow: (bindings: Bindings) => Tensor[]
  /**
   * The fastest form: outputs are views of the function's own buffers, valid until its next call
   * (the caller must not keep or write them; float32 outputs are float64 copies). Throws on bad bindings.
   */
  readonly runOwned: (bindings: Bindings) => Tensor[]
  readonly source: string
  /** The number format of the function's buffers (inputs are converted to it, outputs back to float64). */
  readonly dtype: Dtype
  /**
   * Keeps a copy of `t` (in the function's dtype) as input `name` inside the function: later calls
   * may leave `name` out of their bindings. Binding it again replaces the kept value. Throws on a
   * bad name or shape.
   */
  readonly load: (name: string, t: Tensor) => void
  /** A float64 copy of the value input `name` holds inside the function (loaded, carried or last bound). */
  readonly read: (name: string) => Tensor
}

/** Options of linking a compiled program, such as `carry`: outputs kept as inputs' values for the next call. */
export interface LinkOptions {
  /**
   * After each call, output `carry[name]` becomes the kept value of input `name` (see `load`): a
   * training step's new parameters stay inside the function for the next step, never converted.
   * One output may be carried into several inputs; outputs that are other inputs' values are read
   * before any input is written (`{ a: 1, b: 0 }` over outputs `[a, b]` swaps them).
   */
  readonly carry?: Readonly<Record<string, number>>
}

type Arr = FloatArray

/**
 * An owned float32 output: its float64 data made when first read, from the function's buffer as it
 * is until the next call. A class, not an object literal with a getter: V8 builds such a literal
 * slowly (15 µs for a training step's 45 outputs, against 1 µs).
 */
class Float32Output implements Tensor {
  readonly #src: Arr
  readonly #n: number
  #data: Float64Array | undefined
  constructor(readonly shape: number[], src: Arr, n: number) {
    this.#src = src
    this.#n = n
  }
  get data(): Float64Array {
    return (this.#data ??= Float64Array.from(this.#src.subarray(0, this.#n)))
  }
}
type Kernel = (rt: object, I: Arr[], C: readonly Arr[], B: Arr[], D: readonly number[], F: Generated['calls']) => void

export function link(s: Schedule, pl: Plan, g: Generated, backend: Backend, options: LinkOptions = {}): CompiledFn {
  const fn = new Function('rt', 'I', 'C', 'B', 'D', 'F', `"use strict";\n${g.source}`) as Kernel
  const rt = buildRuntime(backend, g.native)
  const arena = rt.arena
  const dtype: Dtype = arena?.dtype ?? 'float64'
  let bufs: Arr[] = pl.slots.map(() => new Float64Array(0))
  const p = s.program
  let lastKey = ''
  let outShapes: number[][] = []
  let inShapes: number[][] = []
  let D: number[] = []
  const inputIndex = new Map(p.inputs.map((inp, k) => [inp.v, k]))
  const byName = new Map(p.inputs.map((inp, k) => [inp.name, k]))
  const tensorIndex = new Map<number, number>()
  let t = 0
  for (const e of p.eqns) if (e.op.lowering === 'data') tensorIndex.set(e.out, t++)
  let I: Arr[] = new Array(p.inputs.length)
  let C: readonly Arr[] = g.tensors
  /** Inputs whose value lives in the function (loaded or carried), with their shapes. */
  const kept = new Map<number, number[]>()
  const carry = Object.entries(options.carry ?? {}).map(([name, o]) => {
    const k = byName.get(name)
    if (k === undefined) throw new SymgradError('value', `link: carry names input '${name}', which the function does not read`)
    if (!Number.isInteger(o) || o < 0 || o >= p.outputs.length) throw new SymgradError('value', `link: carry of '${name}' names output ${o}, expected 0..${p.outputs.length - 1}`)
    const want = p.inputs[k]!.shape, got = s.shapes.get(p.outputs[o]!)!
    if (!S.equal(want, got)) throw new SymgradError('shape', `link: carry of '${name}': output ${o} is ${S.show(got)}, the input is ${S.show(want)}`)
    return [k, o] as const
  })
  /** Arena capacities (slots, inputs, tensors) of the current layout. */
  let caps: number[] = []

  /** Grows the arena's regions (slots, inputs, tensors) to at least `need`, keeping kept inputs' values. */
  const ensure = (a: Arena, need: readonly number[]): void => {
    if (caps.length === need.length && need.every((n, i) => n <= caps[i]!)) return
    const keep = [...kept.keys()].map((k) => [k, I[k]!.slice(0, S.size(kept.get(k)!))] as const)
    caps = need.map((n, i) => Math.max(n, caps[i] ?? 0))
    const views = a.layout(caps)
    bufs = views.slice(0, pl.slots.length)
    I = views.slice(pl.slots.length, pl.slots.length + p.inputs.length)
    C = views.slice(pl.slots.length + p.inputs.length)
    g.tensors.forEach((x, i) => C[i]!.set(x))
    for (const [k, v] of keep) I[k]!.set(v)
  }
  const slotNeeds = (env: DimEnv): number[] => pl.slots.map((shapes) => Math.max(0, ...shapes.map((sh) => S.size(S.resolve(sh, env)))))
  const prepare = (env: DimEnv): void => {
    const dims = g.symbols.map((sym) => (Object.hasOwn(env, sym) ? env[sym]! : NaN))
    const key = dims.join(',')
    if (key === lastKey && outShapes.length === p.outputs.length) return
    D = dims
    inShapes = p.inputs.map((inp) => S.resolve(inp.shape, env))
    const slots = slotNeeds(env)
    if (arena !== undefined) ensure(arena, [...slots, ...inShapes.map(S.size), ...g.tensors.map((x) => x.length)])
    else slots.forEach((need, k) => bufs[k]!.length < need && (bufs[k] = new Float64Array(need)))
    outShapes = p.outputs.map((o) => S.resolve(s.shapes.get(o)!, env))
    lastKey = key
  }
  const source = (o: number): Arr => {
    const r = rootOf(s.storage, o)
    const kind = s.storage.get(r)!.kind
    if (kind === 'input') return I[inputIndex.get(r)!]!
    if (kind === 'tensor') return C[tensorIndex.get(r)!]!
    return bufs[pl.slotOf.get(r)!]!
  }
  const leaves = p.inputs.map((i) => i.leaf)
  /** The kept inputs' shapes by name (for inputs not bound), rebuilt when a load or carry changes them. */
  let keptShapes: Map<string, S.Concrete> | undefined
  const keep = (k: number, shape: number[]): void => {
    const was = kept.get(k)
    if (was === undefined || (was !== shape && !S.equal(was, shape))) keptShapes = undefined
    kept.set(k, shape)
  }
  /**
   * The dims the kept inputs bind and the leaves left to the bindings, for one `keptShapes`: a
   * training step's bindings are a batch and a few scalars, its kept inputs dozens of parameters
   * and optimizer buffers, checked once when they were kept or carried.
   */
  let keptBase: { readonly of: Map<string, S.Concrete>; readonly env: DimEnv; readonly free: readonly (typeof leaves)[number][] } | undefined
  const bind = (given: Bindings): DimEnv => {
    const bindings = asTensors(given)
    keptShapes ??= new Map([...kept].map(([k, shape]) => [p.inputs[k]!.name, shape]))
    const names = given !== null && typeof given === 'object' ? Object.keys(given) : []
    // a kept input bound again takes the whole check (its new shape replaces the kept one)
    const rebinds = names.some((n) => { const k = byName.get(n); return k !== undefined && kept.has(k) })
    let envE: E.Either<SymgradError, DimEnv>
    if (rebinds || kept.size === 0) envE = bindShapes(leaves, given, keptShapes)
    else {
      if (keptBase?.of !== keptShapes) {
        const held = keptShapes
        const base = bindShapes(leaves.filter((l) => held.has(l.attrs['name'] as string)), {}, held)
        if (E.isLeft(base)) throw base.left
        keptBase = { of: held, env: base.right, free: leaves.filter((l) => !held.has(l.attrs['name'] as string)) }
      }
      envE = bindShapes(keptBase.free, given, undefined, keptBase.env)
    }
    if (E.isLeft(envE)) throw envE.left
    for (const n of names) {
      const k = byName.get(n)
      // a byte tensor is taken as its bytes (its float64 data is not made)
      if (k !== undefined && !(bindings[n] instanceof ByteTensor) && !(bindings[n]!.data instanceof Float64Array)) {
        const i = p.inputs[k]!
        throw new SymgradError('binding', `binding for ${i.kind} ${quoteName(i.name)} ${S.show(i.shape)}: expected Float64Array data`)
      }
    }
    return envE.right
  }
  /** The slot holding output `o`, or undefined when it lives in an input or a constant. */
  const slotOfOutput = (o: number): number | undefined => {
    const r = rootOf(s.storage, p.outputs[o]!)
    return s.storage.get(r)!.kind === 'buffer' ? pl.slotOf.get(r) : undefined
  }
  /** Per carry entry, the slot of its output (undefined: it lives in an input or a constant) and whether it is that slot's last carry entry: fixed by the schedule. */
  let carryPlan: { readonly k: number; readonly o: number; readonly slot: number | undefined; readonly last: boolean }[] | undefined
  /**
   * After a call, each carried output becomes its input's kept value. An output living in another
   * input (a carried one may be overwritten first) is copied aside before anything is written; an
   * output carried into several inputs is copied into all but the last, which takes the output's
   * region by a swap (same capacity; in float64 JavaScript, same length): no copy at all.
   */
  const carryOver = (): void => {
    carryPlan ??= carry.map(([k, o], i) => {
      const slot = slotOfOutput(o)
      return { k, o, slot, last: slot !== undefined && !carry.some(([, o2], j) => j > i && slotOfOutput(o2) === slot) }
    })
    const plan = carryPlan
    const size = (o: number): number => S.size(outShapes[o]!)
    let aside: (Arr | undefined)[] | undefined
    for (const [i, { k, o, slot }] of plan.entries()) {
      if (slot !== undefined) continue
      const src = source(p.outputs[o]!)
      // a float64 input read in place may be the caller's array: keep a copy of our own
      const own = src !== I[k] || (arena === undefined && !kept.has(k))
      if (own) (aside ??= [])[i] = src.slice(0, size(o))
    }
    const into = (k: number, src: Arr, n: number): void => {
      if (arena === undefined && !kept.has(k)) I[k] = new Float64Array(n)
      I[k]!.set(src.subarray(0, n))
    }
    // copies before swaps: a swap hands the output's region to its input
    for (const { k, o, slot, last } of plan) if (slot !== undefined && !last) into(k, bufs[slot]!, size(o))
    for (const { k, o, slot, last } of plan) {
      if (slot === undefined || !last) continue
      const input = pl.slots.length + k
      if (arena !== undefined ? caps[slot] === caps[input] : kept.has(k) && bufs[slot]!.length === I[k]!.length) {
        ;[bufs[slot], I[k]] = [I[k]!, bufs[slot]!]
        if (arena !== undefined) [caps[slot], caps[input]] = [caps[input]!, caps[slot]!]
      } else into(k, bufs[slot]!, size(o))
    }
    if (aside !== undefined) plan.forEach(({ k, o }, i) => aside![i] !== undefined && into(k, aside![i]!, size(o)))
    for (const { k, o } of plan) keep(k, outShapes[o]!)
  }
  const exec = (given: Bindings, owned: boolean): Tensor[] => {
    const env = bind(given)
    const bindings = asTensors(given)
    prepare(env)
    p.inputs.forEach((inp, k) => {
      if (!Object.hasOwn(bindings, inp.name)) return
      const t = bindings[inp.name]!
      if (arena !== undefined) {
        if (t instanceof ByteTensor) arena.putBytes(I[k]!, t.bytes, t.divisor)
        else arena.put(I[k]!, t.data)
      } else I[k] = kept.has(k) ? t.data.slice() : t.data
      if (kept.has(k)) keep(k, inShapes[k]!)
    })
    fn(rt, I, C, bufs, D, g.calls)
    const carriedInto = new Set<Arr>(carry.map(([k]) => I[k]!))
    const outs = p.outputs.map((o, k): Tensor => {
      const shape = outShapes[k]!
      const n = S.size(shape)
      const src = source(o)
      // an output living in a carried input is copied now: the carry writes that input next
      const mine = owned && !carriedInto.has(src)
      if (src instanceof Float64Array) return { shape, data: mine ? src.subarray(0, n) : src.slice(0, n) }
      // float32: owned outputs convert when read (valid until the next call, like the views), so a
      // carried output nobody reads costs nothing
      if (!mine) return { shape, data: Float64Array.from(src.subarray(0, n)) }
      // a scalar (a loss, a sum) is read at once by every caller: converted now, without a view
      if (n === 1) return { shape, data: Float64Array.of(src[0]!) }
      return new Float32Output(shape, src, n)
    })
    carryOver()
    return outs
  }
  const inputOf = (name: string): number => {
    const k = byName.get(name)
    if (k === undefined) throw new SymgradError('binding', `compiled function has no input '${name}' (inputs: ${[...byName.keys()].join(', ') || 'none'})`)
    return k
  }
  const load = (name: string, x: Tensor): void => {
    const k = inputOf(name)
    const envE = bindShapes([p.inputs[k]!.leaf], { [name]: x })
    if (E.isLeft(envE)) throw envE.left
    if (!(x.data instanceof Float64Array)) throw new SymgradError('binding', `load '${name}': expected Float64Array data`)
    const shape = [...x.shape]
    if (arena !== undefined) {
      ensure(arena, [...pl.slots.map(() => 0), ...p.inputs.map((_, j) => (j === k ? x.data.length : 0)), ...g.tensors.map((c) => c.length)])
      arena.put(I[k]!, x.data)
    } else I[k] = x.data.slice()
    keep(k, shape)
  }
  const read = (name: string): Tensor => {
    const k = inputOf(name)
    const shape = kept.get(k)
    if (shape === undefined) throw new SymgradError('binding', `read '${name}': the function keeps no value for it (load it or carry an output into it)`)
    return { shape: [...shape], data: Float64Array.from(I[k]!.subarray(0, S.size(shape))) }
  }
  const call = (bindings: Bindings): E.Either<SymgradError, Tensor[]> => {
    try {
      return E.right(exec(bindings, false))
    } catch (e) {
      return E.left(e instanceof SymgradError ? e : new SymgradError('value', `compiled function: ${errorMessage(e)}`))
    }
  }
  return Object.assign(call, {
    runOrThrow: (b: Bindings) => exec(b, false),
    runOwned: (b: Bindings) => exec(b, true),
    source: g.source,
    dtype,
    load,
    read,
  })
}
