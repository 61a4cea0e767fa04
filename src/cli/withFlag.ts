/**
 * `--with <module>`: the user's records modules of a command (repeatable; added in the order given),
 * taken out of the arguments before the command's own flags are parsed, and loaded into the
 * registries the command resolves its names through (runner/records.ts). Each problem is an
 * ArgError: one line, exit status 2, before any work.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Registries } from '../records/Registries.js'
import { loadRegistries } from '../runner/records.js'
import { readJsonFile } from '../io/atomic.js'
import { missingInCheckpoint } from '../records/recordNames.js'
import { ArgError, type FlagSpec } from './args.js'
import type { CommandOptions } from './context.js'

/** The commands that take `--with`. */
export const withCommands: readonly string[] = ['train', 'search', 'ensemble', 'finetune', 'export', 'predict', 'check', 'worker']

/** `--with`'s line in the help. */
export const withFlag: Record<string, FlagSpec> = {
  with: { kind: 'string', help: 'a module of your own records (export const records = { ops, layers, optimizers, inits, code, onnx }), .js or .ts; repeatable' },
}

/** The `--with` paths in order, and the other arguments. */
export function takeWith(argv: readonly string[], command: string): { readonly paths: readonly string[]; readonly rest: readonly string[] } {
  const paths: string[] = []
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--with') {
      const v = argv[++i]
      if (v === undefined || v.startsWith('--')) throw new ArgError(`${command}: --with needs the path of a records module`)
      paths.push(v)
    } else if (a.startsWith('--with=')) paths.push(a.slice('--with='.length))
    else rest.push(a)
  }
  return { paths, rest }
}

/** `base` with the records of `paths` added; an ArgError (one line naming the module) when one cannot be. */
export async function registriesWith(paths: readonly string[], base: Registries): Promise<Registries> {
  if (paths.length === 0) return base
  const r = await loadRegistries(paths, base)
  if (E.isLeft(r)) throw new ArgError(r.left.message)
  return r.right
}

/**
 * The checkpoint file at `path` as JSON, its records checked against the command's registries: a
 * layer kind, init or optimizer it names that they lack (a user's, saved with --with) is an
 * ArgError naming it and saying to start the command with --with. Decode it with those registries.
 */
export function checkpointJson(path: string, o: CommandOptions, command: string): unknown {
  const json = readJsonFile(path, 'checkpoint')
  if (E.isLeft(json)) throw new ArgError(json.left.message.replace(/\n/g, ' '))
  const missing = missingInCheckpoint(json.right, o.registries, `symgrad ${command}`)
  if (missing !== undefined) throw new ArgError(`${path}: ${missing.message}`)
  return json.right
}
