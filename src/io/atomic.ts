/**
 * Node file helpers: atomic writes, locks, bounded reads (with files.ts, mnist.ts and standardData.ts,
 * the files of src/io that touch the file system). Every failure is a Left with one line. Checkpoints,
 * configs and specs are saved and loaded through these by src/records/files.ts.
 *
 * Atomic writes: the text goes to a temporary file in the same folder (`.<name>.<pid>.<n>.tmp`),
 * is flushed to disk (fsync), and only then renamed over the target; the folder is fsynced after
 * the rename. A rename within one file system is atomic, so a reader — or a run killed at any
 * instant — sees either the old complete file or the new complete file, never a mix. A process
 * killed before the rename leaves at most a stray `.tmp` file, never a damaged checkpoint; the next
 * write to the same target removes such strays whose writer process is gone (staleTempFiles).
 * Checkpoints are also decoded back from the exact text before the rename, so a checkpoint that
 * would not load never replaces a good one. Only regular files are replaced: a symbolic link is
 * written through to its real target (the link stays), devices, pipes and folders are refused, and
 * a replaced file keeps its mode. `lockForWriting` keeps two runs from saving to one file.
 */
import { closeSync, fchmodSync, fchownSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, statfsSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { constants as bufferConstants } from 'node:buffer'
import { basename, dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { parseJson } from './json.js'
import { documentLimit, limitsFromEnv, limitVars, type DocumentKind, type Limits } from './limits.js'

const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH

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

/** What a write to a path replaces: the file itself, or the final target of a symbolic link. */
export interface WriteTarget {
  /** The path actually replaced (a symbolic link's real target). */
  readonly file: string
  /** Mode, owner and group of the file being replaced, kept by the new one (absent: a new file). */
  readonly existing?: { readonly mode: number; readonly uid: number; readonly gid: number }
}

const cannotWrite = (path: string, why: string): Either<SymgradError, never> => E.left(new SymgradError('io', `cannot write ${path}: ${why}`))

/**
 * The file a write to `path` replaces. A symbolic link is written through: its real target is
 * replaced and the link kept. Refused: an empty path, a folder, anything that is not a regular
 * file (a device such as /dev/null, a pipe, a socket), a link to nothing, and a file whose write
 * lock (lockForWriting) another live process holds.
 */
export function writeTarget(path: string): Either<SymgradError, WriteTarget> {
  const t = resolveTarget(path)
  if (E.isLeft(t)) return t
  // every writer honours the lock a running training holds (lockForWriting): export, search --out, explain --svg…
  const holder = lockHolder(t.right.file)
  return holder === undefined ? t : lockedBy(path, holder, lockFileOf(t.right.file))
}

const lockedBy = (path: string, holder: string, lock: string): Either<SymgradError, never> =>
  E.left(new SymgradError('io', `${path} is being written by ${holder} (lock file ${lock}); let that run finish, or write elsewhere`))

const lockFileOf = (file: string): string => join(dirname(file), `.${basename(file)}.lock`)

/** Who holds the write lock of `file` (`process 123`), or undefined when no live other process does (no lock, a stale one, ours). */
function lockHolder(file: string): string | undefined {
  let text: string
  let age: number
  try {
    const lock = lockFileOf(file)
    text = readFileSync(lock, 'utf8').trim()
    age = Date.now() - statSync(lock).mtimeMs
  } catch {
    return undefined
  }
  const pid = /^\d+$/.test(text) ? Number(text) : NaN
  if (Number.isSafeInteger(pid)) return pid !== process.pid && processExists(pid) ? `process ${pid}` : undefined
  // a lock with no pid yet is being created, unless it is old (its writer died between open and write)
  return age > 10_000 ? undefined : 'another process'
}

function resolveTarget(path: string): Either<SymgradError, WriteTarget> {
  if (path === '') return cannotWrite("''", 'an empty path')
  let file = path
  try {
    if (lstatSync(path).isSymbolicLink()) {
      try {
        file = realpathSync(path)
      } catch {
        return cannotWrite(path, 'a symbolic link to a missing file')
      }
    }
    const st = statSync(file)
    if (st.isDirectory()) return cannotWrite(path, `${reasons['EISDIR']} (EISDIR)`)
    if (!st.isFile()) return cannotWrite(path, 'not a regular file (a device, pipe or socket); symgrad replaces regular files only')
    return E.right({ file, existing: { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid } })
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return E.right({ file })
    return cannotWrite(path, reason(e))
  }
}

/** Closes `fd` (when open) and removes the temp file `tmp` (when created), ignoring failures: cleanup after an error or a probe. */
function discard(fd: number | undefined, tmp: string): void {
  if (fd !== undefined)
    try {
      closeSync(fd)
    } catch {
      /* already failing */
    }
  try {
    unlinkSync(tmp)
  } catch {
    /* never created */
  }
}

/**
 * Writes `text` to `path` atomically (see the module note); first removes staleTempFiles(path).
 * The target must be a regular file or absent (writeTarget: a symbolic link is written through to
 * its target); an existing file keeps its mode (and, when run as root, its owner and group).
 */
export function writeFileAtomic(path: string, text: string | Uint8Array): Either<SymgradError, void> {
  const target = writeTarget(path)
  if (E.isLeft(target)) return target
  const { file, existing } = target.right
  const dir = dirname(file)
  for (const stale of staleTempFiles(file)) {
    try {
      unlinkSync(stale)
    } catch {
      /* removed meanwhile, or not ours to remove: the write itself does not depend on it */
    }
  }
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${counter++}.tmp`)
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'wx', 0o644)
    if (existing !== undefined) {
      fchmodSync(fd, existing.mode)
      if (process.getuid?.() === 0)
        try {
          fchownSync(fd, existing.uid, existing.gid)
        } catch {
          /* a file system without owners */
        }
    }
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text
    let off = 0
    while (off < bytes.length) off += writeSync(fd, bytes, off, Math.min(1 << 20, bytes.length - off))
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, file)
  } catch (e) {
    discard(fd, tmp)
    return cannotWrite(path, reason(e))
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
 * Left when `path` cannot be written the way writeFileAtomic writes it, with its message: checked
 * before a long run, so a bad output path is refused at once rather than after training. The check
 * is real: the target is checked as writeFileAtomic checks it, a probe of `bytes` bytes (at least
 * 64 KiB) is written and fsynced in the target's folder (a full disk fails here) and removed, and
 * the folder must have room for `bytes`. Nothing is left behind; an existing file is untouched.
 */
export function checkWritable(path: string, bytes = 0): Either<SymgradError, void> {
  const target = writeTarget(path)
  if (E.isLeft(target)) return target
  const dir = dirname(target.right.file)
  const tmp = join(dir, `.${basename(target.right.file)}.${process.pid}.${counter++}.tmp`)
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'wx', 0o600)
    const probe = new Uint8Array(Math.min(Math.max(bytes, 1 << 16), 1 << 20))
    writeSync(fd, probe)
    fsyncSync(fd)
    if (bytes > 0) {
      const fs = statfsSync(dir)
      const free = fs.bavail * fs.bsize
      if (free < bytes) throw Object.assign(new Error(`no space left on the device (ENOSPC): about ${bytes} bytes needed, ${free} free`), { code: 'ENOSPC+' })
    }
    return E.right(undefined)
  } catch (e) {
    return cannotWrite(path, (e as { code?: string }).code === 'ENOSPC+' ? (e as Error).message : reason(e))
  } finally {
    discard(fd, tmp)
  }
}

/**
 * Left when a folder cannot receive files (e.g. a report folder): an existing folder gets the
 * same real probe as checkWritable; a missing one is checked at its nearest existing ancestor,
 * and nothing is created.
 */
export function checkFolderWritable(dir: string): Either<SymgradError, void> {
  if (dir === '') return cannotWrite("''", 'an empty path')
  let d = dir
  for (;;) {
    try {
      if (!statSync(d).isDirectory()) return cannotWrite(dir, `${d === dir ? 'not a folder' : `${d} is not a folder`} (ENOTDIR)`)
      break
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') return cannotWrite(dir, reason(e))
      const up = dirname(d)
      if (up === d) return cannotWrite(dir, reason(e))
      d = up
    }
  }
  const probe = checkWritable(join(d, '.symgrad-probe'))
  return E.isLeft(probe) ? cannotWrite(dir, probe.left.message.replace(/^cannot write [^:]*: /, '')) : probe
}

/**
 * An exclusive lock on writing `path` (e.g. a checkpoint a run saves to): a lock file
 * `.<name>.lock` next to the real target, created exclusively, holding this process's pid. A lock
 * whose process no longer exists is stale and removed, as the temporary files are. A second run
 * saving to the same file is refused with one line naming the holder, instead of both runs
 * reporting success while one's checkpoints are silently replaced. Right holds the release function.
 */
export function lockForWriting(path: string): Either<SymgradError, () => void> {
  const target = writeTarget(path)
  if (E.isLeft(target)) return target
  const file = target.right.file
  const lock = lockFileOf(file)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o644)
      try {
        writeSync(fd, `${process.pid}\n`)
      } finally {
        closeSync(fd)
      }
      return E.right(() => {
        try {
          if (readFileSync(lock, 'utf8').trim() === String(process.pid)) unlinkSync(lock)
        } catch {
          /* already gone */
        }
      })
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') return E.left(new SymgradError('io', `cannot lock ${path}: ${reason(e)}`))
    }
    let text = ''
    let age = 0
    try {
      text = readFileSync(lock, 'utf8').trim()
      age = Date.now() - statSync(lock).mtimeMs
    } catch {
      continue // released meanwhile: try again
    }
    const pid = /^\d+$/.test(text) ? Number(text) : NaN
    // a lock with no pid yet is being created, unless it is old (its writer died between open and write)
    const stale = Number.isSafeInteger(pid) ? pid !== process.pid && !processExists(pid) : age > 10_000
    if (!stale) return lockedBy(path, Number.isSafeInteger(pid) ? `process ${pid}` : 'another process', lock)
    try {
      unlinkSync(lock)
    } catch {
      /* removed by another process meanwhile */
    }
  }
  return E.left(new SymgradError('io', `cannot lock ${path}: the lock file ${lock} keeps reappearing`))
}

const limitNames: Partial<Record<keyof Limits, string>> = {
  configBytes: 'config file size', specBytes: 'spec file size', graphBytes: 'graph file size', checkpointBytes: 'checkpoint file size',
}

/**
 * The bytes of a regular file within a byte limit (default the file size limit,
 * SYMGRAD_MAX_FILE_BYTES), or one line saying why not; the size is checked before reading.
 */
export function readFileChecked(path: string, limit: keyof Limits = 'fileBytes', limits?: Limits): Either<SymgradError, Uint8Array> {
  const lim = limits !== undefined ? E.right(limits) : limitsFromEnv(process.env)
  if (E.isLeft(lim)) return lim
  const max = lim.right[limit]
  try {
    const st = statSync(path)
    if (st.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' })
    if (!st.isFile()) return E.left(new SymgradError('io', `cannot read ${path}: not a regular file (a device, pipe or socket)`))
    if (st.size > max) return E.left(new SymgradError('io', `${path}: ${st.size} bytes is over the ${limitNames[limit] ?? 'file size'} limit of ${max} (raise it with ${limitVars[limit]}=<n>)`))
    return E.right(readFileSync(path)) // a Buffer is a Uint8Array: no second copy of a large file
  } catch (e) {
    return E.left(new SymgradError('io', `cannot read ${path}: ${reason(e)}`))
  }
}

/**
 * The text of a file (UTF-8, a leading byte-order mark dropped), or `cannot read <path>: no such
 * file or folder (ENOENT)`. A file too large for one JavaScript string is refused in one line.
 */
export function readTextFile(path: string, limit: keyof Limits = 'fileBytes', limits?: Limits): Either<SymgradError, string> {
  const bytes = readFileChecked(path, limit, limits)
  if (E.isLeft(bytes)) return bytes
  if (bytes.right.length > MAX_STRING_LENGTH)
    return E.left(new SymgradError('io', `${path}: ${bytes.right.length} bytes is more text than one string can hold (${MAX_STRING_LENGTH} characters); symgrad reads data files this large as bytes (csv:, idx:, cifar:)`))
  const text = new TextDecoder().decode(bytes.right)
  return E.right(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
}

/** Parsed JSON of a file, under the byte limit of its kind (no kind: the largest, the checkpoint limit). */
export function readJsonFile(path: string, kind: DocumentKind = 'checkpoint', limits?: Limits): Either<SymgradError, unknown> {
  const text = readTextFile(path, documentLimit[kind], limits)
  return E.isLeft(text) ? text : parseJson(text.right, path)
}
