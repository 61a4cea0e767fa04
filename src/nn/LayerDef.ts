/**
 * A layer kind is one record, `defineLayer({...})`, read by every place that handles layers: model
 * construction and `init`, `apply` (train and test), `toInference`, `summary`, spec decoding
 * (records/spec.ts), the model laws and the CLI. Nothing else switches on a layer's kind.
 *
 * ## How to add a layer (built-in or your own, no file under src/ needs to change)
 *
 *   import * as t from 'io-ts'
 *   const scale = defineLayer({
 *     kind: 'scale',                                    // the `kind` tag in specs and JSON
 *     options: { by: FiniteNumber },                    // io-ts codecs of its JSON fields…
 *     defaults: { by: 1 },                              // …fields with a default may be left out
 *     prefix: 'scale',                                  // default names scale0, scale1, …
 *     params: (o, inShape) => ({ s: { shape: inShape } }), // local names, shapes; `weight: true` marks a weight
 *     state: noState,                                   // non-trained state (running statistics)
 *     outShape: (o, inShape) => inShape,                // per-example shapes, without the batch axis
 *     init: (o, key, { inShape, params }) => ({ params: { s: T.fill(params.s, o.by) }, state: {} }),
 *     apply: (o, x, { params }) => ({ out: ops.mul(x, ops.broadcastTo(params.s, x.shape)) }),
 *     inference: keepLayer,                             // or dropLayer, or a changed spec
 *     describe: (o) => `scale by ${o.by}`,             // the summary line
 *     example: { options: { by: 2 }, inShape: [3] },    // what the layer laws check it on
 *   })
 *   const registries = Registries.extendOrThrow(Registries.builtins, { layers: [scale] }) // a value: pass it on
 *   const model = sequentialWith(registries)(dense(2, 4), { kind: 'scale', by: 2 }, dense(4, 3))
 *   decodeModel(json, { registries })                   // specs naming 'scale' now decode
 *
 * Option names `kind` and `name` are reserved; `in` and `out`, when a layer has them, are its
 * entries per example in and out (dense's widths), checked against the layers around it — name
 * other sizes otherwise (a convolution's `inChannels`, `outChannels`).
 *
 * Weights are declared, never inferred from names: `{ W: { shape: [o.in, o.out], weight: true }, b:
 * { shape: [o.out] } }` puts `L.W` in `model.weights()` (L2, L1, elastic net, maxNorm, the filters a
 * report draws) and leaves `L.b` out. A bare shape (`{ W: [o.in, o.out] }`, the form before
 * declarations) is refused when a model is built, naming the parameter: taking it as "not a weight"
 * would silently exempt an old layer's W from L2. Every function also gets a `LayerEnv` (the model's
 * registries), which a layer holding layers (kinds/residual.ts) plans them with.
 *
 * Leaving out a piece, or returning parameters from `init` that `params` does not declare (or the
 * other way round), is a type error. `layerLaws(registry)` (laws/) then checks every kind: gradients
 * vs central differences in train and test mode, the inference form, init, the JSON round trip and, for a kind with `fit`, its fitted state. Shapes are per example: a layer sees activations `[N, ...inShape]`.
 *
 * ## Names
 * A layer is named by its `name` option, else by its prefix and its index among the layers of the
 * same prefix (`dense0`, `dense1`, `bn0`, `relu0`): inserting a dropout or batch-norm layer does not
 * rename the dense layers after it, so their checkpointed parameters keep their names. A layer
 * named `L` owns parameters `L.<local>` and state `L.<local>` for each local name it declares.
 */
import type * as t from 'io-ts'
import type { Dim } from '../core/Shape.js'
import type { Expr } from '../core/Expr.js'
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import type { Either } from 'fp-ts/lib/Either.js'
import type { SymgradError } from '../core/errors.js'
import type { InitRegistries } from './InitDef.js'

/** Train (batch statistics, dropout) or test (running statistics, no dropout). */
export type Mode = 'train' | 'test'

/** A layer spec of any kind: its record in the registry says what the other fields are. */
export interface LayerSpec {
  readonly kind: string
  readonly name?: string
}
/** A layer inside a model: its name and both widths (entries per example) resolved. */
export type Resolved = LayerSpec & { readonly name: string; readonly in: number; readonly out: number }

type Codec = t.Type<any, any, unknown> // eslint-disable-line @typescript-eslint/no-explicit-any
/** io-ts codecs of a layer's JSON fields (besides `kind`, `name`, and the `in`/`out` annotations). */
export type OptionCodecs = Readonly<Record<string, Codec>>
/** Default values of the optional fields: a field listed here may be left out of a spec. */
export type Defaults<C extends OptionCodecs> = { readonly [K in keyof C]?: t.TypeOf<C[K]> | undefined }

/** A layer's options as its functions see them: every field decoded, defaults filled in. */
export type Options<C extends OptionCodecs, D extends Defaults<C>> = {
  readonly [K in keyof C]: t.TypeOf<C[K]> | (K extends keyof D ? (undefined extends D[K] ? undefined : never) : never)
}

/** Per-example shapes (no batch axis) of a layer's leaves, by local name. */
export type Shapes<P extends string> = { readonly [K in P]: readonly number[] }

/**
 * One parameter as a layer declares it: its shape and whether it is a weight — what `model.weights()`
 * gives to L2, L1 and elastic net, what `maxNorm` projects and what reports draw as filters. Biases,
 * γ and β leave `weight` out. Names carry no meaning: only this flag makes a weight.
 */
export interface ParamDecl {
  readonly shape: readonly number[]
  readonly weight?: boolean
}
/** A layer's parameters by local name. A bare shape is refused when the model is built (it would hide whether it is a weight). */
export type ParamDecls<P extends string> = { readonly [K in P]: ParamDecl }

/** What a layer's functions learn besides its options: the registries resolving the kinds of layers it holds (nn.residual) and its init names. */
export interface LayerEnv {
  readonly registries: LayerRegistries
}

/** What `init` and `fit` receive: the per-example input shape and the shapes of the layer's leaves. */
export interface LayerShapes<P extends string, St extends string> {
  readonly inShape: readonly number[]
  readonly params: Shapes<P>
  readonly state: Shapes<St>
  /** The model's registries: `initWeight(key, o.init, fanIn, fanOut, { registries })` resolves a user's init through them. */
  readonly registries: LayerRegistries
}

/** What a layer record's `apply` receives: mode, shapes, its parameter and state leaves, and a maker of random inputs. */
export interface ApplyContext<P extends string, St extends string> {
  readonly mode: Mode
  /** The layer's name (`dense0`): prefix of its leaves. */
  readonly name: string
  /** Per-example input shape. */
  readonly inShape: readonly number[]
  /** The layer's parameters as `param` leaves named `name.local`. */
  readonly params: { readonly [K in P]: Expr }
  /** Its state as `input` leaves named `name.local` (bound from the model's State). */
  readonly state: { readonly [K in St]: Expr }
  /**
   * A random input leaf `name.local` of shape [N, ...shape] holding uniform draws in [0, 1),
   * bound each step by the model's `random.bindings`; `keep` is reported with it (dropout).
   */
  readonly uniform: (local: string, shape: readonly number[], keep?: number) => Expr
  /** The registries the model was built with (for a layer holding layers). */
  readonly registries: LayerRegistries
}

export interface Applied<St extends string> {
  readonly out: Expr
  /** New state as expressions (train mode), by local name. */
  readonly state?: { readonly [K in St]: Expr }
}

/** What `toInference` does with a layer: keep it as it is, drop it, or replace its spec. */
export type InferenceForm<O> = 'keep' | 'drop' | O

/**
 * One layer kind. `O` is the layer's options (its spec without `kind` and `name`), `P` and `St`
 * the local names of its parameters and state. Methods, not arrow-typed fields, so that a
 * registry can hold records of different option types.
 */
export interface LayerDef<K extends string, C extends OptionCodecs, D extends Defaults<C>, P extends string, St extends string> {
  readonly kind: K
  readonly options: C
  readonly defaults: D
  /** Prefix of default names; a function of the options also names what statistics show (`relu`). */
  readonly prefix: string | ((o: Options<C, D>) => string)
  /** Parameters by local name: `{ W: { shape: [o.in, o.out], weight: true }, b: { shape: [o.out] } }`. */
  params(o: Options<C, D>, inShape: readonly number[], env: LayerEnv): ParamDecls<P>
  /** State by local name, with its shapes (batch norm's running mean and variance); `{}` for none. */
  state(o: Options<C, D>, inShape: readonly number[], env: LayerEnv): Shapes<St>
  /** The per-example output shape; throw a ShapeError (message without the layer's name) when `inShape` does not fit. */
  outShape(o: Options<C, D>, inShape: readonly number[], env: LayerEnv): readonly number[]
  /** Initial values, bit-for-bit reproducible from `key`; `shapes.inShape` is the per-example input shape. */
  init(o: Options<C, D>, key: Key, shapes: LayerShapes<P, St>): { readonly params: { readonly [Q in P]: Tensor }; readonly state: { readonly [Q in St]: Tensor } }
  /** The output graph on the batch x [N, ...inShape] in `ctx.mode`, and in train mode the new state as graphs. */
  apply(o: Options<C, D>, x: Expr, ctx: ApplyContext<P, St>): Applied<St>
  /** What `toInference` makes of the layer: 'keep', 'drop' (dropout), or options to replace it with. */
  inference(o: Options<C, D>, inShape: readonly number[], env: LayerEnv): InferenceForm<Options<C, D>>
  /**
   * Fitted state (preprocessing layers, kinds/center.ts…): the state computed from training inputs
   * `x` [N, ...inShape] as they reach this layer, Left when they cannot be fitted (too few rows, a
   * non-finite value). `train` fits every layer that has it before the first step (nn/fit.ts);
   * fitted state is `input` leaves like running statistics, so no gradient or optimizer touches it.
   */
  fit?(o: Options<C, D>, x: Tensor, shapes: LayerShapes<P, St>): Either<SymgradError, { readonly [Q in St]: Tensor }>
  /** One line for `summary`: what the layer is (`dense 784→100, init he`). */
  describe(o: Options<C, D>, inShape: readonly number[], env: LayerEnv): string
  /**
   * A small instance for the layer laws (laws/layerLaws.ts, run on every kind of a registry):
   * options and a per-example input shape, smooth where the laws draw (no kink at 0).
   */
  readonly example: { readonly options: Options<C, D>; readonly inShape: readonly number[] }
}

/** A layer record with its types erased, as registries hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyLayerDef = LayerDef<string, any, any, any, any>

const KIND = /^[A-Za-z][A-Za-z0-9_]*$/
const RESERVED = ['kind', 'name', 'in', 'out']

/**
 * A layer kind from its record. Throws a RangeError at definition for a kind that is not an
 * identifier, or an option field named `kind`/`name` (they belong to every layer).
 */
export function defineLayer<const K extends string, const C extends OptionCodecs, const D extends Defaults<C>, P extends string = never, St extends string = never>(
  def: LayerDef<K, C, D, P, St>,
): LayerDef<K, C, D, P, St> {
  if (!KIND.test(def.kind)) throw new RangeError(`defineLayer: kind must be an identifier (letters, digits, _), got ${JSON.stringify(def.kind)}`)
  for (const k of Object.keys(def.options))
    if (k === 'kind' || k === 'name') throw new RangeError(`defineLayer '${def.kind}': option '${k}' is reserved (every layer has it)`)
  for (const k of Object.keys(def.defaults))
    if (!Object.prototype.hasOwnProperty.call(def.options, k)) throw new RangeError(`defineLayer '${def.kind}': default for '${k}', which is not an option`)
  return Object.freeze({ ...def })
}

/** No parameters or no state. */
export const none = (): Shapes<never> => ({})
/** A layer record's `state` when the layer keeps none. */
export const noState = none
/** A layer record's `params` when the layer has none. */
export const noParams = (): ParamDecls<never> => ({})
/** Init for a layer without parameters or state. */
export const nothingToInit = (): { readonly params: Record<never, Tensor>; readonly state: Record<never, Tensor> } => ({ params: {}, state: {} })
/** A layer record's `inference`: the layer stays in the inference form. */
export const keepLayer = (): 'keep' => 'keep'
/** A layer record's `inference`: the layer is removed from the inference form (dropout). */
export const dropLayer = (): 'drop' => 'drop'

// ── registries ───────────────────────────────────────────────────────────────────────────────

/** Layer kinds by name: a value, passed wherever a kind must be resolved. Lookups go through the Map only. */
export interface LayerRegistry {
  readonly defs: ReadonlyMap<string, AnyLayerDef>
}

/**
 * The part of a `Registries` value that models read: layer kinds, and the initializers their
 * options name (`dense(…, { init: 'lecun' })`). The full value passes wherever this is asked for.
 */
export interface LayerRegistries extends InitRegistries {
  readonly layers: LayerRegistry
}

/** A registry of the given kinds (the built-ins' list; a user's kinds are added with `Registries.extend`); throws a RangeError when two share a kind. */
export function layerRegistry(...defs: readonly AnyLayerDef[]): LayerRegistry {
  const m = new Map<string, AnyLayerDef>()
  for (const d of defs) {
    if (m.has(d.kind)) throw new RangeError(`layer kind '${d.kind}' is listed twice`)
    m.set(d.kind, d)
  }
  return Object.freeze({ defs: m })
}

/** The layer record of `kind` in a registry, or undefined. */
export function lookupLayer(reg: LayerRegistry, kind: unknown): AnyLayerDef | undefined {
  return typeof kind === 'string' ? reg.defs.get(kind) : undefined
}

/** The layer kinds a registry knows, in order. */
export function layerKinds(reg: LayerRegistry): readonly string[] {
  return [...reg.defs.keys()]
}

/** Where a layer reads from a batch: the batch axis of `x`. */
export function batchDim(x: Expr): Dim {
  return x.shape[0]!
}
