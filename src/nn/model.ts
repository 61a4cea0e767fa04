/**
 * Models: `sequential(...layers)` composes layer specs into a model whose input and output widths
 * are literal types; consecutive widths that differ do not compile. A model is its JSON spec
 * (`model.spec`) plus pure functions derived from it (`fromSpec` rebuilds them from decoded data).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import type { Key } from '../core/Random.js'
import * as R from '../core/Random.js'
import type { Dim } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../core/Tensor.js'
import { errorMessage, ShapeError, SymgradError } from '../core/errors.js'
import * as ops from '../ops/index.js'
import { type InitScheme, initWeight } from './init.js'
import { type LayerSpec, type Mode, type Resolved, applyLayer, batchNorm, dense, dropout, leafShapes, prefix, relu } from './layers.js'
import { isWeight } from './regularizers.js'

import type { Params } from '../core/Params.js'
export type { Params } from '../core/Params.js'
/** Named non-trained tensors: batch-norm running statistics ('bn1.runningMean', 'bn1.runningVar'). */
export type State = Readonly<Record<string, Tensor>>

export interface ModelSpec {
  readonly kind: 'sequential'
  readonly in: number
  readonly out: number
  readonly layers: readonly Resolved[]
  /** True after `toInference`: dropout removed, batch norm on running statistics whatever the mode. */
  readonly inference: boolean
}

export interface RandomInputs {
  /** The random `input` leaves of the graph: uniform draws `u` [N, width] of each dropout layer. */
  readonly inputs: readonly { readonly name: string; readonly shape: readonly Dim[]; readonly keep: number }[]
  /** Fresh values for every random input from `key` (pure: the same key gives the same masks). */
  readonly bindings: (key: Key, batchSize: number) => Record<string, Tensor>
}

export interface Applied<N extends Dim, Out extends number> {
  readonly out: Expr<[N, Out]>
  /** New state as expressions (train mode with batch norm); empty otherwise. */
  readonly state: Readonly<Record<string, Expr>>
  readonly random: RandomInputs
  /** Every layer's output, in order (for activation statistics). */
  readonly layers: readonly { readonly name: string; readonly kind: string; readonly out: Expr }[]
}

export interface Model<In extends number = number, Out extends number = number> {
  readonly spec: ModelSpec
  readonly in: In
  readonly out: Out
  /** Parameters and state from a key, bit-for-bit reproducible; layer i draws from foldIn(key, i). */
  readonly init: (key: Key) => { readonly params: Params; readonly state: State }
  /**
   * The model on `x` [N, in] as an expression. Parameters appear as `param` leaves and batch-norm
   * running statistics as `input` leaves, named as in Params and State; bind both when evaluating.
   */
  readonly apply: <N extends Dim>(x: Expr<readonly [N, In]>, mode: Mode) => Applied<N, Out>
  readonly paramShapes: Readonly<Record<string, readonly number[]>>
  readonly stateShapes: Readonly<Record<string, readonly number[]>>
  /** The parameter leaves, by name. */
  readonly params: () => Readonly<Record<string, Expr>>
  /** The weight leaves only (`*.W`): what regularizers and maxNorm act on by default. */
  readonly weights: () => Readonly<Record<string, Expr>>
}

// ── type-level width checking ──────────────────────────────────────────────────────────────────

type Sized = { readonly in: number; readonly out: number }
export interface WidthMismatch<Prev extends number, Next extends number> {
  readonly 'sequential: a layer expects a different input width than the previous layer gives': { readonly previousOut: Prev; readonly nextIn: Next }
}
/** Each layer unchanged when its input width matches the width flowing into it, else a WidthMismatch. */
export type CheckWidths<Ls extends readonly unknown[], W extends number | undefined = undefined> = number extends Ls['length']
  ? Ls // an array built at run time: widths are checked at run time only
  : Ls extends readonly [infer H, ...infer Rest]
  ? H extends Sized
    ? W extends number
      ? number extends W
        ? [H, ...CheckWidths<Rest, H['out']>]
        : number extends H['in']
          ? [H, ...CheckWidths<Rest, H['out']>]
          : [W] extends [H['in']]
            ? [H, ...CheckWidths<Rest, H['out']>]
            : [WidthMismatch<W, H['in']>, ...CheckWidths<Rest, H['out']>]
      : [H, ...CheckWidths<Rest, H['out']>]
    : [H, ...CheckWidths<Rest, W>]
  : []
export type InOf<Ls extends readonly unknown[]> = Ls extends readonly [infer H, ...infer Rest] ? (H extends Sized ? H['in'] : InOf<Rest>) : number
export type OutOf<Ls extends readonly unknown[]> = Ls extends readonly [...infer Init, infer L] ? (L extends Sized ? L['out'] : OutOf<Init>) : number

// ── construction ───────────────────────────────────────────────────────────────────────────────

/** Resolves names and widths; throws a ShapeError naming the layer on a width mismatch. */
export function resolveLayers(layers: readonly LayerSpec[], inWidth?: number): Resolved[] {
  const first = layers.find((l): l is LayerSpec & { in: number } => 'in' in l)
  let w = inWidth ?? first?.in
  if (w === undefined) throw new ShapeError('sequential: no layer has a width (add a dense or maxout layer, or give the input width)')
  const out: Resolved[] = []
  const names = new Set<string>()
  layers.forEach((l, i) => {
    const name = l.name ?? `${prefix(l)}${i}`
    if (names.has(name)) throw new ShapeError(`sequential: layer name '${name}' is used twice`)
    names.add(name)
    if ('in' in l) {
      if (l.in !== w) throw new ShapeError(`sequential: layer ${i} '${name}' expected input width ${l.in}, got ${w} from the layer before`)
      out.push({ ...l, name })
      w = l.out
    } else out.push({ ...l, name, in: w!, out: w! })
  })
  return out
}

/** A model from its spec (e.g. decoded with io-ts); widths are re-checked. */
export function fromSpec(spec: ModelSpec): E.Either<SymgradError, Model> {
  try {
    const layers = resolveLayers(spec.layers, spec.in)
    if (layers.length > 0 && layers[layers.length - 1]!.out !== spec.out)
      return E.left(new ShapeError(`fromSpec: spec.out is ${spec.out}, but the last layer gives width ${layers[layers.length - 1]!.out}`))
    return E.right(build({ ...spec, layers }))
  } catch (e) {
    return E.left(e instanceof SymgradError ? e : new SymgradError('decode', `fromSpec: ${errorMessage(e)}`))
  }
}

/** Composes layers; `sequential(dense(784, 100), relu, dense(50, 10))` does not compile. */
export function sequential<const Ls extends readonly LayerSpec[]>(...layers: Ls & CheckWidths<Ls>): Model<InOf<Ls>, OutOf<Ls>> {
  const resolved = resolveLayers(layers)
  return build({ kind: 'sequential', in: resolved[0]!.in, out: resolved[resolved.length - 1]!.out, layers: resolved, inference: false }) as never
}

/** The inference form: dropout removed, batch norm switched to running statistics (for any mode). */
export function toInference<In extends number, Out extends number>(m: Model<In, Out>): Model<In, Out> {
  const layers = m.spec.layers.filter((l) => l.kind !== 'dropout')
  return build({ ...m.spec, layers, inference: true }) as unknown as Model<In, Out>
}

function freezeRecord<V>(r: Record<string, V>): Readonly<Record<string, V>> {
  return Object.freeze(r)
}

function build(spec: ModelSpec): Model {
  const frozen: ModelSpec = Object.freeze({ ...spec, layers: Object.freeze(spec.layers.map((l) => Object.freeze({ ...l }))) })
  const paramShapes: Record<string, readonly number[]> = {}
  const stateShapes: Record<string, readonly number[]> = {}
  for (const l of frozen.layers) {
    const s = leafShapes(l)
    Object.assign(paramShapes, s.params)
    Object.assign(stateShapes, s.state)
  }

  const init = (key: Key) => {
    const params: Record<string, Tensor> = {}
    const state: Record<string, Tensor> = {}
    frozen.layers.forEach((l, i) => {
      const k = R.foldIn(key, i)
      const n = l.name
      if (l.kind === 'dense' || l.kind === 'maxout') {
        const cols = l.kind === 'maxout' ? l.pieces * l.out : l.out
        params[`${n}.W`] = initWeight(k, l.init, l.in, cols)
        params[`${n}.b`] = T.zeros([cols])
      } else if (l.kind === 'batchNorm') {
        params[`${n}.gamma`] = T.ones([l.out])
        params[`${n}.beta`] = T.zeros([l.out])
        state[`${n}.runningMean`] = T.zeros([l.out])
        state[`${n}.runningVar`] = T.ones([l.out])
      }
    })
    return { params: freezeRecord(params), state: freezeRecord(state) }
  }

  const apply = (x: Expr, mode: Mode) => {
    if (x.shape.length !== 2 || x.shape[1] !== frozen.in)
      throw new ShapeError(`model.apply: argument 1 expected shape [N,${frozen.in}], got ${S.show(x.shape)}`)
    const m: Mode = frozen.inference ? 'test' : mode
    let h = x
    const state: Record<string, Expr> = {}
    const inputs: { name: string; shape: readonly Dim[]; keep: number }[] = []
    const layers: { name: string; kind: string; out: Expr }[] = []
    for (const l of frozen.layers) {
      const r = applyLayer(l, h, m)
      h = r.out
      Object.assign(state, r.state)
      for (const u of r.random) inputs.push({ name: u.name, shape: [x.shape[0]!, u.width], keep: u.keep })
      layers.push({ name: l.name, kind: l.kind === 'activation' ? l.fn : l.kind, out: h })
    }
    const index = new Map(frozen.layers.map((l, i) => [l.name, i]))
    const random: RandomInputs = {
      inputs,
      bindings: (key, batchSize) =>
        Object.fromEntries(inputs.map((u) => [u.name, R.uniform(R.foldIn(key, index.get(u.name.slice(0, -2))!), [batchSize, u.shape[1] as number])])),
    }
    return { out: h, state, random, layers }
  }

  const params = () => Object.fromEntries(Object.entries(paramShapes).map(([n, s]) => [n, ops.param(n, s)]))
  const weights = () => Object.fromEntries(Object.entries(params()).filter(([n]) => isWeight(n)))
  return { spec: frozen, in: frozen.in, out: frozen.out, init, apply: apply as unknown as Model["apply"], paramShapes, stateShapes, params, weights }
}

// ── a helper for the usual fully connected net ─────────────────────────────────────────────────

export interface MlpOptions {
  /** Hidden nonlinearity (default relu). */
  readonly activation?: LayerSpec & { readonly kind: 'activation' }
  readonly init?: InitScheme
  /** Batch norm after each hidden affine layer, before the nonlinearity. */
  readonly batchNorm?: boolean
  /** Dropout keep probability after each hidden nonlinearity (none by default). */
  readonly keep?: number
  /** Dropout keep probability on the input units: never dropped unless this is given. */
  readonly inputKeep?: number
}

type First<Ws extends readonly number[]> = Ws extends readonly [infer F extends number, ...number[]] ? F : number
type Last<Ws extends readonly number[]> = Ws extends readonly [...number[], infer L extends number] ? L : number

/**
 * widths [d0, d1, …, dk] → dense(d0,d1), [bn], act, [dropout], …, dense(d(k−1), dk): no
 * nonlinearity, batch norm or dropout after the last affine layer, and no input dropout unless
 * `inputKeep` is given.
 */
export function mlp<const Ws extends readonly number[]>(widths: Ws, o: MlpOptions = {}): Model<First<Ws>, Last<Ws>> {
  if (widths.length < 2) throw new ShapeError(`mlp: expected at least 2 widths (input and output), got [${widths.join(',')}]`)
  const act = o.activation ?? relu
  const layers: LayerSpec[] = []
  if (o.inputKeep !== undefined && o.inputKeep < 1) layers.push(dropout(o.inputKeep))
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push(dense(widths[i]!, widths[i + 1]!, o.init !== undefined ? { init: o.init } : {}))
    if (i + 2 === widths.length) break
    if (o.batchNorm === true) layers.push(batchNorm())
    layers.push(act)
    if (o.keep !== undefined && o.keep < 1) layers.push(dropout(o.keep))
  }
  const resolved = resolveLayers(layers)
  return build({ kind: 'sequential', in: widths[0]!, out: widths[widths.length - 1]!, layers: resolved, inference: false }) as never
}
