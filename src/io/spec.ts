/**
 * Model specs as JSON: decoded with io-ts into the very `ModelSpec` the TypeScript combinators
 * build (`sequential(dense(2, 8), relu, dense(8, 3)).spec`), then made a model by `nn.fromSpec`.
 * No class registry: a layer is a `kind`-tagged record, and an unknown kind is a decoding error
 * naming the path and the nearest known kind.
 *
 *   { "in": 2, "layers": [
 *       { "kind": "dense", "in": 2, "out": 8, "init": "he" },
 *       { "kind": "activation", "fn": "relu" },
 *       { "kind": "dropout", "keep": 0.8 },
 *       { "kind": "dense", "in": 8, "out": 3 } ] }
 *
 * Defaults are those of the builders (dense/maxout init 'xavier', maxout pieces 2, batch norm eps
 * 1e-5 and momentum 0.9); `name`, and for width-preserving layers `in`/`out`, may be given (as in
 * `model.spec`) or left out. `kind` ('sequential'), `in`, `out` and `inference` (false) of the
 * model are optional too; given widths are checked against the layers.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { SymgradError } from '../core/errors.js'
import type { Dataset } from '../data/Dataset.js'
import type { ActivationName } from '../nn/activations.js'
import type { InitScheme } from '../nn/init.js'
import type { LayerSpec } from '../nn/layers.js'
import { resolveLayers } from '../nn/model.js'
import type { Model, ModelSpec } from '../nn/model.js'
import { fromSpec } from '../nn/model.js'
import { decodeWith, describe, FiniteNumber, KeepProbability, NonEmptyString, oneOf, PositiveInt, PositiveNumber, struct, tagged, UnitInterval, listOf } from './codecs.js'

const InitName = oneOf(['small', 'xavier', 'he'])
const InitStd = struct('{ std }', { std: PositiveNumber })

/** 'small' | 'xavier' | 'he' | { std: positive number }. */
export const InitSchemeC = new t.Type<InitScheme, InitScheme, unknown>(
  `an init scheme ('small' | 'xavier' | 'he' | { std })`,
  (u): u is InitScheme => InitName.is(u) || InitStd.is(u),
  (u, c) => (typeof u === 'string' ? InitName.validate(u, c) : typeof u === 'object' && u !== null && !Array.isArray(u) ? InitStd.validate(u, c) : t.failure(u, c)),
  (s) => s,
)

const activations: readonly ActivationName[] = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'identity']
const named = { name: NonEmptyString }
const widths = { in: PositiveInt, out: PositiveInt }

/** A layer as JSON: a `kind`-tagged record. */
export const LayerC = tagged('a layer', 'kind', {
  dense: struct('a dense layer', { kind: t.literal('dense'), ...widths }, { init: InitSchemeC, ...named }),
  maxout: struct('a maxout layer', { kind: t.literal('maxout'), ...widths }, { pieces: PositiveInt, init: InitSchemeC, ...named }),
  activation: struct('an activation layer', { kind: t.literal('activation'), fn: oneOf(activations) }, { alpha: FiniteNumber, ...named, ...widths }),
  batchNorm: struct('a batch norm layer', { kind: t.literal('batchNorm') }, { eps: PositiveNumber, momentum: UnitInterval, ...named, ...widths }),
  dropout: struct('a dropout layer', { kind: t.literal('dropout'), keep: KeepProbability }, { ...named, ...widths }),
})
export type LayerJson = t.TypeOf<typeof LayerC>

/** A model spec as JSON (see the module note). */
export const ModelSpecC = struct('a model spec', { layers: listOf(LayerC, 'a list of layers') }, {
  kind: t.literal('sequential'),
  in: PositiveInt,
  out: PositiveInt,
  inference: t.boolean,
})
export type ModelSpecJson = t.TypeOf<typeof ModelSpecC>

/** The layer the builders would make: defaults filled in, widths of width-preserving layers kept. */
function toLayer(l: LayerJson): LayerSpec {
  const name = l.name !== undefined ? { name: l.name } : {}
  switch (l.kind) {
    case 'dense':
      return { kind: 'dense', in: l.in, out: l.out, init: l.init ?? 'xavier', ...name }
    case 'maxout':
      return { kind: 'maxout', in: l.in, out: l.out, pieces: l.pieces ?? 2, init: l.init ?? 'xavier', ...name }
    case 'activation':
      return { kind: 'activation', fn: l.fn, ...(l.alpha !== undefined ? { alpha: l.alpha } : {}), ...name }
    case 'batchNorm':
      return { kind: 'batchNorm', eps: l.eps ?? 1e-5, momentum: l.momentum ?? 0.9, ...name }
    case 'dropout':
      return { kind: 'dropout', keep: l.keep, ...name }
  }
}

/**
 * A `ModelSpec` from decoded JSON: names and widths resolved exactly as `sequential` does; widths
 * that do not chain (`spec.layers[2]: expected input width 8, got 16 from the layer before`) and
 * declared widths of width-preserving layers that disagree are errors.
 */
export function specFromJson(j: ModelSpecJson, root = 'spec'): Either<SymgradError, ModelSpec> {
  const layers = j.layers.map(toLayer)
  let w = j.in ?? layers.find((l): l is LayerSpec & { in: number } => 'in' in l)?.in
  if (w === undefined) return E.left(new SymgradError('decode', `${root}.layers: no layer has a width (add a dense or maxout layer, or give ${root}.in)`))
  for (let i = 0; i < j.layers.length; i++) {
    const l = j.layers[i]!
    const at = `${root}.layers[${i}]`
    if (l.in !== undefined && l.in !== w) return E.left(new SymgradError('decode', `${at}.in: expected ${w} (the width coming from the layer before), got ${l.in}`))
    const out: number = l.kind === 'dense' || l.kind === 'maxout' ? l.out : w
    if (l.out !== undefined && l.out !== out) return E.left(new SymgradError('decode', `${at}.out: expected ${out} (a ${l.kind} layer keeps its width), got ${l.out}`))
    w = out
  }
  let resolved
  try {
    resolved = resolveLayers(layers, j.in)
  } catch (e) {
    return E.left(new SymgradError('decode', `${root}: ${e instanceof Error ? e.message : String(e)}`))
  }
  const last = resolved[resolved.length - 1]
  if (last === undefined) return E.left(new SymgradError('decode', `${root}.layers: expected at least one layer, got none`))
  if (j.out !== undefined && j.out !== last.out)
    return E.left(new SymgradError('decode', `${root}.out: expected ${last.out} (the last layer's width), got ${j.out}`))
  return E.right({ kind: 'sequential', in: resolved[0]!.in, out: last.out, layers: resolved, inference: j.inference ?? false })
}

/** Decodes a model spec from parsed JSON (`root` names it in messages). */
export function decodeSpec(u: unknown, root = 'spec'): Either<SymgradError, ModelSpec> {
  const j = decodeWith(ModelSpecC, u, root)
  return E.isLeft(j) ? j : specFromJson(j.right, root)
}

/** A model from parsed JSON: decodeSpec, then nn.fromSpec. */
export function decodeModel(u: unknown, root = 'spec'): Either<SymgradError, Model> {
  const s = decodeSpec(u, root)
  return E.isLeft(s) ? s : fromSpec(s.right)
}

/** The JSON form of a spec (plain data; `JSON.stringify` of it decodes back to an equal spec). */
export function encodeSpec(spec: ModelSpec): ModelSpecJson {
  return JSON.parse(JSON.stringify(spec)) as ModelSpecJson
}

// ── structural diff ──────────────────────────────────────────────────────────────────────────

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
  if (d !== spec.in) return E.left(new SymgradError('shape', `data '${ds.name}': rows have ${d} features, but the model takes ${spec.in} (spec.in)`))
  if (ds.classes > spec.out) return E.left(new SymgradError('shape', `data '${ds.name}': ${ds.classes} classes, but the model has ${spec.out} outputs (spec.out)`))
  return E.right(true)
}
