/**
 * Models: `sequential(...layers)` composes layer specs into a model whose input and output widths
 * are literal types; consecutive widths that differ do not compile. A model is its JSON spec
 * (`model.spec`) plus pure functions derived from it (`fromSpec` rebuilds them from decoded data).
 * Every layer is handled through its LayerDef record, looked up by kind in a layer registry (a
 * value: `builtinLayers` unless one is given, e.g. `sequentialWith(withLayers(builtinLayers, mine))`).
 * Activations between layers are [N, ...shape]; the model takes rows [N, in] and gives [N, out].
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import type { Key } from '../core/Random.js'
import * as R from '../core/Random.js'
import type { Dim } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { errorMessage, ShapeError, SymgradError } from '../core/errors.js'
import { argmax } from '../data/metrics.js'
import { evaluate } from '../eval/evaluate.js'
import { decodeWith } from '../io/codecs.js'
import * as ops from '../ops/index.js'
import { builtinLayers } from './builtinLayers.js'
import type { InitScheme } from './init.js'
import { type AnyLayerDef, type LayerRegistry, type Mode, layerKinds, lookupLayer } from './LayerDef.js'
import { layerCodec, withDefaults } from './layerCodec.js'
import { type Activation, type LayerSpec, type Resolved, batchNorm, dense, dropout, relu } from './layers.js'
import { isWeight, leafOf } from './naming.js'

import type { Params } from '../core/Params.js'
export type { Params } from '../core/Params.js'
/** Named non-trained tensors: batch-norm running statistics ('bn0.runningMean', 'bn0.runningVar'). */
export type State = Readonly<Record<string, Tensor>>

/** The plain-data description of a model: its layers; what checkpoints store. */
export interface ModelSpec {
  readonly kind: 'sequential'
  readonly in: number
  readonly out: number
  readonly layers: readonly Resolved[]
  /** True after `toInference`: dropout removed, batch norm on running statistics whatever the mode. */
  readonly inference: boolean
}

/**
 * Layers that run in a mode of their own, by layer name: `{ bn0: 'test' }` keeps batch norm bn0
 * on its running statistics (and its statistics unchanged) in a training graph, as fine-tuning
 * does for frozen layers. Declared by the caller; a name that is not a layer throws.
 */
export type LayerModes = Readonly<Record<string, Mode>>

/** The random inputs a model reads in train mode (dropout's uniform draws) and their shapes. */
export interface RandomInputs {
  /** The random `input` leaves of the graph: uniform draws `u` [N, ...] of each dropout layer. */
  readonly inputs: readonly { readonly name: string; readonly shape: readonly Dim[]; readonly keep?: number }[]
  /** Fresh values for every random input from `key` (pure: the same key gives the same masks). */
  readonly bindings: (key: Key, batchSize: number) => Record<string, Tensor>
}

/** A model applied to an input: its output, the state updates of its layers, the random inputs it reads, each layer's output. */
export interface Applied<N extends Dim, Out extends number> {
  readonly out: Expr<[N, Out]>
  /** New state as expressions (train mode with batch norm); empty otherwise. */
  readonly state: Readonly<Record<string, Expr>>
  readonly random: RandomInputs
  /** Every layer's output, in order (for activation statistics); `kind` is an activation's function. */
  readonly layers: readonly { readonly name: string; readonly kind: string; readonly out: Expr }[]
}

/** A layer of a built model: its spec, record and per-example shapes. */
export interface ModelLayer {
  readonly spec: Resolved
  readonly def: AnyLayerDef
  readonly inShape: readonly number[]
  readonly outShape: readonly number[]
}

/** Inference-mode predictions on a batch. */
export interface Prediction {
  /** Scores [N, out] of the inference form (no dropout, batch norm on running statistics). */
  readonly scores: Tensor
  /** The argmax of each row [N] (first on ties). */
  readonly labels: Tensor
}

/** A model: its spec (plain data), parameter and state shapes, `init`, `apply` over Exprs, `predict` over tensors. */
export interface Model<In extends number = number, Out extends number = number> {
  readonly spec: ModelSpec
  readonly in: In
  readonly out: Out
  /** The layer registry the model was built with (its kinds resolve every layer). */
  readonly registry: LayerRegistry
  /** Each layer with its record and per-example input and output shapes. */
  readonly layers: readonly ModelLayer[]
  /** Parameters and state from a key, bit-for-bit reproducible; layer i draws from foldIn(key, i). */
  readonly init: (key: Key) => { readonly params: Params; readonly state: State }
  /**
   * The model on `x` [N, in] as an expression. Parameters appear as `param` leaves and batch-norm
   * running statistics as `input` leaves, named as in Params and State; bind both when evaluating.
   */
  readonly apply: <N extends Dim>(x: Expr<readonly [N, In]>, mode: Mode, layerModes?: LayerModes) => Applied<N, Out>
  /** Scores and labels of the inference form on rows `x` [N, in] (pure; evaluated by the interpreter). */
  readonly predict: (params: Params, state: State, x: Tensor) => E.Either<SymgradError, Prediction>
  readonly paramShapes: Readonly<Record<string, readonly number[]>>
  readonly stateShapes: Readonly<Record<string, readonly number[]>>
  /** The parameter leaves, by name. */
  readonly params: () => Readonly<Record<string, Expr>>
  /** The weight leaves only (`*.W`): what regularizers and maxNorm act on by default. */
  readonly weights: () => Readonly<Record<string, Expr>>
}

// ── type-level width checking ──────────────────────────────────────────────────────────────────

type Sized = { readonly in: number; readonly out: number }
/** The type-level error when a layer's input width differs from the previous layer's output. */
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

const prod = (s: readonly number[]) => s.reduce((a, d) => a * d, 1)

/** The default name prefix of a layer (its record's prefix, e.g. `bn`, or an activation's function). */
export function prefixOf(def: AnyLayerDef, l: LayerSpec): string {
  return typeof def.prefix === 'string' ? def.prefix : def.prefix(l)
}

function findDef(reg: LayerRegistry, l: LayerSpec, i: number): AnyLayerDef {
  const def = lookupLayer(reg, l.kind)
  if (def === undefined)
    throw new ShapeError(`sequential: layer ${i} has unknown kind ${JSON.stringify(l.kind)} (known: ${layerKinds(reg).join(', ')}; add your own with withLayers(builtinLayers, defineLayer({...})))`)
  return def
}

/**
 * Resolves names and widths and checks every layer's options against its record; throws a
 * ShapeError naming the layer on a width or shape mismatch.
 */
export function resolveLayers(layers: readonly LayerSpec[], inWidth?: number, reg: LayerRegistry = builtinLayers): Resolved[] {
  return planLayers(layers, inWidth, reg).map((l) => l.spec)
}

function planLayers(layers: readonly LayerSpec[], inWidth: number | undefined, reg: LayerRegistry): ModelLayer[] {
  const sized = layers.find((l) => typeof (l as { in?: unknown }).in === 'number') as { in: number } | undefined
  const w = inWidth ?? sized?.in
  if (w === undefined) throw new ShapeError('sequential: no layer has a width (add a dense or maxout layer, or give the input width)')
  let shape: readonly number[] = [w]
  const out: ModelLayer[] = []
  const names = new Set<string>()
  const counts = new Map<string, number>()
  layers.forEach((l0, i) => {
    const def = findDef(reg, l0, i)
    const checked = decodeWith(layerCodec(def), withDefaults(def, l0 as never), `layers[${i}]`)
    if (E.isLeft(checked)) throw new ShapeError(`sequential: ${checked.left.message}`)
    const l = checked.right
    const prefix = prefixOf(def, l)
    const index = counts.get(prefix) ?? 0
    counts.set(prefix, index + 1)
    const name = l.name ?? `${prefix}${index}`
    if (names.has(name)) throw new ShapeError(`sequential: layer name '${name}' is used twice`)
    names.add(name)
    const size = prod(shape)
    if (l.in !== undefined && l.in !== size) throw new ShapeError(`sequential: layer ${i} '${name}' expected input width ${l.in}, got ${size} from the layer before`)
    let outShape: readonly number[]
    try {
      outShape = Object.freeze([...def.outShape(l, shape)])
    } catch (e) {
      throw new ShapeError(`sequential: layer ${i} '${name}': ${errorMessage(e)}`)
    }
    const outSize = prod(outShape)
    if (l.out !== undefined && l.out !== outSize) throw new ShapeError(`sequential: layer ${i} '${name}' gives width ${outSize}, but its spec says out ${l.out}`)
    // one key order (kind, options in the record's order, name, in, out): encoded specs are canonical
    const spec: Record<string, unknown> = { kind: l.kind }
    for (const k of Object.keys(def.options as object)) if (l[k] !== undefined) spec[k] = l[k]
    Object.assign(spec, { name, in: size, out: outSize })
    out.push({ spec: spec as unknown as Resolved, def, inShape: shape, outShape })
    shape = outShape
  })
  const last = out[out.length - 1]
  if (last !== undefined && last.outShape.length !== 1)
    throw new ShapeError(`sequential: the last layer '${last.spec.name}' gives [N,${last.outShape.join(',')}]; a model ends in [N, classes] (add a flatten layer)`)
  return out
}

/** A model from its spec (e.g. decoded with io-ts); widths are re-checked. */
export function fromSpec(spec: ModelSpec, reg: LayerRegistry = builtinLayers): E.Either<SymgradError, Model> {
  try {
    const layers = planLayers(spec.layers, spec.in, reg)
    if (layers.length > 0 && layers[layers.length - 1]!.spec.out !== spec.out)
      return E.left(new ShapeError(`fromSpec: spec.out is ${spec.out}, but the last layer gives width ${layers[layers.length - 1]!.spec.out}`))
    return E.right(build(spec, layers, reg))
  } catch (e) {
    return E.left(e instanceof SymgradError ? e : new SymgradError('decode', `fromSpec: ${errorMessage(e)}`))
  }
}

/** A model of `layers` (a list built at run time) over the kinds of `reg`, taking rows of `inWidth` (default: the first layer's `in`). */
export function fromLayers(layers: readonly LayerSpec[], reg: LayerRegistry = builtinLayers, inWidth?: number): Model {
  const planned = planLayers(layers, inWidth, reg)
  if (planned.length === 0) throw new ShapeError('sequential: expected at least one layer, got none')
  const spec: ModelSpec = { kind: 'sequential', in: planned[0]!.spec.in, out: planned[planned.length - 1]!.spec.out, layers: planned.map((l) => l.spec), inference: false }
  return build(spec, planned, reg)
}

/**
 * `sequential` over the kinds of `reg` (built-ins plus your own): `sequentialWith(reg)(dense(2, 8),
 * { kind: 'mine', ... }, dense(8, 3))`. Widths are checked at the type level as by `sequential`.
 */
export function sequentialWith(reg: LayerRegistry) {
  return <const Ls extends readonly LayerSpec[]>(...layers: Ls & CheckWidths<Ls>): Model<InOf<Ls>, OutOf<Ls>> => fromLayers(layers, reg) as never
}

/** Composes layers; `sequential(dense(784, 100), relu, dense(50, 10))` does not compile. */
export function sequential<const Ls extends readonly LayerSpec[]>(...layers: Ls & CheckWidths<Ls>): Model<InOf<Ls>, OutOf<Ls>> {
  return fromLayers(layers, builtinLayers) as never
}

/** The inference form: each layer's record decides (dropout removed; batch norm on running statistics in any mode). */
export function toInference<In extends number, Out extends number>(m: Model<In, Out>): Model<In, Out> {
  const layers: Resolved[] = []
  for (const l of m.layers) {
    const f = l.def.inference(l.spec)
    if (f === 'drop') continue
    layers.push(f === 'keep' ? l.spec : ({ ...(f as object), kind: l.spec.kind, name: l.spec.name } as Resolved))
  }
  const planned = planLayers(layers, m.spec.in, m.registry)
  return build({ ...m.spec, layers: planned.map((l) => l.spec), inference: true }, planned, m.registry) as unknown as Model<In, Out>
}

function build(spec0: ModelSpec, planned: readonly ModelLayer[], reg: LayerRegistry): Model {
  const layerSpecs = planned.map((l) => Object.freeze({ ...l.spec }))
  const spec: ModelSpec = Object.freeze({ ...spec0, layers: Object.freeze(layerSpecs) })
  const layers: readonly ModelLayer[] = Object.freeze(planned.map((l, i) => Object.freeze({ ...l, spec: layerSpecs[i]! })))
  const paramShapes: Record<string, readonly number[]> = {}
  const stateShapes: Record<string, readonly number[]> = {}
  const local = layers.map((l) => ({ params: l.def.params(l.spec, l.inShape), state: l.def.state(l.spec, l.inShape) }))
  layers.forEach((l, i) => {
    for (const [k, s] of Object.entries(local[i]!.params)) paramShapes[leafOf(l.spec.name, k)] = s
    for (const [k, s] of Object.entries(local[i]!.state)) stateShapes[leafOf(l.spec.name, k)] = s
  })

  const init = (key: Key) => {
    const params: Record<string, Tensor> = {}
    const state: Record<string, Tensor> = {}
    layers.forEach((l, i) => {
      const v = l.def.init(l.spec, R.foldIn(key, i), local[i]!)
      for (const [what, shapes, values, into] of [['params', local[i]!.params, v.params, params], ['state', local[i]!.state, v.state, state]] as const)
        for (const [k, s] of Object.entries(shapes)) {
          const t = (values as Readonly<Record<string, Tensor>>)[k]
          if (t === undefined || !S.equal(t.shape, s))
            throw new ShapeError(`model.init: layer '${l.spec.name}' (${l.spec.kind}) gave ${what} '${k}' ${t === undefined ? 'nothing' : S.show(t.shape)}, expected ${S.show(s)}`)
          into[leafOf(l.spec.name, k)] = t
        }
    })
    return { params: Object.freeze(params), state: Object.freeze(state) }
  }

  const apply = (x: Expr, mode: Mode, layerModes: LayerModes = {}) => {
    if (x.shape.length !== 2 || x.shape[1] !== spec.in)
      throw new ShapeError(`model.apply: argument 1 expected shape [N,${spec.in}], got ${S.show(x.shape)}`)
    for (const k of Object.keys(layerModes))
      if (!layers.some((l) => l.spec.name === k)) throw new ShapeError(`model.apply: layer modes name '${k}', which is not a layer (layers: ${layers.map((l) => l.spec.name).join(', ')})`)
    const modeOf = (name: string): Mode => (spec.inference ? 'test' : Object.hasOwn(layerModes, name) ? layerModes[name]! : mode)
    const batch = x.shape[0]!
    let h = x
    const newState: Record<string, Expr> = {}
    const inputs: { name: string; shape: readonly Dim[]; keep?: number; layer: number }[] = []
    const outs: { name: string; kind: string; out: Expr }[] = []
    layers.forEach((l, i) => {
      const n = l.spec.name
      const leaves = (r: Readonly<Record<string, readonly number[]>>, leaf: (name: string, s: readonly number[]) => Expr) =>
        Object.fromEntries(Object.entries(r).map(([k, s]) => [k, leaf(leafOf(n, k), s)]))
      const uniform = (k: string, shape: readonly number[], keep?: number): Expr => {
        const full: Dim[] = [batch, ...shape]
        inputs.push({ name: leafOf(n, k), shape: full, ...(keep !== undefined ? { keep } : {}), layer: i })
        return ops.input(leafOf(n, k), full)
      }
      const ctx = { mode: modeOf(n), name: n, inShape: l.inShape, params: leaves(local[i]!.params, ops.param), state: leaves(local[i]!.state, ops.input), uniform }
      const r = l.def.apply(l.spec, h, ctx)
      if (!S.equal(r.out.shape, [batch, ...l.outShape]))
        throw new ShapeError(`model.apply: layer '${n}' (${l.spec.kind}) gave ${S.show(r.out.shape)}, its record says ${S.show([batch, ...l.outShape])}`)
      h = r.out
      for (const [k, e] of Object.entries(r.state ?? {})) newState[leafOf(n, k)] = e
      outs.push({ name: n, kind: typeof l.def.prefix === 'string' ? l.spec.kind : l.def.prefix(l.spec), out: h })
    })
    const random: RandomInputs = {
      inputs: inputs.map(({ layer: _, ...u }) => u),
      bindings: (key, batchSize) =>
        Object.fromEntries(inputs.map((u) => [u.name, R.uniform(R.foldIn(key, u.layer), [batchSize, ...(u.shape.slice(1) as number[])])])),
    }
    return { out: h, state: newState, random, layers: outs }
  }

  let inferenceGraph: { readonly x: Expr; readonly scores: Expr } | undefined
  const predict = (params: Params, state: State, x: Tensor): E.Either<SymgradError, Prediction> => {
    if (x.shape.length !== 2 || x.shape[1] !== spec.in)
      return E.left(new ShapeError(`model.predict: argument 3 expected shape [N,${spec.in}], got ${S.show(x.shape)}`))
    if (inferenceGraph === undefined) {
      const xi = ops.input('x', ['N', spec.in])
      inferenceGraph = { x: xi, scores: toInference(model).apply(xi, 'test').out }
    }
    const r = evaluate([inferenceGraph.scores], { ...params, ...state, x })
    return E.map((ts: Tensor[]) => ({ scores: ts[0]!, labels: argmax(ts[0]!) }))(r)
  }

  const params = () => Object.fromEntries(Object.entries(paramShapes).map(([n, s]) => [n, ops.param(n, s)]))
  const weights = () => Object.fromEntries(Object.entries(params()).filter(([n]) => isWeight(n)))
  const model: Model = {
    spec, in: spec.in, out: spec.out, registry: reg, layers, init, apply: apply as unknown as Model['apply'], predict,
    paramShapes: Object.freeze(paramShapes), stateShapes: Object.freeze(stateShapes), params, weights,
  }
  return Object.freeze(model)
}

// ── a helper for the usual fully connected net ─────────────────────────────────────────────────

/** Options of `mlp`: hidden widths, activation, init, batch norm, dropout. */
export interface MlpOptions {
  /** Hidden nonlinearity (default relu). */
  readonly activation?: Activation
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
  // a keep probability outside (0, 1] would silently mean no dropout (NaN < 1 and 1.5 < 1 are false)
  for (const k of ['keep', 'inputKeep'] as const) {
    const v = o[k]
    if (v !== undefined && !(typeof v === 'number' && v > 0 && v <= 1)) throw new ShapeError(`mlp: ${k} must be a keep probability in (0, 1], got ${String(v)}`)
  }
  const act = o.activation ?? relu
  const layers: LayerSpec[] = []
  if (o.inputKeep !== undefined && o.inputKeep < 1) layers.push(dropout({ keep: o.inputKeep }))
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push(dense(widths[i]!, widths[i + 1]!, o.init !== undefined ? { init: o.init } : {}))
    if (i + 2 === widths.length) break
    if (o.batchNorm === true) layers.push(batchNorm())
    layers.push(act)
    if (o.keep !== undefined && o.keep < 1) layers.push(dropout({ keep: o.keep }))
  }
  return fromLayers(layers, builtinLayers, widths[0]) as never
}
