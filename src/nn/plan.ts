/**
 * Planning a list of layer specs from an input shape: each layer's options checked against its
 * record, its name resolved (`dense0`, or its `name`), its per-example input and output shapes
 * followed from the shape before it, and its parameters read from the declarations of its record
 * (`{ W: { shape, weight: true }, b: { shape } }`). `sequential` plans its layers from the model's
 * input shape; `residual` plans the layers it holds from its own input shape.
 */
import * as E from 'fp-ts/lib/Either.js'
import { errorMessage, ShapeError } from '../core/errors.js'
import { decodeWith, isRecord, own } from '../core/codecs.js'
import { type AnyLayerDef, type LayerEnv, type LayerRegistries, type LayerRegistry, type LayerSpec, layerKinds, lookupLayer, type Resolved, type Shapes } from './LayerDef.js'
import { InitSchemeC, unknownInit } from './init.js'
import { layerCodec, withDefaults } from './layerCodec.js'

/** A planned layer: its resolved spec, record, per-example shapes and leaves by local name. */
export interface ModelLayer {
  readonly spec: Resolved
  readonly def: AnyLayerDef
  readonly inShape: readonly number[]
  readonly outShape: readonly number[]
  /** Parameter shapes by local name (`W`, `b`). */
  readonly params: Shapes<string>
  /** The local names its record declares as weights (`weight: true`). */
  readonly weights: readonly string[]
  /** State shapes by local name (`runningMean`). */
  readonly state: Shapes<string>
}

export const size = (s: readonly number[]): number => s.reduce((a, d) => a * d, 1)

/** The default name prefix of a layer (its record's prefix, e.g. `bn`, or an activation's function). */
export function prefixOf(def: AnyLayerDef, l: LayerSpec): string {
  return typeof def.prefix === 'string' ? def.prefix : def.prefix(l)
}

function findDef(reg: LayerRegistry, l: LayerSpec, i: number, where: string): AnyLayerDef {
  const def = lookupLayer(reg, isRecord(l) ? own(l, 'kind') : undefined)
  if (def === undefined)
    throw new ShapeError(`${where}: layer ${i} has unknown kind ${JSON.stringify(isRecord(l) ? own(l, 'kind') : l)} (known: ${layerKinds(reg).join(', ')}; add yours with Registries.extend(Registries.builtins, { layers: [defineLayer({...})] }))`)
  return def
}

const isShape = (u: unknown): u is readonly number[] => Array.isArray(u) && u.every((d) => Number.isSafeInteger(d) && d >= 1)

/**
 * A layer's parameter declarations as shapes and weight names; a ShapeError naming the layer and
 * the parameter for a bare shape (the form before declarations: it cannot say whether it is a
 * weight, and guessing from its name would silently exempt a weight from L2) or a malformed entry.
 */
export function readParams(def: AnyLayerDef, spec: object, inShape: readonly number[], env: LayerEnv, name: string): { readonly params: Shapes<string>; readonly weights: readonly string[] } {
  const decls: unknown = def.params(spec, inShape, env)
  if (!isRecord(decls)) throw new ShapeError(`layer '${name}' (${def.kind}): params gave ${typeof decls}, expected a record of { shape, weight? }`)
  const params: Record<string, readonly number[]> = {}
  const weights: string[] = []
  for (const k of Object.keys(decls)) {
    const d = own(decls, k)
    if (Array.isArray(d))
      throw new ShapeError(`layer '${name}' (${def.kind}): parameter '${k}' is declared as a bare shape [${d.join(',')}]; declare { shape: [${d.join(',')}], weight: true } for a weight (L2, max-norm) or { shape: [${d.join(',')}] } otherwise`)
    const shape = isRecord(d) ? own(d, 'shape') : undefined
    const weight = isRecord(d) ? own(d, 'weight') : undefined
    if (!isShape(shape) || (weight !== undefined && typeof weight !== 'boolean'))
      throw new ShapeError(`layer '${name}' (${def.kind}): parameter '${k}' expected { shape: positive integers, weight?: boolean }, got ${JSON.stringify(d) ?? typeof d}`)
    params[k] = Object.freeze([...shape])
    if (weight === true) weights.push(k)
  }
  return { params, weights }
}

/** `field: unknown init 'x' (registered: …)` for an option of `def` (an init scheme by its codec) naming an init the registries lack. */
export function unregisteredInit(def: AnyLayerDef, l: Readonly<Record<string, unknown>>, registries: LayerRegistries): string | undefined {
  for (const [k, codec] of Object.entries(def.options as Readonly<Record<string, unknown>>)) {
    const v = l[k]
    if (codec === InitSchemeC && typeof v === 'string' && !registries.inits.has(v)) return `${k}: ${unknownInit(v, registries.inits)}`
  }
  return undefined
}

/**
 * Plans `layers` from the per-example input shape `input`; throws a ShapeError starting with
 * `where` and naming the layer on a width or shape mismatch.
 */
export function planLayers(layers: readonly LayerSpec[], input: readonly number[], registries: LayerRegistries, where = 'sequential'): ModelLayer[] {
  const env: LayerEnv = { registries }
  const reg = registries.layers
  let shape: readonly number[] = Object.freeze([...input])
  const out: ModelLayer[] = []
  const names = new Set<string>()
  const counts = new Map<string, number>()
  layers.forEach((l0, i) => {
    const def = findDef(reg, l0, i, where)
    const checked = decodeWith(layerCodec(def), withDefaults(def, l0 as never), `layers[${i}]`)
    if (E.isLeft(checked)) throw new ShapeError(`${where}: ${checked.left.message}`)
    const l = checked.right
    const badInit = unregisteredInit(def, l, registries)
    if (badInit !== undefined) throw new ShapeError(`${where}: layers[${i}].${badInit}`)
    const prefix = prefixOf(def, l)
    const index = counts.get(prefix) ?? 0
    counts.set(prefix, index + 1)
    const name = l.name ?? `${prefix}${index}`
    if (names.has(name)) throw new ShapeError(`${where}: layer name '${name}' is used twice`)
    names.add(name)
    const inSize = size(shape)
    if (l.in !== undefined && l.in !== inSize) throw new ShapeError(`${where}: layer ${i} '${name}' expected input width ${l.in}, got ${inSize} from the layer before`)
    let outShape: readonly number[]
    let leaves: { params: Shapes<string>; weights: readonly string[]; state: Shapes<string> }
    try {
      outShape = Object.freeze([...def.outShape(l, shape, env)])
      leaves = { ...readParams(def, l, shape, env, name), state: def.state(l, shape, env) }
    } catch (e) {
      throw new ShapeError(`${where}: layer ${i} '${name}': ${errorMessage(e)}`)
    }
    const outSize = size(outShape)
    if (l.out !== undefined && l.out !== outSize) throw new ShapeError(`${where}: layer ${i} '${name}' gives width ${outSize}, but its spec says out ${l.out}`)
    // one key order (kind, options in the record's order, name, in, out): encoded specs are canonical
    const options: Record<string, unknown> = {}
    for (const k of Object.keys(def.options as object)) if (l[k] !== undefined) options[k] = l[k]
    const spec: Resolved = Object.assign({ kind: l.kind }, options, { name, in: inSize, out: outSize })
    out.push({ spec, def, inShape: shape, outShape, ...leaves })
    shape = outShape
  })
  return out
}
