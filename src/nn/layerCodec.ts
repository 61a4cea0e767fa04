/**
 * The JSON form of a layer, derived from its record: `kind`, the record's option fields (those with
 * a default may be left out), an optional `name`, and optional `in`/`out` widths (entries per
 * example; checked against the layers around it). Unknown fields are refused with a did-you-mean.
 */
import * as t from 'io-ts'
import { PositiveInt, struct, tagged } from '../core/codecs.js'
import { type AnyLayerDef, type LayerRegistry, type OptionCodecs, layerKinds, lookupLayer } from './LayerDef.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Codec = t.Type<any, any, unknown>

/** What decoding a layer gives: its kind, options, and the generic fields. */
export interface LayerJson {
  readonly kind: string
  readonly name?: string
  readonly in?: number
  readonly out?: number
  readonly [option: string]: unknown
}

/**
 * A layer's name: identifier-like (a letter or '_', then letters, digits, '_' or '-'; at most 64).
 * It prefixes its parameters ('enc.W') in checkpoints, reports, ONNX files and every message, so
 * a name from a file cannot carry an escape sequence, a newline or 10,000 characters into them.
 */
const LAYER_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/
export const LayerName = new t.Type<string, string, unknown>(
  "a layer name (a letter or '_', then letters, digits, '_' or '-'; at most 64)",
  (u): u is string => typeof u === 'string' && LAYER_NAME.test(u),
  (u, c) => (typeof u === 'string' && LAYER_NAME.test(u) ? t.success(u) : t.failure(u, c)),
  (s) => s,
)

const article = (w: string) => (/^[aeiou]/i.test(w) ? 'an' : 'a')
const cache = new WeakMap<AnyLayerDef, Codec>()

/** The codec of one layer kind's JSON. */
export function layerCodec(def: AnyLayerDef): t.Type<LayerJson, unknown, unknown> {
  let c = cache.get(def)
  if (c === undefined) {
    const required: Record<string, Codec> = { kind: t.literal(def.kind) }
    const optional: Record<string, Codec> = {}
    for (const [k, codec] of Object.entries(def.options as OptionCodecs)) (Object.prototype.hasOwnProperty.call(def.defaults, k) ? optional : required)[k] = codec
    optional['name'] = LayerName
    for (const k of ['in', 'out']) if (!(k in required) && !(k in optional)) optional[k] = PositiveInt
    c = struct(`${article(def.kind)} ${def.kind} layer`, required, optional)
    cache.set(def, c)
  }
  return c as t.Type<LayerJson, unknown, unknown>
}

/** A layer of any kind in the registry: `kind` chooses the record, whose codec checks the rest. */
export function anyLayerCodec(reg: LayerRegistry): t.Type<LayerJson, unknown, unknown> {
  const variants: Record<string, Codec> = Object.create(null)
  for (const k of layerKinds(reg)) variants[k] = layerCodec(lookupLayer(reg, k)!)
  return tagged('a layer', 'kind', variants) as t.Type<LayerJson, unknown, unknown>
}

/** The spec a builder would make: the record's defaults filled in where the JSON leaves a field out. */
export function withDefaults(def: AnyLayerDef, l: LayerJson): LayerJson {
  const out: Record<string, unknown> = { kind: l.kind }
  const defaults: Readonly<Record<string, unknown>> = def.defaults
  for (const k of Object.keys(def.options)) {
    const v = l[k] ?? (Object.prototype.hasOwnProperty.call(defaults, k) ? defaults[k] : undefined)
    if (v !== undefined) out[k] = v
  }
  // defineProperty: an own `__proto__` key stays an own (and then unknown, refused) field
  for (const [k, v] of Object.entries(l))
    if (v !== undefined && !Object.prototype.hasOwnProperty.call(out, k)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  return out as LayerJson
}
