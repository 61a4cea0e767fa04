/**
 * `--with <module>`: a user's records module loaded into a `Registries` value (Node only). The
 * module is the user's code, run as the user asked; everything it exports is still checked before
 * it is used, and each problem is one line naming the file:
 *
 *   - the file: it must exist and be a .js, .mjs, .cjs or .ts/.mts/.cts file (a TypeScript module is
 *     loaded through tsx's loader, registered in this process so the module and symgrad share one
 *     instance of every op record; without tsx installed, one line says to install it or compile
 *     the module to .js);
 *   - importing it: a module that throws gives one line with its message;
 *   - its `records` export, `{ ops?, layers?, optimizers?, inits?, code?, onnx? }`: added with
 *     `Registries.extend`, which checks each list's records and refuses a name taken by a built-in
 *     or an earlier module, then each record checked by its own define* check (defineOp,
 *     defineLayer, defineOptimizer, defineInit), and what its layers and ops build checked to use this
 *     copy of symgrad's op records (a module importing another copy is one line, not a crash in training).
 *
 * Several modules are added in the order given. Only the paths the user gave are ever imported:
 * never a path, module name or code from a job, a checkpoint or a config file.
 */
import { statSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { workerData } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { quote, quoteName } from '../core/codecs.js'
import { apply, topoSort, type Expr } from '../core/Expr.js'
import { input } from '../ops/leaves.js'
import * as Registry from '../ops/Registry.js'
import { fromLayers } from '../nn/model.js'
import { errorMessage, SymgradError } from '../core/errors.js'
import { defineOp } from '../ops/define.js'
import { defineLayer } from '../nn/LayerDef.js'
import { defineInit } from '../nn/InitDef.js'
import { defineOptimizer } from '../optim/OptimizerDef.js'
import { Registries, recordFields, type RecordsInput } from '../records/Registries.js'

const jsExtensions = ['.js', '.mjs', '.cjs']
const tsExtensions = ['.ts', '.mts', '.cts']

/** A message of the user's module, on one line and bounded. */
const oneLine = (s: string): string => quote(s.split('\n')[0]!.trim(), 200)

const fail = (path: string, why: string): Either<SymgradError, never> => E.left(new SymgradError('io', `--with ${quote(path, 120)}: ${why}`))

let tsxRegistered = false
/** Registers tsx's loader in this process once; false when tsx is not installed. */
async function registerTsx(): Promise<boolean> {
  if (tsxRegistered) return true
  try {
    const api = (await import('tsx/esm/api')) as { register: () => unknown }
    api.register()
    tsxRegistered = true
    return true
  } catch {
    return false
  }
}

const code = (e: unknown): unknown => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined)

/** The module's namespace, or a one-line Left. */
async function importModule(path: string, file: string): Promise<Either<SymgradError, Readonly<Record<string, unknown>>>> {
  const url = pathToFileURL(file).href
  const ts = tsExtensions.includes(extname(file).toLowerCase())
  for (let attempt = 0; ; attempt++) {
    try {
      // the failed first import stays cached under its URL: the second asks for the module under another
      return E.right((await import(attempt === 0 ? url : `${url}?with`)) as Readonly<Record<string, unknown>>)
    } catch (e) {
      // a TypeScript module in a process without a TypeScript loader: register tsx's, then import again
      if (ts && attempt === 0 && code(e) === 'ERR_UNKNOWN_FILE_EXTENSION') {
        if (!(await registerTsx())) return fail(path, 'a TypeScript records module needs the tsx package to load (npm install tsx), or compile the module to .js and pass that')
        continue
      }
      return fail(path, `importing the module threw: ${oneLine(errorMessage(e))}`)
    }
  }
}

const kindOf = (u: unknown): string => (u === null ? 'null' : Array.isArray(u) ? 'a list' : typeof u)
const isObject = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u)

/** Each record's own define* check (after Registries.extend has checked the lists' shapes); a message naming the field and index, or undefined. */
function defineChecks(r: RecordsInput): string | undefined {
  const define: Record<'ops' | 'layers' | 'optimizers' | 'inits', (d: never) => unknown> = { ops: defineOp, layers: defineLayer, optimizers: defineOptimizer, inits: defineInit }
  for (const field of ['ops', 'layers', 'optimizers', 'inits'] as const)
    for (const [i, d] of (r[field] ?? []).entries()) {
      try {
        define[field](d as never)
      } catch (e) {
        return `records.${field}[${i}]: ${oneLine(errorMessage(e))}`
      }
    }
  return undefined
}

/**
 * The first op of another copy of symgrad in what the records build, as a message: each layer's
 * forward graph on its example, and each op's vjp on its first law case. A module importing symgrad
 * from elsewhere than this command (a second install, sources beside a build) builds expressions
 * whose op records this copy does not know, and would fail deep inside training instead.
 */
function foreignOp(r: RecordsInput, registries: Registries): string | undefined {
  const foreign = (outs: readonly Expr[], what: string): string | undefined => {
    const op = topoSort(outs).map((e) => e.op).find((o) => { const known = Registry.lookup(registries.ops, o.name); return known !== undefined && known !== o })
    return op === undefined ? undefined : `${what} builds expressions with another copy of symgrad's op ${quoteName(op.name)}: import symgrad in the module as this command's own copy is installed (the package 'symgrad', not a second copy)`
  }
  try {
    for (const [i, d] of (r.layers ?? []).entries()) {
      const model = fromLayers([{ ...d.example.options, kind: d.kind }], { registries, input: d.example.inShape })
      const bad = foreign([model.apply(input('x', ['N', model.in]), 'train').out], `records.layers[${i}] ${quoteName(d.kind)}`)
      if (bad !== undefined) return bad
    }
    for (const [i, op] of (r.ops ?? []).entries()) {
      const c = op.law?.cases[0]
      if (op.vjp === undefined || c === undefined) continue
      const args = c.shapes.map((sh, k) => input(`a${k}`, sh))
      const node = apply(op, args, c.attrs)
      const parts = op.vjp({ node, args, attrs: node.attrs, out: node, cot: input('cot', node.shape) }).filter((p): p is Expr => p !== null)
      const bad = foreign(parts, `records.ops[${i}] ${quoteName(op.name)}`)
      if (bad !== undefined) return bad
    }
  } catch (e) {
    return `trying the records on their examples threw: ${oneLine(errorMessage(e))}`
  }
  return undefined
}

/** The records object one module exports (its contents are checked when added: `loadRegistries`). */
export async function readRecordsModule(path: string): Promise<Either<SymgradError, RecordsInput>> {
  if (path === '') return fail(path, 'expected the path of a records module')
  const file = resolve(path)
  let isFile: boolean
  try {
    isFile = statSync(file).isFile()
  } catch (e) {
    return fail(path, code(e) === 'ENOENT' ? 'no such file' : `cannot read it (${String(code(e) ?? errorMessage(e))})`)
  }
  if (!isFile) return fail(path, 'not a file')
  const ext = extname(file).toLowerCase()
  if (![...jsExtensions, ...tsExtensions].includes(ext)) return fail(path, `expected a JavaScript (.js, .mjs, .cjs) or TypeScript (.ts, .mts, .cts) module, got ${ext === '' ? 'no extension' : quote(ext)}`)
  const ns = await importModule(path, file)
  if (E.isLeft(ns)) return ns
  const records = Object.hasOwn(ns.right, 'records') ? ns.right['records'] : undefined
  if (records === undefined) return fail(path, `the module has no 'records' export (export const records = { ${recordFields.join(', ')} })`)
  if (!isObject(records)) return fail(path, `its 'records' export must be { ${recordFields.join(', ')} }, got ${kindOf(records)}`)
  return E.right(records as RecordsInput)
}

/**
 * `base` with the records of each module in `paths` added, in order; Left (one line naming the
 * module) for a missing file, a module that throws, no `records` export, a malformed record, or a
 * name already taken (by a built-in or an earlier module).
 */
export async function loadRegistries(paths: readonly string[], base: Registries = Registries.builtins): Promise<Either<SymgradError, Registries>> {
  let reg = base
  for (const path of paths) {
    const records = await readRecordsModule(path)
    if (E.isLeft(records)) return records
    const next = Registries.extend(reg, records.right)
    if (E.isLeft(next)) return fail(path, next.left.message.replace(/^Registries\.extend: /, ''))
    const bad = defineChecks(records.right) ?? foreignOp(records.right, next.right)
    if (bad !== undefined) return fail(path, bad)
    reg = next.right
  }
  return E.right(reg)
}

let forThread: Promise<Either<SymgradError, Registries>> | undefined
/**
 * The registries of a thread started by `startThread`: the built-ins plus the `--with` modules of
 * the process that started it (its workerData), loaded once per thread.
 */
export function threadRegistries(): Promise<Either<SymgradError, Registries>> {
  const data: unknown = workerData
  const paths = isObject(data) && Array.isArray(data['with']) && data['with'].every((p) => typeof p === 'string') ? (data['with'] as string[]) : []
  return (forThread ??= loadRegistries(paths))
}
