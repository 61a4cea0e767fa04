/**
 * One `Registries` value holds every record a name or an op resolves to: ops (graph decoding),
 * layer kinds and initializers (models, specs, checkpoints), optimizer kinds (run configs, search,
 * checkpoints), per-op backend code (the compiler applies it to whichever backend it selects) and
 * ONNX mappings (export). It is passed the same way everywhere, as the options field
 * `{ registries }`; lower floors ask only for their part (`LayerRegistries`, `OptimizerRegistries`,
 * `OpRegistries`, `CodeRegistries`, `OnnxRegistries`), so the full value goes anywhere.
 *
 * ```ts
 * const registries = Registries.extendOrThrow(Registries.builtins, {
 *   ops: [softsignOp], layers: [gainLayer], optimizers: [signSgd], inits: [lecun],
 *   code: { elementwise: [[softsignOp, ([x]) => `(${x} / (1 + Math.abs(${x})))`]], vector: [[softsignOp, softsignVector]] },
 *   onnx: [[softsignOp, { elementwise: true, emit: (c) => c.emit('Softsign', c.args) }]],
 * })
 * const model = sequentialWith(registries)(dense(2, 4), { kind: 'gain' }, dense(4, 3))
 * loadCheckpoint(path, { registries })
 * ```
 *
 * The records are a plain object of that shape (`RecordsInput`): what a user's records module
 * exports for `symgrad … --with ./my-records.ts`. Adding a record whose name (or op) is taken by a
 * different record is a Left naming the name and its registry; the same record twice is harmless.
 * `extend` never changes its base.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { OpDef } from '../core/Expr.js'
import { SymgradError } from '../core/errors.js'
import { quoteName } from '../core/codecs.js'
import * as Registry from '../ops/Registry.js'
import type { AnyLayerDef, LayerRegistry } from '../nn/LayerDef.js'
import type { InitDef, InitRegistry } from '../nn/InitDef.js'
import { builtinLayers } from '../nn/builtinLayers.js'
import { builtinInits } from '../nn/init.js'
import type { AnyOptimizerDef, OptimizerRegistry } from '../optim/OptimizerDef.js'
import { builtinOptimizers } from '../optim/registry.js'
import type { ExtraCode } from '../compile/backend.js'
import { noCode, type BackendCode } from '../compile/code.js'
import { builtinOnnx, type OnnxEntry, type OnnxTable } from '../onnx/table.js'

/** Every registry symgrad resolves names and ops through, as one value. */
export interface Registries {
  /** Ops by name (graph decoding, laws). */
  readonly ops: Registry.Registry
  /** Layer kinds (models, specs, checkpoints). */
  readonly layers: LayerRegistry
  /** Initializers by name (the `init` option of dense, conv, maxout). */
  readonly inits: InitRegistry
  /** Optimizer kinds (run configs, search spaces, checkpoints). */
  readonly optimizers: OptimizerRegistry
  /** Per-op code `compile` adds to the backend it uses (JavaScript scalar code, kernels, WebAssembly vector code, runtime parts). */
  readonly backends: BackendCode
  /** ONNX mappings by op record (export). */
  readonly onnx: OnnxTable
}

/**
 * Records to add to a `Registries` value: what a user's records module exports. Every field is
 * optional; `code` is `withCode`'s argument (scalar, kernels, vector, runtime), applied to every
 * backend `compile` selects; `onnx` lists [op, mapping] pairs. Each op named in `code` or `onnx`
 * must be the registered op of its name (a built-in, or one in `ops`).
 */
export interface RecordsInput {
  readonly ops?: readonly OpDef[]
  readonly layers?: readonly AnyLayerDef[]
  readonly optimizers?: readonly AnyOptimizerDef[]
  readonly inits?: readonly InitDef[]
  readonly code?: ExtraCode
  readonly onnx?: readonly (readonly [OpDef, OnnxEntry])[]
}

/** The fields of `RecordsInput`, in order. */
export const recordFields = ['ops', 'layers', 'optimizers', 'inits', 'code', 'onnx'] as const
const codeFields = ['elementwise', 'kernels', 'vector', 'runtime'] as const

/** The built-in records of every family (the backends' own code lives in the backends). */
const builtins: Registries = Object.freeze({
  ops: Registry.builtins, layers: builtinLayers, inits: builtinInits, optimizers: builtinOptimizers, backends: noCode, onnx: builtinOnnx,
})

const fail = (msg: string): E.Either<SymgradError, never> => E.left(new SymgradError('value', `Registries.extend: ${msg}`))
const isObject = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u)
const describeValue = (u: unknown): string => (u === null ? 'null' : Array.isArray(u) ? 'a list' : typeof u)

/** Keys added one by one into a copy of `base`: a key held by a different value is a Left from `taken`; the same value twice is harmless. */
function addAll<K, V>(base: ReadonlyMap<K, V>, items: readonly (readonly [K, V])[], taken: (k: K, builtin: boolean) => string, builtinMap?: ReadonlyMap<K, V>): E.Either<SymgradError, Map<K, V>> {
  const m = new Map(base)
  for (const [k, v] of items) {
    const prev = m.get(k)
    if (prev !== undefined && prev !== v) return fail(taken(k, builtinMap?.get(k) === prev))
    m.set(k, v)
  }
  return E.right(m)
}

/** What each list field holds: the key naming a record, the functions it must have, and the definer that makes one. */
const shapes = {
  ops: { key: 'name', functions: ['shape', 'eval'], definer: 'defineOp' },
  layers: { key: 'kind', functions: ['params', 'state', 'outShape', 'init', 'apply', 'inference', 'describe'], definer: 'defineLayer' },
  optimizers: { key: 'name', functions: ['build'], definer: 'defineOptimizer' },
  inits: { key: 'name', functions: ['std', 'draw'], definer: 'defineInit' },
} as const

/** A list field of the records, checked to be a list of records of its family (a name and the functions) when present. */
function listOf(records: Readonly<Record<string, unknown>>, field: keyof typeof shapes): E.Either<SymgradError, readonly Readonly<Record<string, unknown>>[]> {
  const { key, functions, definer } = shapes[field]
  const u = records[field]
  if (u === undefined) return E.right([])
  if (!Array.isArray(u)) return fail(`${field}: expected a list, got ${describeValue(u)}`)
  for (const [i, x] of u.entries()) {
    if (!isObject(x) || typeof x[key] !== 'string') return fail(`${field}[${i}]: expected a record with a string '${key}' (${definer}), got ${describeValue(x)}`)
    const missing = functions.find((f) => typeof x[f] !== 'function')
    if (missing !== undefined) return fail(`${field}[${i}] ${quoteName(x[key])}: expected a record made by ${definer}, got one without the function '${missing}'`)
  }
  return E.right(u as readonly Readonly<Record<string, unknown>>[])
}

/** [op, code] pairs of a field, each op the registered op of its name. */
function pairsOf(u: unknown, field: string, ops: Registry.Registry): E.Either<SymgradError, readonly (readonly [OpDef, unknown])[]> {
  if (u === undefined) return E.right([])
  if (!Array.isArray(u)) return fail(`${field}: expected a list of [op, code] pairs, got ${describeValue(u)}`)
  const seen = new Set<OpDef>()
  for (const [i, p] of u.entries()) {
    if (!Array.isArray(p) || p.length !== 2 || !isObject(p[0]) || typeof p[0]['name'] !== 'string') return fail(`${field}[${i}]: expected an [op, code] pair`)
    const op = p[0] as unknown as OpDef
    const registered = Registry.lookup(ops, op.name)
    if (registered === undefined) return fail(`${field}: op ${quoteName(op.name)} is not in the ops registry (add it to ops)`)
    if (registered !== op) return fail(`${field}: op ${quoteName(op.name)} is a different record from the registered op of that name`)
    if (seen.has(op)) return fail(`${field}: op ${quoteName(op.name)} is listed twice`)
    seen.add(op)
  }
  return E.right(u as readonly (readonly [OpDef, unknown])[])
}

/** The registries' code with `code` added: an op (or runtime part) that already has different code there is refused. */
function extendCode(base: BackendCode, code: unknown, ops: Registry.Registry): E.Either<SymgradError, BackendCode> {
  if (code === undefined) return E.right(base)
  if (!isObject(code)) return fail(`code: expected a record { elementwise?, kernels?, vector?, runtime? }, got ${describeValue(code)}`)
  for (const k of Object.keys(code)) if (!(codeFields as readonly string[]).includes(k)) return fail(`code: unknown field ${quoteName(k)} (expected ${codeFields.join(', ')})`)
  const out: Record<string, ReadonlyMap<unknown, unknown>> = {}
  for (const f of ['elementwise', 'kernels', 'vector'] as const) {
    const pairs = pairsOf(code[f], `code.${f}`, ops)
    if (E.isLeft(pairs)) return pairs
    for (const [op] of pairs.right)
      if (f !== 'kernels' && op.lowering !== 'elementwise') return fail(`code.${f}: op ${quoteName(op.name)} is lowered '${op.lowering}', not 'elementwise' (give it kernels)`)
    const m = addAll<OpDef, unknown>(base[f], pairs.right, (op) => `code.${f}: op ${quoteName(op.name)} already has different code in these registries`)
    if (E.isLeft(m)) return m
    out[f] = m.right
  }
  const rt = code['runtime']
  if (rt !== undefined && (!Array.isArray(rt) || !rt.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'function')))
    return fail('code.runtime: expected a list of [name, (rt) => part] pairs')
  const parts = addAll(base.runtime, (rt ?? []) as readonly (readonly [string, never])[], (n) => `code.runtime: a runtime part named ${quoteName(n)} is already registered`)
  if (E.isLeft(parts)) return parts
  return E.right(Object.freeze({ ...(out as unknown as Omit<BackendCode, 'runtime'>), runtime: parts.right }))
}

/**
 * `base` with `records` added, as a new value (`base` is not changed). A Left, one line naming the
 * name and its registry, when a name (op, layer kind, optimizer, init) or an op's code or ONNX
 * mapping is already registered with a different record, when an unknown field is given, or when
 * code or a mapping names an op the ops registry does not hold.
 */
function extend(base: Registries, records: RecordsInput): E.Either<SymgradError, Registries> {
  const r: unknown = records
  if (!isObject(r)) return fail(`expected the records as { ${recordFields.join(', ')} }, got ${describeValue(r)}`)
  for (const k of Object.keys(r)) if (!(recordFields as readonly string[]).includes(k)) return fail(`unknown field ${quoteName(k)} (expected ${recordFields.join(', ')})`)
  const opList = listOf(r, 'ops')
  const layerList = listOf(r, 'layers')
  const optList = listOf(r, 'optimizers')
  const initList = listOf(r, 'inits')
  if (E.isLeft(opList)) return opList
  if (E.isLeft(layerList)) return layerList
  if (E.isLeft(optList)) return optList
  if (E.isLeft(initList)) return initList
  const named = (kind: string) => (n: string, builtin: boolean) => `${kind} ${quoteName(n)} is already registered${builtin ? ' (a built-in)' : ''} as a different record; give yours another name`
  const ops = addAll(base.ops.ops, (opList.right as unknown as OpDef[]).map((o) => [o.name, o] as const), named('op'), Registry.builtins.ops)
  if (E.isLeft(ops)) return ops
  const opReg: Registry.Registry = Object.freeze({ ops: ops.right })
  const layers = addAll(base.layers.defs, (layerList.right as unknown as AnyLayerDef[]).map((d) => [d.kind, d] as const), named('layer kind'), builtinLayers.defs)
  if (E.isLeft(layers)) return layers
  const optimizers = addAll(base.optimizers, (optList.right as unknown as AnyOptimizerDef[]).map((d) => [d.name, d] as const), named('optimizer'), builtinOptimizers)
  if (E.isLeft(optimizers)) return optimizers
  const inits = addAll(base.inits, (initList.right as unknown as InitDef[]).map((d) => [d.name, d] as const), named('init'), builtinInits)
  if (E.isLeft(inits)) return inits
  const backends = extendCode(base.backends, r['code'], opReg)
  if (E.isLeft(backends)) return backends
  const onnxPairs = pairsOf(r['onnx'], 'onnx', opReg)
  if (E.isLeft(onnxPairs)) return onnxPairs
  const onnx = addAll(base.onnx, onnxPairs.right as readonly (readonly [OpDef, OnnxEntry])[], (op, builtin) => `onnx: op ${quoteName(op.name)} already has ${builtin ? 'a built-in' : 'a different'} mapping`, builtinOnnx)
  if (E.isLeft(onnx)) return onnx
  return E.right(Object.freeze({
    ops: opReg, layers: Object.freeze({ defs: layers.right }), inits: inits.right, optimizers: optimizers.right, backends: backends.right, onnx: onnx.right,
  }))
}

/** `extend`, throwing its error (for registries built once at start-up). */
function extendOrThrow(base: Registries, records: RecordsInput): Registries {
  const r = extend(base, records)
  if (E.isLeft(r)) throw r.left
  return r.right
}

/** The `Registries` value's constructors: the built-ins, and `extend` with its …OrThrow twin. */
export const Registries = Object.freeze({ builtins, extend, extendOrThrow })
