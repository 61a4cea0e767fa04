/**
 * The graph form of an optimizer's update: the same rule as `update`, written once over a small
 * arithmetic of values V (numbers here, for the laws; graph nodes in train/, where forward,
 * backward and update compile into one program). optim/ stands below the ops, so it names the
 * arithmetic it needs (`UpdateOps`) and whoever compiles supplies it.
 *
 * The state keeps exactly the shape `init` and `update` give it. The graph computes the
 * per-parameter buffers (Adam's m and v, a velocity, a cache); JavaScript advances the rest (the
 * count, the hyperparameters at the count, Adam's β powers) and hands the rule the scalars it reads
 * (hyperparameters and bias corrections at the step count), so schedules stay exact.
 *
 * A transformation without a graph form (clipping by global norm, L-BFGS, masked parts, a user's
 * own) runs as JavaScript over Float64Arrays, as always.
 */
import type { Tensor } from '../core/Tensor.js'
import * as P from './params.js'
import type { Params } from './params.js'

/** The arithmetic an update rule is written in, generic over the value type (elementwise; scalars broadcast). */
export interface UpdateOps<V> {
  /** a + b */
  readonly add: (a: V, b: V) => V
  /** a − b */
  readonly sub: (a: V, b: V) => V
  /** a · b */
  readonly mul: (a: V, b: V) => V
  /** a / b */
  readonly div: (a: V, b: V) => V
  /** √a */
  readonly sqrt: (a: V) => V
  /** −a */
  readonly neg: (a: V) => V
  /** The number c as a value (a scalar, broadcast where it meets a tensor). */
  readonly constant: (c: number) => V
}

/** What the rule reads for one parameter: its gradient (or the incoming update), its value, its buffers, the step's scalars. */
export interface RuleInputs<V> {
  readonly g: V
  readonly x: V
  readonly buffers: Readonly<Record<string, V>>
  readonly scalars: Readonly<Record<string, V>>
}

/** One parameter's update and its buffers after it (the same names as the buffers read). */
export interface RuleOutputs<V> {
  readonly u: V
  readonly buffers: Readonly<Record<string, V>>
}

/** An update rule over any arithmetic (a generic function: the same rule for numbers and graphs). */
export type UpdateRule = <V>(o: UpdateOps<V>, i: RuleInputs<V>) => RuleOutputs<V>

/**
 * A transformation's update in graph form (methods, like `update`, so that a form of a specific
 * state is also a form of PlainState). `update(g, s, x)` equals: `advance(s)` gives the scalars
 * and the next state with the old buffers; `rule` per parameter gives the updates and new buffers;
 * `withBuffers` puts them into the next state.
 */
export interface GraphForm<S> {
  /** The per-parameter buffers of a state, by buffer name (each a record over the parameters). */
  buffers(state: S): Readonly<Record<string, Params>>
  /**
   * For the update from `state`: the scalars the rule reads and the state after it, still holding
   * the old buffers. Throws like `update` on a scheduled value that is not finite.
   */
  advance(state: S): { readonly scalars: Readonly<Record<string, number>>; readonly state: S }
  /** `state` with its buffers replaced (the names `buffers` gives). */
  withBuffers(state: S, buffers: Readonly<Record<string, Params>>): S
  /** The update of one parameter, elementwise. */
  readonly rule: UpdateRule
}

/** The arithmetic of numbers (float64, IEEE): the reference the compiled graph is checked against. */
export const numberOps: UpdateOps<number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  sqrt: Math.sqrt,
  neg: (a) => -a,
  constant: (c) => c,
}

/** The graph form of the identity (no buffers, no scalars, u = g). */
export const identityGraph: GraphForm<readonly []> = {
  buffers: () => ({}),
  advance: (state) => ({ scalars: {}, state }),
  withBuffers: (state) => state,
  rule: (_o, i) => ({ u: i.g, buffers: {} }),
}

/** The separator of a chain link's index and its own buffer or scalar name (`0/m`, `1/learningRate`). */
const sep = '/'

function prefixed<T>(i: number, r: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [k, v] of Object.entries(r)) out[`${i}${sep}${k}`] = v
  return out
}

function part<T>(i: number, r: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {}
  const head = `${i}${sep}`
  for (const [k, v] of Object.entries(r)) if (k.startsWith(head)) out[k.slice(head.length)] = v
  return out
}

/** The graph form of a chain: its links' forms one after another (undefined when a link has none). */
export function chainGraph(links: readonly (GraphForm<unknown> | undefined)[]): GraphForm<readonly unknown[]> | undefined {
  if (links.some((l) => l === undefined)) return undefined
  const ls = links as readonly GraphForm<unknown>[]
  return {
    buffers: (state) => Object.assign({}, ...ls.map((l, i) => prefixed(i, l.buffers(state[i])))) as Record<string, Params>,
    advance: (state) => {
      const steps = ls.map((l, i) => l.advance(state[i]))
      return { scalars: Object.assign({}, ...steps.map((s, i) => prefixed(i, s.scalars))) as Record<string, number>, state: steps.map((s) => s.state) }
    },
    withBuffers: (state, buffers) => ls.map((l, i) => l.withBuffers(state[i], part(i, buffers))),
    rule: (o, inp) => {
      let u = inp.g
      const buffers: Record<string, (typeof inp.buffers)[string]> = {}
      ls.forEach((l, i) => {
        const r = l.rule(o, { g: u, x: inp.x, buffers: part(i, inp.buffers), scalars: part(i, inp.scalars) })
        u = r.u
        Object.assign(buffers, prefixed(i, r.buffers))
      })
      return { u, buffers }
    },
  }
}

/**
 * The update through the graph form evaluated on numbers, element by element: what `update` must
 * give, bit for bit, when its loops do the same operations in the same order (the optimizer laws).
 */
export function updateByGraph<S>(gf: GraphForm<S>, grads: Params, state: S, params: Params): readonly [updates: Params, state: S] {
  const { scalars, state: next } = gf.advance(state)
  const bufs = gf.buffers(state)
  const names = Object.keys(bufs)
  const updates: Record<string, Tensor> = {}
  const out: Record<string, Record<string, Tensor>> = Object.fromEntries(names.map((b) => [b, {}]))
  for (const k of P.keys(grads)) {
    const g = grads[k]!
    const u = new Float64Array(g.data.length)
    const nb = names.map(() => new Float64Array(g.data.length))
    for (let e = 0; e < u.length; e++) {
      const r = gf.rule(numberOps, { g: g.data[e]!, x: params[k]!.data[e]!, buffers: Object.fromEntries(names.map((b) => [b, bufs[b]![k]!.data[e]!])), scalars })
      u[e] = r.u
      names.forEach((b, j) => (nb[j]![e] = r.buffers[b]!))
    }
    updates[k] = { shape: g.shape, data: u }
    names.forEach((b, j) => (out[b]![k] = { shape: g.shape, data: nb[j]! }))
  }
  return [updates, gf.withBuffers(next, out)]
}
