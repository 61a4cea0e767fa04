/**
 * Node file helpers for checkpoints, configs and specs (the only file of src/io that touches the
 * file system; everything it calls is pure). Every failure is a Left with one line.
 *
 * Atomic writes: the text goes to a temporary file in the same folder (`.<name>.<pid>.<n>.tmp`),
 * is flushed to disk (fsync), and only then renamed over the target; the folder is fsynced after
 * the rename. A rename within one file system is atomic, so a reader — or a run killed at any
 * instant — sees either the old complete file or the new complete file, never a mix. A process
 * killed before the rename leaves at most a stray `.tmp` file, never a damaged checkpoint; the next
 * write to the same target removes such strays whose writer process is gone (staleTempFiles).
 * Checkpoints are also decoded back from the exact text before the rename, so a checkpoint that
 * would not load never replaces a good one.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import type { ModelSpec } from '../nn/model.js'
import type { OptimizerRegistry } from '../optim/OptimizerDef.js'
import { builtinOptimizers } from '../optim/registry.js'
import { defaultRunConfig, type RunConfig } from '../train/config.js'
import type { Checkpoint, DecodeCheckpointOptions, Loaded } from './checkpoint.js'
import { checkpointToText, decodeCheckpoint } from './checkpoint.js'
import { decodeRunConfig } from './runConfig.js'
import { parseJson } from './json.js'
import { decodeSpec } from './spec.js'

const reasons: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
}

/** "permission denied (EACCES)" rather than Node's multi-part message. */
export function reason(e: unknown): string {
  const code = (e as { code?: string }).code
  if (code !== undefined && code in reasons) return `${reasons[code]} (${code})`
  return e instanceof Error ? e.message.split('\n')[0]! : String(e)
}

let counter = 0

/** True unless the process `pid` is known not to exist (signal 0 answered ESRCH). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH'
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The temporary files (`.<name>.<pid>.<n>.tmp`, full paths) that earlier writes to `path` left
 * behind and whose writer process no longer exists. Temp files of other targets, of this process
 * and of live processes (or of a pid whose state cannot be told, e.g. EPERM) are never listed.
 */
export function staleTempFiles(path: string): string[] {
  const dir = dirname(path)
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(path))}\\.(\\d+)\\.\\d+\\.tmp$`)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const out: string[] = []
  for (const f of names) {
    const m = pattern.exec(f)
    if (m === null) continue
    const pid = Number(m[1])
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processExists(pid)) continue
    out.push(join(dir, f))
  }
  return out
}

/** Writes `text` to `path` atomically (see the module note); first removes staleTempFiles(path). */
export function writeFileAtomic(path: string, text: string): Either<SymgradError, void> {
  const dir = dirname(path)
  for (const stale of staleTempFiles(path)) {
    try {
      unlinkSync(stale)
    } catch {
      /* removed meanwhile, or not ours to remove: the write itself does not depend on it */
    }
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`)
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'wx', 0o644)
    const bytes = new TextEncoder().encode(text)
    let off = 0
    while (off < bytes.length) off += writeSync(fd, bytes, off, Math.min(1 << 20, bytes.length - off))
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, path)
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {
        /* already failing */
      }
    }
    try {
      unlinkSync(tmp)
    } catch {
      /* never created */
    }
    return E.left(new SymgradError('io', `cannot write ${path}: ${reason(e)}`))
  }
  try {
    const d = openSync(dir, 'r')
    try {
      fsyncSync(d)
    } finally {
      closeSync(d)
    }
  } catch {
    /* folders cannot be fsynced on every platform; the rename itself has happened */
  }
  return E.right(undefined)
}

/**
 * Left when `path` cannot be written the way writeFileAtomic writes it (a temporary file in the
 * same folder, then a rename), with writeFileAtomic's message: checked before a long run, so a
 * bad `--save` path is refused at once rather than after training. Creates and removes one
 * temporary file; an existing file at `path` is left untouched.
 */
export function checkWritable(path: string): Either<SymgradError, void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`)
  try {
    if (existsSync(path) && statSync(path).isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' })
    closeSync(openSync(tmp, 'wx', 0o644))
    unlinkSync(tmp)
    return E.right(undefined)
  } catch (e) {
    return E.left(new SymgradError('io', `cannot write ${path}: ${reason(e)}`))
  }
}

/** The text of a file, or `cannot read <path>: no such file or folder (ENOENT)`. */
export function readTextFile(path: string): Either<SymgradError, string> {
  try {
    return E.right(readFileSync(path, 'utf8'))
  } catch (e) {
    return E.left(new SymgradError('io', `cannot read ${path}: ${reason(e)}`))
  }
}

/** Parsed JSON of a file. */
export function readJsonFile(path: string): Either<SymgradError, unknown> {
  const text = readTextFile(path)
  return E.isLeft(text) ? text : parseJson(text.right, path)
}

/**
 * Saves a checkpoint atomically: refuses non-finite parameters, decodes the exact text back
 * (checked against its own spec and optimizer) before anything is written, then writes it.
 */
export function saveCheckpoint(path: string, c: Checkpoint): Either<SymgradError, void> {
  const text = checkpointToText(c)
  if (E.isLeft(text)) return text
  const back = decodeCheckpoint(JSON.parse(text.right) as unknown, { spec: c.spec })
  if (E.isLeft(back)) return E.left(new SymgradError('value', `refusing to write ${path}: it would not load back: ${back.left.message}`))
  return writeFileAtomic(path, text.right)
}

/** Prefixes a decoding error with the file it came from. */
function inFile<A>(path: string, r: Either<SymgradError, A>): Either<SymgradError, A> {
  return E.isLeft(r) ? E.left(new SymgradError(r.left.kind, `${path}: ${r.left.message}`)) : r
}

/** Loads a checkpoint; messages name the file (`run.json: checkpoint.state.params['dense0.W']: …`). */
export function loadCheckpoint(path: string, o: Omit<DecodeCheckpointOptions, 'root'> = {}): Either<SymgradError, Loaded> {
  const json = readJsonFile(path)
  return E.isLeft(json) ? json : inFile(path, decodeCheckpoint(json.right, o))
}

/** A run config file laid over `base`, decoded (`run.json: config.learningRate: expected a positive number, got -0.1`). */
export function loadRunConfig(path: string, base: RunConfig = defaultRunConfig, optimizers: OptimizerRegistry = builtinOptimizers): Either<SymgradError, RunConfig> {
  const json = readJsonFile(path)
  return E.isLeft(json) ? json : inFile(path, decodeRunConfig(json.right, base, 'config', optimizers))
}

/** A model spec file, decoded. */
export function loadSpec(path: string): Either<SymgradError, ModelSpec> {
  const json = readJsonFile(path)
  return E.isLeft(json) ? json : inFile(path, decodeSpec(json.right))
}
