/**
 * Laws of layer records, taken like an op's: `assertLayerLaws(def)`, `layerLawsOf(def)` (checks)
 * or `layerLawsProperty(def)` (one property for your own test file); `layerLaws(registries)` enrols
 * every layer kind of a registries value, as the op laws are from the op registry. Each kind's `example` (options and a
 * per-example input shape) becomes a model — a model of that input shape (`{ input: inShape }`), a flatten
 * after when the output is N-d — and is checked for:
 * - `train`, `test`: the gradient of a random linear probe of the output, with respect to the
 *   layer's parameters and the input, agrees with central differences (modelLaws), with state and
 *   random inputs held at drawn values;
 * - `inference`: the inference form in train mode computes the model in test mode;
 * - `json`: the spec survives encode → JSON text → decode with the registry;
 * - `init`: the same key gives the same values, of the declared shapes;
 * - `fit` (kinds with fitted state, the preprocessing layers): fitting drawn rows gives finite state
 *   of the declared shapes, the same bits twice, and leaves the rows as they were.
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { evaluate, type Bindings } from '../src/eval/evaluate.js'
import { decodeModel, encodeSpec } from '../src/records/spec.js'
import { type AnyLayerDef, type LayerRegistries, layerKinds, layerRegistry, lookupLayer } from '../src/nn/LayerDef.js'
import { builtinLayerRegistries } from '../src/nn/builtinLayers.js'
import type { LayerSpec } from '../src/nn/layers.js'
import { fromLayers, type Model, toInference } from '../src/nn/model.js'
import { readParams } from '../src/nn/plan.js'
import { mul } from '../src/ops/elementwise.js'
import { sum } from '../src/ops/reduce.js'
import { input, tensor } from '../src/ops/leaves.js'
import { modelLaws, type ModelCheckOptions } from './modelLaws.js'
import { attempt, type LawResult } from './support.js'

/** Options of the layer laws: draws per gradient law, seed, tolerances. */
export interface LayerLawOptions extends ModelCheckOptions {
  /** Draws per gradient law, default 4. */
  readonly numRuns?: number
  readonly seed?: number
  /** Rows in the batch, default 5. */
  readonly batch?: number
}

/** One law of a layer kind (train, test, inference, json, init or fit) and its check. */
export interface LayerLaw {
  readonly kind: string
  readonly name: 'train' | 'test' | 'inference' | 'json' | 'init' | 'fit'
  /** Runs the law: `{ ok: true }`, or `{ ok: false, message }` naming what failed. */
  readonly check: () => LawResult
}

const size = (s: readonly number[]) => s.reduce((a, d) => a * d, 1)

/** The model the laws check a kind on: input `inShape`, the example layer, [flatten]. */
export function exampleModel(def: AnyLayerDef, registries: LayerRegistries): Model {
  const { options, inShape } = def.example
  const layers: LayerSpec[] = [{ ...(options as object), kind: def.kind }]
  const out = def.outShape(options, inShape, { registries })
  if (out.length > 1) layers.push({ kind: 'flatten' })
  return fromLayers(layers, { registries, input: inShape })
}

function gradientLaw(m: Model, mode: 'train' | 'test', o: LayerLawOptions): LawResult {
  return attempt(`${mode}-mode gradient`, () => {
    const n = o.batch ?? 5
    const x = input('x', [n, m.in])
    const a = m.apply(x, mode)
    const key = R.key(o.seed ?? 1)
    const loss = sum(mul(a.out, tensor(R.normal(R.foldIn(key, 1), [n, m.out]))))
    const { params, state } = m.init(R.foldIn(key, 2))
    // state away from degenerate values (a running variance near 0 would magnify everything)
    const drawnState = Object.fromEntries(Object.entries(state).map(([k, t]) => [k, R.uniform(R.foldIn(key, 3), t.shape as number[], 0.5, 1.5)]))
    const data: Bindings = { ...params, ...drawnState, ...a.random.bindings(R.foldIn(key, 4), n), x: R.normal(R.foldIn(key, 5), [n, m.in]) }
    const wrt: Expr[] = [...Object.values(m.params()), x]
    for (const p of modelLaws(loss, wrt, data, { numRuns: o.numRuns ?? 4, seed: o.seed ?? 1, secondOrder: false, ...o })) {
      const r = fc.check(p.property, p.params)
      if (r.failed) return `${p.name}: ${String(r.errorInstance)}`
    }
    return undefined
  })
}

function inferenceLaw(m: Model, o: LayerLawOptions): LawResult {
  return attempt('inference form', () => {
    const n = o.batch ?? 5
    const x = input('x', ['N', m.in])
    const { params, state } = m.init(R.key(o.seed ?? 1))
    const b = { ...params, ...state, x: R.normal(R.key(7), [n, m.in]) }
    const r = evaluate([toInference(m).apply(x, 'train').out, m.apply(x, 'test').out], b)
    if (E.isLeft(r)) throw r.left
    return T.maxRelError(r.right[0]!, r.right[1]!, 1e-12) <= 1e-12 ? undefined : 'toInference(m) in train mode differs from m in test mode'
  })
}

function jsonLaw(m: Model, registries: LayerRegistries): LawResult {
  return attempt('JSON round trip', () => {
    const back = decodeModel(JSON.parse(JSON.stringify(encodeSpec(m.spec))), { registries })
    if (E.isLeft(back)) return back.left.message
    return JSON.stringify(back.right.spec) === JSON.stringify(m.spec) ? undefined : `decoded ${JSON.stringify(back.right.spec)}, encoded ${JSON.stringify(m.spec)}`
  })
}

function initLaw(m: Model): LawResult {
  return attempt('init', () => {
    const a = m.init(R.key(3))
    const b = m.init(R.key(3))
    for (const [what, x, y] of [['params', a.params, b.params], ['state', a.state, b.state]] as const)
      for (const [k, t] of Object.entries(x)) if (!T.equal(t, y[k]!)) return `${what} '${k}' differs for the same key`
    return undefined
  })
}

function fitLaw(def: AnyLayerDef, registries: LayerRegistries, o: LayerLawOptions): LawResult {
  return attempt('fit', () => {
    const { options, inShape } = def.example
    const n = o.batch ?? 5
    const drawn = R.normal(R.key(o.seed ?? 1), [n + 3, ...inShape])
    const x = { shape: drawn.shape, data: drawn.data.map((v, i) => v * (1 + (i % 3)) + (i % 5)) } // features on several scales
    const before = Float64Array.from(x.data)
    const env = { registries }
    const shapes = { inShape, params: readParams(def, options, inShape, env, def.kind).params, state: def.state(options, inShape, env), registries }
    const a = def.fit!(options, x, shapes)
    const b = def.fit!(options, x, shapes)
    if (E.isLeft(a)) return `fit refused drawn rows: ${a.left.message}`
    if (E.isLeft(b)) return `fit refused the same rows the second time: ${b.left.message}`
    if (!x.data.every((v, i) => Object.is(v, before[i]))) return 'fit wrote into the rows it was given'
    for (const [k, s] of Object.entries(shapes.state as Readonly<Record<string, readonly number[]>>)) {
      const t = (a.right as Readonly<Record<string, T.Tensor>>)[k]
      if (t === undefined || t.shape.length !== s.length || t.shape.some((d, i) => d !== s[i])) return `fit gave state '${k}' ${t === undefined ? 'nothing' : `[${t.shape.join(',')}]`}, declared [${s.join(',')}]`
      if (!t.data.every(Number.isFinite)) return `fit gave non-finite state '${k}'`
      if (!T.equal(t, (b.right as Readonly<Record<string, T.Tensor>>)[k]!)) return `fit gave state '${k}' different bits for the same rows`
    }
    return undefined
  })
}

/** The laws of one kind, in registries holding it. */
function kindLaws(def: AnyLayerDef, reg: LayerRegistries, o: LayerLawOptions): LayerLaw[] {
  const kind = def.kind
  let m: Model | undefined
  const model = () => (m ??= exampleModel(def, reg))
  return [
    { kind, name: 'init', check: () => initLaw(model()) },
    { kind, name: 'json', check: () => jsonLaw(model(), reg) },
    { kind, name: 'inference', check: () => inferenceLaw(model(), o) },
    { kind, name: 'train', check: () => gradientLaw(model(), 'train', o) },
    { kind, name: 'test', check: () => gradientLaw(model(), 'test', o) },
    ...(def.fit !== undefined ? [{ kind, name: 'fit' as const, check: () => fitLaw(def, reg, o) }] : []),
  ]
}

/** The laws of every layer kind in `reg` (or only `kinds`), each a check to run. */
export function layerLaws(reg: LayerRegistries, o: LayerLawOptions & { readonly kinds?: readonly string[] } = {}): LayerLaw[] {
  return (o.kinds ?? layerKinds(reg.layers)).flatMap((kind): LayerLaw[] => {
    const def = lookupLayer(reg.layers, kind)
    if (def === undefined) return [{ kind, name: 'init', check: () => ({ ok: false, message: `no layer kind '${kind}' in the registry` }) }]
    return kindLaws(def, reg, o)
  })
}

/** Options of `assertLayerLaws`: the layer laws' options and the kinds its example model may use. */
export interface OneLayerLawOptions extends LayerLawOptions {
  /** The registries whose kinds (reshape, flatten…) and inits the example model may use beside `def`; default the built-ins. */
  readonly registries?: LayerRegistries
}

/** `registries` (default the built-ins) with `def` among its layers, unless it holds it already; a different record of its kind throws. */
function registryWith(def: AnyLayerDef, registries: LayerRegistries = builtinLayerRegistries): LayerRegistries {
  const held = lookupLayer(registries.layers, def.kind)
  if (held === def) return registries
  if (held !== undefined) throw new RangeError(`layer kind '${def.kind}' is already registered; give your layer another kind`)
  return { ...registries, layers: layerRegistry(...registries.layers.defs.values(), def) }
}

/** The laws of one layer record, each a check to run (like `opLaws(op)`). */
export function layerLawsOf(def: AnyLayerDef, o: OneLayerLawOptions = {}): LayerLaw[] {
  return kindLaws(def, registryWith(def, o.registries), o)
}

/** Runs every law of one layer record; throws one message listing the failures (like `assertOpLaws(op)`). */
export function assertLayerLaws(def: AnyLayerDef, o: OneLayerLawOptions = {}): void {
  const bad = layerLawsOf(def, o).flatMap((l) => {
    const r = l.check()
    return r.ok ? [] : [`${def.kind}: ${l.name}: ${r.message}`]
  })
  if (bad.length > 0) throw new Error(bad.join('\n'))
}

/**
 * Every law of one layer record as one fast-check property over the laws' seed, for a test file of
 * your own: `it('gain', () => fc.assert(layerLawsProperty(gain), { numRuns: 3 }))`.
 */
export function layerLawsProperty(def: AnyLayerDef, o: OneLayerLawOptions = {}): fc.IProperty<[number]> {
  const reg = registryWith(def, o.registries)
  return fc.property(fc.nat({ max: 1_000_000 }), (seed) => {
    for (const l of kindLaws(def, reg, { ...o, seed })) {
      const r = l.check()
      if (!r.ok) throw new Error(`${def.kind}: ${l.name}: ${r.message}`)
    }
  })
}
