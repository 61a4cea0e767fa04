/**
 * The record names a run config (as JSON) uses: its optimizer kind, the layer kinds of its `layers`
 * (and of layers they hold), and the init names those layers give. A queue job carries only these
 * names, never code or a module path: a worker resolves them in its own registries (the built-ins
 * plus its own `--with` modules), and a name it lacks fails the job at once with one line saying
 * so (`missingRecord`). Pure and browser-safe: it reads the JSON, never trusts it.
 */
import { closest, quoteName } from '../core/codecs.js'
import { SymgradError } from '../core/errors.js'
import { layerKinds, lookupLayer, type LayerRegistries } from '../nn/LayerDef.js'
import type { OptimizerRegistries } from '../optim/OptimizerDef.js'

/** What `missingRecord` reads of a registries value. */
export type NamedRegistries = LayerRegistries & OptimizerRegistries

/** A record name a run config uses: its family, the name, and where it is written. */
export interface RecordName {
  readonly family: 'optimizer' | 'layer kind' | 'init'
  readonly name: string
  readonly at: string
}

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u)
const own = (o: Readonly<Record<string, unknown>>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined)

/** Layers nest at most this deep (a residual block holding residual blocks…); deeper is left to the decoder. */
const MAX_DEPTH = 16

function layerNames(u: unknown, at: string, depth: number, out: RecordName[]): void {
  if (!Array.isArray(u) || depth > MAX_DEPTH) return
  u.forEach((l, i) => {
    if (!isObject(l)) return
    const kind = own(l, 'kind')
    if (typeof kind === 'string') out.push({ family: 'layer kind', name: kind, at: `${at}[${i}].kind` })
    const init = own(l, 'init')
    if (typeof init === 'string') out.push({ family: 'init', name: init, at: `${at}[${i}].init` })
    layerNames(own(l, 'layers'), `${at}[${i}].layers`, depth + 1, out)
  })
}

/** The record names the run config `u` uses, each with where it is written (`root.optimizer`, `root.layers[0].kind`). */
export function recordNamesOf(u: unknown, root = 'config'): RecordName[] {
  if (!isObject(u)) return []
  const out: RecordName[] = []
  const optimizer = own(u, 'optimizer')
  if (typeof optimizer === 'string') out.push({ family: 'optimizer', name: optimizer, at: `${root}.optimizer` })
  const init = own(u, 'init')
  if (typeof init === 'string') out.push({ family: 'init', name: init, at: `${root}.init` })
  layerNames(own(u, 'layers'), `${root}.layers`, 0, out)
  return out
}

/** The record names a checkpoint (as JSON) uses: the layer kinds (and inits) of its model spec, then its run's. */
export function checkpointNamesOf(u: unknown, root = 'checkpoint'): RecordName[] {
  if (!isObject(u)) return []
  const out: RecordName[] = []
  const spec = own(u, 'spec')
  if (isObject(spec)) layerNames(own(spec, 'layers'), `${root}.spec.layers`, 0, out)
  return [...out, ...recordNamesOf(own(u, 'run'), `${root}.run`)]
}

function has(r: NamedRegistries, n: RecordName): boolean {
  switch (n.family) {
    case 'optimizer': return r.optimizers.has(n.name)
    case 'layer kind': return lookupLayer(r.layers, n.name) !== undefined
    case 'init': return r.inits.has(n.name)
  }
}

/**
 * The first record name of the run config `u` that `registries` lack, as one line naming it and
 * `whose` registries (`this worker`, `symgrad train`) and saying how to add it: `--with <module>`.
 * Undefined when every name resolves (the decoder then checks everything else); a near miss of a
 * name they hold is named too (`did you mean 'adam'?`).
 */
export function missingRecord(u: unknown, registries: NamedRegistries, root: string, whose: string): SymgradError | undefined {
  return missingOf(recordNamesOf(u, root), registries, whose)
}

/** `missingRecord` for a checkpoint as JSON: its run's names and its model's layer kinds. */
export function missingInCheckpoint(u: unknown, registries: NamedRegistries, whose: string, root = 'checkpoint'): SymgradError | undefined {
  return missingOf(checkpointNamesOf(u, root), registries, whose)
}

/** The names a family's registry holds. */
function namesIn(r: NamedRegistries, family: RecordName['family']): readonly string[] {
  return family === 'optimizer' ? [...r.optimizers.keys()] : family === 'layer kind' ? layerKinds(r.layers) : [...r.inits.keys()]
}

function missingOf(names: readonly RecordName[], registries: NamedRegistries, whose: string): SymgradError | undefined {
  const n = names.find((x) => !has(registries, x))
  if (n === undefined) return undefined
  // a near miss of a name it holds ('adma') may be a typo: said too
  const near = closest(n.name, namesIn(registries, n.family))
  const typo = near !== undefined ? ` (did you mean ${quoteName(near)}?)` : ''
  return new SymgradError('decode', `${n.at}: ${n.family} ${quoteName(n.name)} is not a built-in nor in ${whose}'s --with records${typo}; start ${whose} with --with <the records module that defines it>`)
}
