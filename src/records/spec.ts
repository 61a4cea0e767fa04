/**
 * Model specs as JSON: decoded with io-ts into the very `ModelSpec` the TypeScript combinators
 * build (`sequential(dense(2, 8), relu, dense(8, 3)).spec`), then made a model by `nn.fromSpec`.
 * A layer is a `kind`-tagged record; its kind is looked up in the layers of a registries value
 * (`{ registries }`, the built-ins unless one is given) whose record supplies the codec of the layer's fields and
 * their defaults. An unknown kind is a decoding error naming the path and the nearest known kind.
 *
 *   { "in": 2, "layers": [
 *       { "kind": "dense", "in": 2, "out": 8, "init": "he" },
 *       { "kind": "activation", "fn": "relu" },
 *       { "kind": "dropout", "keep": 0.8 },
 *       { "kind": "dense", "in": 8, "out": 3 } ] }
 *
 * Defaults are those of the records (nn/kinds/: dense/maxout init 'xavier', maxout pieces 2, batch
 * norm eps 1e-5 and momentum 0.9, …); `name`, and for width-preserving layers `in`/`out`, may be
 * given (as in `model.spec`) or left out. `kind` ('sequential'), `in`, `out` and `inference` (false)
 * of the model are optional too; given widths are checked against the layers. `input` states the
 * per-example input shape when it has more than one axis (`"input": [1, 28, 28]`, `in` 784): the
 * first layer sees examples of that shape.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { SymgradError } from '../core/errors.js'
import type { Dataset } from '../data/Dataset.js'
import { builtinLayerRegistries } from '../nn/builtinLayers.js'
import { InitSchemeC } from '../nn/init.js'
import type { LayerRegistries } from '../nn/LayerDef.js'
import { layerKinds, lookupLayer } from '../nn/LayerDef.js'
import { anyLayerCodec, type LayerJson, withDefaults } from '../nn/layerCodec.js'
import type { LayerSpec } from '../nn/layers.js'
import { resolveLayers } from '../nn/model.js'
import { unregisteredInit } from '../nn/plan.js'
import type { Model, ModelSpec } from '../nn/model.js'
import { fromSpec } from '../nn/model.js'
import { closest, decodeWith, describe, isRecord, listOf, own, PositiveInt, quote, quoteName, struct } from '../core/codecs.js'

export { InitSchemeC, type LayerJson }

/** Where a spec's layer kinds and init names are resolved: `{ registries }` (default: the built-ins). */
export interface SpecOptions {
  readonly registries?: LayerRegistries
}

/** `SpecOptions` and the name of the value in messages (default `spec`). */
export interface DecodeSpecOptions extends SpecOptions {
  readonly root?: string
}

/** The JSON codec of model specs whose layers are of the kinds in `o.registries`. */
export function modelSpecCodec(o: SpecOptions = {}) {
  return struct('a model spec', { layers: listOf(anyLayerCodec((o.registries ?? builtinLayerRegistries).layers), 'a list of layers') }, {
    kind: t.literal('sequential'),
    in: PositiveInt,
    input: listOf(PositiveInt, 'a list of positive integers'),
    out: PositiveInt,
    inference: t.boolean,
  })
}

/** A layer of a built-in kind as JSON: a `kind`-tagged record. */
export const LayerC = anyLayerCodec(builtinLayerRegistries.layers)

/** A model spec of built-in layers as JSON (see the module note). */
export const ModelSpecC = modelSpecCodec()
/** A model spec as JSON (what checkpoints and spec files hold). */
export type ModelSpecJson = t.TypeOf<typeof ModelSpecC>

/**
 * A `ModelSpec` from decoded JSON: defaults filled in, names and widths resolved exactly as
 * `sequential` does; widths that do not chain (`spec.layers[2]: expected input width 8, got 16 from
 * the layer before`) and declared widths of width-preserving layers that disagree are errors.
 */
export function specFromJson(j: ModelSpecJson, o: DecodeSpecOptions = {}): Either<SymgradError, ModelSpec> {
  const root = o.root ?? 'spec'
  const registries = o.registries ?? builtinLayerRegistries
  const reg = registries.layers
  const layers: LayerSpec[] = []
  for (let i = 0; i < j.layers.length; i++) {
    const def = lookupLayer(reg, j.layers[i]!.kind)
    if (def === undefined) return E.left(new SymgradError('decode', `${root}.layers[${i}].kind: unknown layer kind ${describe(j.layers[i]!.kind)}`))
    layers.push(withDefaults(def, j.layers[i]! as LayerJson))
    const badInit = unregisteredInit(def, layers[i] as unknown as Readonly<Record<string, unknown>>, registries)
    if (badInit !== undefined) return E.left(new SymgradError('decode', `${root}.layers[${i}].${badInit}`))
  }
  if (j.input !== undefined && j.input.length === 0) return E.left(new SymgradError('decode', `${root}.input: expected a non-empty list of positive integers, got []`))
  const inSize = j.input?.reduce((a, d) => a * d, 1)
  if (inSize !== undefined && j.in !== undefined && inSize !== j.in)
    return E.left(new SymgradError('decode', `${root}.in: expected ${inSize} (the entries of ${root}.input [${j.input!.join(',')}]), got ${j.in}`))
  // specs before `input` may leave the width to a later layer's `in`; widthError checks it against the layers before
  const w0 = j.input ?? (j.in !== undefined ? [j.in] : undefined) ?? layers.map((l) => (l as { in?: number }).in).filter((w) => w !== undefined).slice(0, 1)
  if (w0.length === 0) return E.left(new SymgradError('decode', `${root}.layers: no layer has a width (give ${root}.input, e.g. [1, 28, 28], or ${root}.in)`))
  const w = widthError(j.layers as readonly LayerJson[], layers, root, w0, registries)
  if (w !== undefined) return E.left(new SymgradError('decode', w))
  let resolved
  try {
    resolved = resolveLayers(layers, { input: w0, registries })
  } catch (e) {
    return E.left(new SymgradError('decode', `${root}: ${e instanceof Error ? e.message : String(e)}`))
  }
  const last = resolved[resolved.length - 1]
  if (last === undefined) return E.left(new SymgradError('decode', `${root}.layers: expected at least one layer, got none`))
  if (j.out !== undefined && j.out !== last.out)
    return E.left(new SymgradError('decode', `${root}.out: expected ${last.out} (the last layer's width), got ${j.out}`))
  return E.right({ kind: 'sequential', in: resolved[0]!.in, ...(w0.length > 1 ? { input: w0 } : {}), out: last.out, layers: resolved, inference: j.inference ?? false })
}

/** The first declared `in`/`out` of a layer that disagrees with the widths flowing through, as a message naming its path. */
function widthError(json: readonly LayerJson[], layers: readonly LayerSpec[], root: string, input: readonly number[], registries: LayerRegistries): string | undefined {
  let shape: readonly number[] = input
  for (let i = 0; i < json.length; i++) {
    const at = `${root}.layers[${i}]`
    const size = shape.reduce((a, d) => a * d, 1)
    if (json[i]!.in !== undefined && json[i]!.in !== size) return `${at}.in: expected ${size} (the width coming from the layer before), got ${json[i]!.in}`
    try {
      shape = lookupLayer(registries.layers, layers[i]!.kind)!.outShape(layers[i]!, shape, { registries })
    } catch {
      return undefined // resolveLayers names the layer and the shapes
    }
    const out = shape.reduce((a, d) => a * d, 1)
    if (json[i]!.out !== undefined && json[i]!.out !== out) return `${at}.out: expected ${out} (the width the ${json[i]!.kind} layer gives), got ${json[i]!.out}`
  }
  return undefined
}

/**
 * Left when a layer of the spec `u` names a kind the registries lack: one line naming the kind and how
 * to register it (a near miss of a known kind is named as the likely typo instead).
 */
export function checkLayerKinds(u: unknown, o: DecodeSpecOptions = {}): Either<SymgradError, true> {
  const root = o.root ?? 'spec'
  const reg = (o.registries ?? builtinLayerRegistries).layers
  const layers = isRecord(u) ? own(u, 'layers') : undefined
  if (!Array.isArray(layers)) return E.right(true)
  for (let i = 0; i < layers.length; i++) {
    const l: unknown = layers[i]
    const kind = isRecord(l) ? own(l, 'kind') : undefined
    if (typeof kind !== 'string' || lookupLayer(reg, kind) !== undefined) continue
    const near = closest(kind, layerKinds(reg))
    const at = `${root}.layers[${i}].kind`
    return E.left(new SymgradError('decode', near !== undefined
      ? `${at}: unknown layer kind ${quote(kind)} (did you mean '${near}'?)`
      : `${at}: layer kind ${quote(kind)} is not in this reader's registries; register its record: registries = Registries.extend(Registries.builtins, { layers: [defineLayer({ kind: ${quote(kind)}, … })] }), then pass { registries } (loadCheckpoint(path, { registries }), decodeModel(json, { registries }); symgrad … --with ./my-records.ts)`))
  }
  return E.right(true)
}

/** Decodes a model spec from parsed JSON (`o.root` names it in messages; `o.registries` resolve its kinds and inits). */
export function decodeSpec(u: unknown, o: DecodeSpecOptions = {}): Either<SymgradError, ModelSpec> {
  const kinds = checkLayerKinds(u, o)
  if (E.isLeft(kinds)) return kinds
  const layers = o.registries?.layers
  const j = decodeWith(layers === undefined || layers === builtinLayerRegistries.layers ? ModelSpecC : modelSpecCodec(o), u, o.root ?? 'spec')
  return E.isLeft(j) ? j : specFromJson(j.right, o)
}

/** A model from parsed JSON: decodeSpec, then nn.fromSpec over the same registries. */
export function decodeModel(u: unknown, o: DecodeSpecOptions = {}): Either<SymgradError, Model> {
  const s = decodeSpec(u, o)
  return E.isLeft(s) ? s : fromSpec(s.right, o.registries !== undefined ? { registries: o.registries } : {})
}

/** The JSON form of a spec (plain data; `JSON.stringify` of it decodes back to an equal spec). */
export function encodeSpec(spec: ModelSpec): ModelSpecJson {
  return JSON.parse(JSON.stringify(spec)) as ModelSpecJson
}

// ── structural diff ──────────────────────────────────────────────────────────────────────────

/** One difference between two JSON documents: where, and the value in each. */
export interface Difference {
  readonly path: string
  /** The value in the first document (undefined: absent there). */
  readonly before: unknown
  /** The value in the second document (undefined: absent there). */
  readonly after: unknown
}

/**
 * Every path at which two JSON documents differ, depth first in key order: `spec.layers[2].keep`
 * for a changed value, a whole subtree when one side is missing it or its type differs.
 */
export function diffJson(a: unknown, b: unknown, root = 'spec'): readonly Difference[] {
  const out: Difference[] = []
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (Object.is(x, y)) return
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], `${path}[${i}]`)
      return
    }
    const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
    if (isObj(x) && isObj(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()
      for (const k of keys) walk(x[k], y[k], `${path}.${k}`)
      return
    }
    out.push({ path, before: x, after: y })
  }
  walk(a, b, root)
  return out
}

/** The structural differences of two model specs. */
export function diffSpecs(a: ModelSpec, b: ModelSpec): readonly Difference[] {
  return diffJson(encodeSpec(a), encodeSpec(b), 'spec')
}

/** One line per difference: `spec.layers[2].keep: 0.5 → 0.8`. */
export function formatDiff(ds: readonly Difference[]): string {
  return ds.map((d) => `${d.path}: ${d.before === undefined ? '(absent)' : describeJson(d.before)} → ${d.after === undefined ? '(absent)' : describeJson(d.after)}`).join('\n')
}

function describeJson(v: unknown): string {
  const s = JSON.stringify(v)
  return s !== undefined && s.length <= 60 ? s : describe(v)
}

/**
 * Left when a dataset does not fit a model: `data 'spiral': rows have 2 features, but the model
 * takes 4 (spec.in)`, or more classes than the model has outputs. (NaN/Inf entries and labels out
 * of range are refused earlier, by `Data.makeDataset`, with their row and column.)
 */
export function checkDataFits(spec: ModelSpec, ds: Dataset): Either<SymgradError, true> {
  const d = ds.x.shape[1]
  if (d !== spec.in) return E.left(new SymgradError('shape', `data ${quoteName(ds.name)}: rows have ${d} features, but the model takes ${spec.in} (spec.in)`))
  if (ds.classes > spec.out) return E.left(new SymgradError('shape', `data ${quoteName(ds.name)}: ${ds.classes} classes, but the model has ${spec.out} outputs (spec.out)`))
  return E.right(true)
}
