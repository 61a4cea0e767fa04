/**
 * Models: `sequential(...layers)` composes layer specs into a model whose input and output widths
 * are literal types; consecutive widths that differ do not compile. A model is its JSON spec
 * (`model.spec`) plus pure functions derived from it (`fromSpec` rebuilds them from decoded data).
 * Every layer is handled through its LayerDef record, looked up by kind in the layer registry of a
 * `registries` value (the built-ins unless one is given: `sequentialWith(registries)(…)`,
 * `fromLayers(layers, { registries })`, `fromSpec(spec, { registries })`).
 * Activations between layers are [N, ...shape]; the model takes rows [N, in] and gives [N, out].
 *
 * The input shape is stated once: `sequential({ input: [1, 28, 28] }, conv(8, 5), relu, …)` gives
 * the first layer examples [1, 28, 28] (rows [N, 784] are reshaped to them; [N, 1, 28, 28] is taken
 * as it is), and every later shape follows. Without `{ input }`, the first layer must state its
 * width itself (`dense(2, 16)`); no width is taken from a layer further on.
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
import * as ops from '../ops/index.js'
import { builtinLayerRegistries } from './builtinLayers.js'
import type { InitScheme } from './init.js'
import type { LayerRegistries, Mode } from './LayerDef.js'
import { type Activation, type LayerSpec, type Resolved, batchNorm, dense, dropout, relu } from './layers.js'
import { leafOf } from './naming.js'
import { type ModelLayer, planLayers, size } from './plan.js'

import type { Params } from '../core/Params.js'
export type { Params } from '../core/Params.js'
/** Named non-trained tensors: batch-norm running statistics ('bn0.runningMean', 'bn0.runningVar'). */
export type State = Readonly<Record<string, Tensor>>

/** The plain-data description of a model: its layers; what checkpoints store. */
export interface ModelSpec {
  readonly kind: 'sequential'
  readonly in: number
  /** The per-example input shape when it has more than one axis ([1, 28, 28]; `in` is its size); absent for rows [in]. */
  readonly input?: readonly number[]
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
  /** The per-example input shape the first layer sees ([in] for rows, [1, 28, 28] for `{ input: [1, 28, 28] }`). */
  readonly inShape: readonly number[]
  /** The registries the model was built with (their layer kinds resolve every layer, their inits every init name). */
  readonly registries: LayerRegistries
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
  /** The weight leaves only (declared `weight: true` by their layer): what regularizers and maxNorm act on by default. */
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

/** A model's input shape stated once, in front of its layers: `sequential({ input: [1, 28, 28] }, conv(8, 5), …)`. */
export interface ModelInput<I extends readonly number[] = readonly number[]> {
  readonly input: I
}

/** The width of rows for an input shape with one literal axis ([784] → 784), else `number`. */
export type WidthOfInput<I extends readonly number[]> = I extends readonly [infer W extends number] ? W : number

function checkInput(input: unknown, where: string): readonly number[] {
  if (!Array.isArray(input) || input.length === 0 || !input.every((d) => Number.isSafeInteger(d) && d >= 1))
    throw new ShapeError(`${where}: input must be a non-empty list of positive integers ([784], [1, 28, 28]), got ${JSON.stringify(input) ?? typeof input}`)
  return Object.freeze([...(input as number[])])
}

/** The input shape of `layers`: the one given, else the first layer's own `in`, else a ShapeError asking for `{ input }`. */
function inputOf(layers: readonly LayerSpec[], given: number | readonly number[] | undefined, where: string): readonly number[] {
  if (given !== undefined) return checkInput(typeof given === 'number' ? [given] : given, where)
  const first = layers[0] as { readonly kind?: unknown; readonly in?: unknown } | undefined
  if (first === undefined) throw new ShapeError(`${where}: expected at least one layer, got none`)
  if (typeof first.in === 'number') return checkInput([first.in], where)
  throw new ShapeError(`${where}: the first layer (${JSON.stringify(first.kind)}) does not state its input width; state the model's input shape once: sequential({ input: [784] }, …) or sequential({ input: [1, 28, 28] }, …)`)
}

/** The per-example input shape of a spec. */
export function inputShapeOf(spec: ModelSpec): readonly number[] {
  return spec.input ?? [spec.in]
}

/** Where layer kinds and init names are resolved: `{ registries }` (default: the built-ins). */
export interface ModelOptions {
  readonly registries?: LayerRegistries
}

/** `ModelOptions` and the model's input: a width or a per-example shape (default: the first layer's own `in`). */
export interface FromLayersOptions extends ModelOptions {
  readonly input?: number | readonly number[]
}

/**
 * Resolves names and widths and checks every layer's options against its record; throws a
 * ShapeError naming the layer on a width or shape mismatch.
 */
export function resolveLayers(layers: readonly LayerSpec[], o: FromLayersOptions = {}): Resolved[] {
  return planLayers(layers, inputOf(layers, o.input, 'sequential'), o.registries ?? builtinLayerRegistries).map((l) => l.spec)
}

function lastIsFlat(planned: readonly ModelLayer[]): void {
  const last = planned[planned.length - 1]
  if (last === undefined) throw new ShapeError('sequential: expected at least one layer, got none')
  if (last.outShape.length !== 1)
    throw new ShapeError(`sequential: the last layer '${last.spec.name}' gives [N,${last.outShape.join(',')}]; a model ends in [N, classes] (add a flatten layer)`)
}

/** A model from its spec (e.g. decoded with io-ts); widths are re-checked. */
export function fromSpec(spec: ModelSpec, o: ModelOptions = {}): E.Either<SymgradError, Model> {
  const reg = o.registries ?? builtinLayerRegistries
  try {
    const input = checkInput(inputShapeOf(spec), 'fromSpec')
    if (size(input) !== spec.in) return E.left(new ShapeError(`fromSpec: spec.input [${input.join(',')}] has ${size(input)} entries, but spec.in is ${spec.in}`))
    const layers = planLayers(spec.layers, input, reg)
    lastIsFlat(layers)
    if (layers[layers.length - 1]!.spec.out !== spec.out)
      return E.left(new ShapeError(`fromSpec: spec.out is ${spec.out}, but the last layer gives width ${layers[layers.length - 1]!.spec.out}`))
    return E.right(build(spec, input, layers, reg))
  } catch (e) {
    return E.left(e instanceof SymgradError ? e : new SymgradError('decode', `fromSpec: ${errorMessage(e)}`))
  }
}

/**
 * A model of `layers` (a list built at run time) over the kinds of `o.registries`, taking examples
 * of `o.input` (a width or a shape; default: the first layer's own `in`).
 */
export function fromLayers(layers: readonly LayerSpec[], o: FromLayersOptions = {}): Model {
  const reg = o.registries ?? builtinLayerRegistries
  const shape = inputOf(layers, o.input, 'sequential')
  const planned = planLayers(layers, shape, reg)
  lastIsFlat(planned)
  const spec: ModelSpec = {
    kind: 'sequential', in: size(shape), ...(shape.length > 1 ? { input: shape } : {}), out: planned[planned.length - 1]!.spec.out,
    layers: planned.map((l) => l.spec), inference: false,
  }
  return build(spec, shape, planned, reg)
}

const isModelInput = (u: unknown): u is ModelInput => typeof u === 'object' && u !== null && !('kind' in u) && 'input' in u

/** Splits `sequential`'s arguments into the stated input shape (if any) and the layers. */
function modelArgs(args: readonly unknown[]): { readonly input?: readonly number[]; readonly layers: readonly LayerSpec[] } {
  const [first, ...rest] = args
  if (!isModelInput(first)) return { layers: args as readonly LayerSpec[] }
  const extra = Object.keys(first).filter((k) => k !== 'input')
  if (extra.length > 0) throw new ShapeError(`sequential: the model's first argument takes only 'input', got '${extra[0]}'`)
  return { input: first.input, layers: rest as readonly LayerSpec[] }
}

/** `sequential`'s signatures, over any registry. */
export interface Sequential {
  /** `sequential({ input: [1, 28, 28] }, conv(8, 5), relu, maxPool(2), flatten, dense(1152, 10))`. */
  <const I extends readonly number[], const Ls extends readonly LayerSpec[]>(input: ModelInput<I>, ...layers: Ls & CheckWidths<Ls, WidthOfInput<I>>): Model<WidthOfInput<I>, OutOf<Ls>>
  /** `sequential(dense(2, 16), relu, dense(16, 3))`: the first layer states the input width. */
  <const Ls extends readonly LayerSpec[]>(...layers: Ls & CheckWidths<Ls>): Model<InOf<Ls>, OutOf<Ls>>
}

/**
 * `sequential` over the layer kinds and inits of a registries value (built-ins plus your own,
 * `Registries.extend`): `sequentialWith(registries)(dense(2, 8), { kind: 'mine', ... }, dense(8, 3))`.
 * Widths are checked at the type level as by `sequential`.
 */
export function sequentialWith(registries: LayerRegistries): Sequential {
  return (...args: readonly unknown[]): Model => {
    const { input, layers } = modelArgs(args)
    return fromLayers(layers, { registries, ...(input !== undefined ? { input } : {}) })
  }
}

/** Composes layers; `sequential(dense(784, 100), relu, dense(50, 10))` does not compile. */
export const sequential: Sequential = sequentialWith(builtinLayerRegistries)

/** The inference form: each layer's record decides (dropout removed; batch norm on running statistics in any mode). */
export function toInference<In extends number, Out extends number>(m: Model<In, Out>): Model<In, Out> {
  const layers: Resolved[] = []
  for (const l of m.layers) {
    const f = l.def.inference(l.spec, l.inShape, { registries: m.registries })
    if (f === 'drop') continue
    layers.push(f === 'keep' ? l.spec : ({ ...(f as object), kind: l.spec.kind, name: l.spec.name } as Resolved))
  }
  const planned = planLayers(layers, m.inShape, m.registries)
  return withWidths<In, Out>(build({ ...m.spec, layers: planned.map((l) => l.spec), inference: true }, m.inShape, planned, m.registries))
}

/**
 * A model's widths as the literal types its builder knows (`Model<784, 10>`). They are types only:
 * planning has checked them at run time, so this is the one place they are asserted.
 */
export function withWidths<In extends number, Out extends number>(m: Model): Model<In, Out> {
  return m as never
}

function build(spec0: ModelSpec, inShape: readonly number[], planned: readonly ModelLayer[], registries: LayerRegistries): Model {
  const layerSpecs = planned.map((l) => Object.freeze({ ...l.spec }))
  const spec: ModelSpec = Object.freeze({ ...spec0, layers: Object.freeze(layerSpecs) })
  const layers: readonly ModelLayer[] = Object.freeze(planned.map((l, i) => Object.freeze({ ...l, spec: layerSpecs[i]! })))
  const paramShapes: Record<string, readonly number[]> = {}
  const stateShapes: Record<string, readonly number[]> = {}
  const weightNames = new Set<string>()
  for (const l of layers) {
    for (const [k, s] of Object.entries(l.params)) paramShapes[leafOf(l.spec.name, k)] = s
    for (const [k, s] of Object.entries(l.state)) stateShapes[leafOf(l.spec.name, k)] = s
    for (const k of l.weights) weightNames.add(leafOf(l.spec.name, k))
  }

  const init = (key: Key) => {
    const params: Record<string, Tensor> = {}
    const state: Record<string, Tensor> = {}
    layers.forEach((l, i) => {
      const v = l.def.init(l.spec, R.foldIn(key, i), { inShape: l.inShape, params: l.params, state: l.state, registries })
      for (const [what, shapes, values, into] of [['params', l.params, v.params, params], ['state', l.state, v.state, state]] as const)
        for (const [k, s] of Object.entries(shapes)) {
          const t = (values as Readonly<Record<string, Tensor>>)[k]
          if (t === undefined || !S.equal(t.shape, s))
            throw new ShapeError(`model.init: layer '${l.spec.name}' (${l.spec.kind}) gave ${what} '${k}' ${t === undefined ? 'nothing' : S.show(t.shape)}, expected ${S.show(s)}`)
          into[leafOf(l.spec.name, k)] = t
        }
    })
    return { params: Object.freeze(params), state: Object.freeze(state) }
  }

  const apply = <N extends Dim>(x: Expr<readonly [N, number]>, mode: Mode, layerModes: LayerModes = {}) => {
    const rows = x.shape.length === 2 && x.shape[1] === spec.in
    if (!rows && !(x.shape.length === inShape.length + 1 && inShape.every((d, i) => x.shape[i + 1] === d)))
      throw new ShapeError(`model.apply: argument 1 expected shape [N,${spec.in}]${inShape.length > 1 ? ` or [N,${inShape.join(',')}]` : ''}, got ${S.show(x.shape)}`)
    for (const k of Object.keys(layerModes))
      if (!layers.some((l) => l.spec.name === k)) throw new ShapeError(`model.apply: layer modes name '${k}', which is not a layer (layers: ${layers.map((l) => l.spec.name).join(', ')})`)
    const modeOf = (name: string): Mode => (spec.inference ? 'test' : Object.hasOwn(layerModes, name) ? layerModes[name]! : mode)
    const batch = x.shape[0]!
    let h: Expr = rows && inShape.length > 1 ? ops.reshape(x, [batch, ...inShape]) : x
    const newState: Record<string, Expr> = {}
    const inputs: { name: string; shape: readonly Dim[]; keep?: number; layer: number; nth: number }[] = []
    const outs: { name: string; kind: string; out: Expr }[] = []
    layers.forEach((l, i) => {
      const n = l.spec.name
      const leaves = (r: Readonly<Record<string, readonly number[]>>, leaf: (name: string, s: readonly number[]) => Expr) =>
        Object.fromEntries(Object.entries(r).map(([k, s]) => [k, leaf(leafOf(n, k), s)]))
      let nth = 0
      const uniform = (k: string, shape: readonly number[], keep?: number): Expr => {
        const full: Dim[] = [batch, ...shape]
        inputs.push({ name: leafOf(n, k), shape: full, ...(keep !== undefined ? { keep } : {}), layer: i, nth: nth++ })
        return ops.input(leafOf(n, k), full)
      }
      const ctx = { mode: modeOf(n), name: n, inShape: l.inShape, params: leaves(l.params, ops.param), state: leaves(l.state, ops.input), uniform, registries }
      const r = l.def.apply(l.spec, h, ctx)
      if (!S.equal(r.out.shape, [batch, ...l.outShape]))
        throw new ShapeError(`model.apply: layer '${n}' (${l.spec.kind}) gave ${S.show(r.out.shape)}, its record says ${S.show([batch, ...l.outShape])}`)
      h = r.out
      for (const [k, e] of Object.entries(r.state ?? {})) newState[leafOf(n, k)] = e
      outs.push({ name: n, kind: typeof l.def.prefix === 'string' ? l.spec.kind : l.def.prefix(l.spec), out: h })
    })
    // a layer's first random input draws from foldIn(key, layer); a further one (layers it holds) also folds in its index
    const keyOf = (key: Key, u: { layer: number; nth: number }) => (u.nth === 0 ? R.foldIn(key, u.layer) : R.foldIn(R.foldIn(key, u.layer), u.nth))
    const random: RandomInputs = {
      inputs: inputs.map(({ layer: _, nth: _n, ...u }) => u),
      bindings: (key, batchSize) =>
        Object.fromEntries(inputs.map((u) => [u.name, R.uniform(keyOf(key, u), [batchSize, ...(u.shape.slice(1) as number[])])])),
    }
    return { out: h as Expr<[N, number]>, state: newState, random, layers: outs }
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
  const weights = () => Object.fromEntries(Object.entries(params()).filter(([n]) => weightNames.has(n)))
  const model: Model = {
    spec, in: spec.in, out: spec.out, inShape, registries, layers, init, apply, predict,
    paramShapes: Object.freeze(paramShapes), stateShapes: Object.freeze(stateShapes), params, weights,
  }
  return Object.freeze(model)
}

// ── a helper for the usual fully connected net ─────────────────────────────────────────────────

/** Options of `mlp`: hidden widths, activation, init, batch norm, dropout, and the registries resolving `init`. */
export interface MlpOptions extends ModelOptions {
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
  return withWidths(fromLayers(layers, { input: widths[0]!, ...(o.registries !== undefined ? { registries: o.registries } : {}) }))
}
