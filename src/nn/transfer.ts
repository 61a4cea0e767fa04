/**
 * Parameter transfer for fine-tuning: the tensors of a trained model (a loaded checkpoint) copied
 * into a freshly initialised one, by leaf name (`conv0.W`, `bn0.runningMean`) and shape, never by
 * position. A leaf is copied when the source has a leaf of that name, in a layer of the same kind,
 * with the same shape; otherwise the fresh value is kept and the report says why:
 *
 *   copied   conv0.W [8,1,5,5], conv0.b [8], …
 *   fresh    dense0.W [256,5] (kept fresh: asked), …       the target's leaves left at their init
 *   refused  dense0.W: [256,10] in the source, [256,5] here   same name, other shape or layer kind
 *   unused   …                                               source leaves no target leaf is named after
 *
 * Pure: the arguments are read only, and the result holds fresh copies of what it copied.
 */
import { ShapeError } from '../core/errors.js'
import * as Sh from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import type { Model, Params, State } from './model.js'
import { leafOf } from './naming.js'

/** A model with values for its parameters and state (a loaded checkpoint, or `model.init(key)` with the model). */
export interface ModelValues {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly model: Model<any, any>
  readonly params: Params
  readonly state: State
}

/** Options of `transfer`: target layers to keep fresh (a new head). */
export interface TransferOptions {
  /** Layers of the target to keep fresh whatever the source holds (a new head). */
  readonly fresh?: readonly string[]
}

/** What `transfer` did per parameter: copied, kept fresh (and why), or refused (shapes differ). */
export interface TransferReport {
  readonly copied: readonly { readonly name: string; readonly shape: readonly number[] }[]
  readonly fresh: readonly { readonly name: string; readonly shape: readonly number[]; readonly why: string }[]
  readonly refused: readonly { readonly name: string; readonly from: readonly number[]; readonly to: readonly number[]; readonly why: string }[]
  readonly unused: readonly { readonly name: string; readonly shape: readonly number[] }[]
}

/** The target model's parameters and state with what could be copied from the source, and the report. */
export interface Transferred {
  readonly params: Params
  readonly state: State
  readonly report: TransferReport
}

/** Each leaf of a model (params and state) with its layer's name and kind. */
function leaves(m: ModelValues['model']): Map<string, { readonly layer: string; readonly kind: string }> {
  const out = new Map<string, { layer: string; kind: string }>()
  for (const l of m.layers)
    for (const local of [...Object.keys(l.params), ...Object.keys(l.state)])
      out.set(leafOf(l.spec.name, local), { layer: l.spec.name, kind: l.spec.kind })
  return out
}

/**
 * `to`'s parameters and state with every leaf `from` has under the same name, layer kind and
 * shape copied in; `o.fresh` names layers of `to` left as they are. A name in `o.fresh` that is
 * not a layer of `to` throws a ShapeError listing the layers.
 */
export function transfer(from: ModelValues, to: ModelValues, o: TransferOptions = {}): Transferred {
  const layerNames = to.model.layers.map((l) => l.spec.name)
  for (const f of o.fresh ?? [])
    if (!layerNames.includes(f)) throw new ShapeError(`transfer: fresh layer '${f}' is not a layer of the target model (layers: ${layerNames.join(', ')})`)
  const src = leaves(from.model)
  const dst = leaves(to.model)
  const copied: { name: string; shape: readonly number[] }[] = []
  const fresh: { name: string; shape: readonly number[]; why: string }[] = []
  const refused: { name: string; from: readonly number[]; to: readonly number[]; why: string }[] = []
  const out = { params: { ...to.params } as Record<string, Tensor>, state: { ...to.state } as Record<string, Tensor> }
  for (const [name, at] of dst) {
    const part = Object.hasOwn(to.params, name) ? 'params' : 'state'
    const mine = to[part][name]
    if (mine === undefined) throw new ShapeError(`transfer: the target model's leaf '${name}' has no value in its ${part}`)
    const theirs = Object.hasOwn(from[part], name) ? from[part][name] : undefined
    const s = src.get(name)
    if ((o.fresh ?? []).includes(at.layer)) fresh.push({ name, shape: mine.shape, why: 'asked' })
    else if (theirs === undefined) fresh.push({ name, shape: mine.shape, why: 'not in the source' })
    else if (s !== undefined && s.kind !== at.kind) refused.push({ name, from: theirs.shape, to: mine.shape, why: `layer '${at.layer}' is ${s.kind} in the source, ${at.kind} here` })
    else if (!Sh.equal(theirs.shape, mine.shape)) refused.push({ name, from: theirs.shape, to: mine.shape, why: 'shapes differ' })
    else {
      out[part][name] = { shape: [...theirs.shape], data: Float64Array.from(theirs.data) }
      copied.push({ name, shape: theirs.shape })
    }
  }
  const unused = [...Object.entries(from.params), ...Object.entries(from.state)].filter(([k]) => !dst.has(k)).map(([name, t]) => ({ name, shape: t.shape }))
  return { params: out.params, state: out.state, report: { copied, fresh, refused, unused } }
}

/** The report in a few lines: copied, kept fresh (why), refused (both shapes), unused. */
export function formatTransfer(r: TransferReport): string[] {
  const list = (xs: readonly { name: string; shape: readonly number[] }[]) => xs.map((x) => `${x.name} ${Sh.show(x.shape)}`).join(', ')
  return [
    `copied: ${r.copied.length === 0 ? 'nothing' : list(r.copied)}`,
    ...(r.fresh.length > 0 ? [`kept fresh: ${r.fresh.map((x) => `${x.name} ${Sh.show(x.shape)} (${x.why})`).join(', ')}`] : []),
    ...(r.refused.length > 0 ? [`refused: ${r.refused.map((x) => `${x.name} (${x.why}: ${Sh.show(x.from)} in the source, ${Sh.show(x.to)} here)`).join(', ')}`] : []),
    ...(r.unused.length > 0 ? [`not used from the source: ${list(r.unused)}`] : []),
  ]
}
