/**
 * io-ts building blocks for every trust boundary (configs, model specs, graphs, checkpoints, and
 * the records users add: optimizer hyperparameters, layer options) and a reporter that turns the
 * first decoding error into one line naming the path and expected vs found:
 *
 *   config.optimizer.lr: expected a positive number, got -0.1
 *   config.epochs: missing, expected a positive integer
 *   unknown field config.optimzer (did you mean optimizer?)
 *   config.optimizer.kind: expected one of 'sgd' | 'momentum' | …, got "adma" (did you mean 'adam'?)
 *
 * Unknown fields are refused, not dropped: a misspelled optional field would otherwise be ignored
 * in silence and the run would use the default (the typo `lr_decay` training for hours at the
 * wrong rate). Every object codec here is `struct` (required and optional fields, nothing else) and
 * every union of object shapes is `tagged` (a `kind` field chooses the variant first, so the error
 * speaks of that variant only). Pure and browser-safe; in core/ so that every floor (optim, nn)
 * can declare the codecs of its records. Tensor and special-number codecs are in io/codecs.ts.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { SymgradError } from './errors.js'

/** Deepest nesting of arrays and objects any decoder accepts (symgrad's own documents nest about ten levels; the decoders recurse). */
export const maxDepth = 64
// ── describing values and paths ──────────────────────────────────────────────────────────────

/**
 * A short, escaped quotation of text from a user's file: at most `max` characters (then `…` and the
 * full length), control, format and invisible characters as `\uXXXX` (a byte-order mark shows as
 * `"\uFEFF"`, not as nothing). Messages quote user text only through this, never a whole line.
 */
export function quote(s: string, max = 24): string {
  const cut = s.length > max ? s.slice(0, max) : s
  const esc = JSON.stringify(cut).replace(/[\p{C}\p{Z}]/gu, (ch) => (ch === ' ' ? ch : `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`))
  return s.length > max ? `${esc.slice(0, -1)}…" (${s.length} characters)` : esc
}

const plainName = /^(?:[^\p{C}\p{Z}'"\\]| )+$/u

/**
 * A name in a message (a field, parameter, input, output or dataset name from a user's file or
 * code): `'dense0.W'` when it is at most 120 characters of printable text without quotes or
 * backslashes, else `quote(name, 40)`, escaped and cut like any other user text. So a name holding
 * an escape sequence, a newline or 10,000 characters prints as safely as a value does.
 */
export function quoteName(name: string): string {
  if (typeof name !== 'string') return describe(name)
  return name.length <= 120 && plainName.test(name) ? `'${name}'` : quote(name, 40)
}

/** A name printed bare where quotes would clutter (job ids in log lines): as it is when a plain token (letters, digits, `._:/-`, at most 100), else quoteName. */
export function bareName(name: string): string {
  return typeof name === 'string' && /^[\w./:-]{1,100}$/.test(name) ? name : quoteName(name)
}

/** A short description of a found value: `-0.1`, `"adma"`, `null`, `an object`, `an array of 3`. */
export function describe(u: unknown): string {
  if (u === undefined) return 'nothing'
  if (typeof u === 'number') return Object.is(u, -0) ? '-0' : String(u)
  if (typeof u === 'string') return quote(u, 40)
  if (typeof u === 'boolean' || u === null) return String(u)
  if (Array.isArray(u)) return `an array of ${u.length}`
  if (typeof u === 'object' && (u as { data?: unknown }).data instanceof Float64Array && Array.isArray((u as { shape?: unknown }).shape))
    return `a tensor [${(u as { shape: number[] }).shape.join(',')}]`
  if (typeof u === 'object') return 'an object'
  return typeof u
}

function isUnion(d: t.Decoder<unknown, unknown>): boolean {
  return (d as { _tag?: string })._tag === 'UnionType'
}

/** `root.a.b[2].c` from an io-ts context (union branch indices are not part of the path). */
function pathOf(context: t.Context, root: string): string {
  let p = root
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]!
    if (isUnion(parent.type)) continue
    p += pathStep(context[i]!.key, Array.isArray(parent.actual))
  }
  return p
}

/** One step of a path: `[3]` in a list, `.name` for an identifier, else `['dense0.W']` through quoteName (escapes, cut). */
function pathStep(key: string, inList: boolean): string {
  return inList ? `[${key}]` : /^[A-Za-z_$][\w$]{0,39}$/.test(key) ? `.${key}` : `[${quoteName(key)}]`
}

/** Where a union of plain values failed: report the union itself, not each branch. */
function atUnion(e: t.ValidationError): t.ValidationError {
  const i = e.context.findIndex((c) => isUnion(c.type))
  if (i < 0) return e
  const u = e.context[i]!
  const isRecord = typeof u.actual === 'object' && u.actual !== null && !Array.isArray(u.actual)
  return isRecord ? e : { value: u.actual, context: e.context.slice(0, i + 1) }
}

/** One line for one error: `path: expected X, got Y` (or the codec's own message, `{path}` filled in). */
export function formatError(e0: t.ValidationError, root: string): string {
  const e = atUnion(e0)
  const path = pathOf(e.context, root)
  if (e.message !== undefined) return e.message.includes('{path}') ? e.message.replace('{path}', path) : `${path}: ${e.message}`
  const expected = e.context[e.context.length - 1]?.type.name ?? 'a value'
  return e.value === undefined ? `${path}: missing, expected ${expected}` : `${path}: expected ${expected}, got ${describe(e.value)}`
}

/** The first error as one line, with the count of the others. */
export function report(errors: t.Errors, root: string): string {
  const first = errors[0]
  if (first === undefined) return `${root}: invalid`
  const rest = errors.length - 1
  return formatError(first, root) + (rest > 0 ? ` (and ${rest} more error${rest > 1 ? 's' : ''})` : '')
}

/** Decodes `u` with `codec`; a Left holds one line naming `root`-based path, expected and found. */
export function decodeWith<A, O>(codec: t.Type<A, O, unknown>, u: unknown, root: string): Either<SymgradError, A> {
  const deep = tooDeep(u, root)
  if (deep !== undefined) return E.left(new SymgradError('decode', deep))
  const r = codec.decode(u)
  return E.isRight(r) ? E.right(r.right) : E.left(new SymgradError('decode', report(r.left, root)))
}

/**
 * The path of the first array or object nested deeper than `maxDepth` levels inside `u` (walked
 * with an explicit stack, so any depth is measured without recursion), or undefined. Every decoder
 * checks this first: the io-ts codecs recurse, and a document 100,000 levels deep would overflow
 * the stack instead of giving a Left.
 */
export function tooDeep(u: unknown, root: string, limit = maxDepth): string | undefined {
  const stack: { v: unknown; depth: number; path: string }[] = [{ v: u, depth: 0, path: root }]
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) continue
    if (depth >= limit) return `${path.length > 80 ? `${path.slice(0, 60)}…` : path}: nested deeper than ${limit} levels (symgrad's documents nest about 10)`
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (typeof v[i] === 'object' && v[i] !== null) stack.push({ v: v[i], depth: depth + 1, path: `${path}[${i}]` })
    } else for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k]
      if (typeof x === 'object' && x !== null) stack.push({ v: x, depth: depth + 1, path: `${path}${pathStep(k, false)}` })
    }
  }
  return undefined
}

/** The own field `k` of `u` (inherited members such as `constructor` or `toString` are never read). */
export function own(u: Readonly<Record<string, unknown>>, k: string): unknown {
  return Object.hasOwn(u, k) ? u[k] : undefined
}

/**
 * Names that may not be keys of a decoded record: assigning `__proto__` replaces an object's
 * prototype instead of adding a field. Every record is decoded by recordOf or struct, which refuse it.
 */
export const forbiddenKeys: readonly string[] = ['__proto__']

// ── did you mean ─────────────────────────────────────────────────────────────────────────────

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1))
      diag = up
    }
  }
  return prev[b.length]!
}

/** Initials of a camelCase name: learningRate → lr, batchSize → bs. */
function initials(name: string): string {
  return (name[0]! + name.slice(1).replace(/[^A-Z]/g, '')).toLowerCase()
}

/**
 * The candidate the word abbreviates (`lr` for learningRate), else the closest candidate within a
 * few edits (a third of the word, at least 2), if any.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const abbreviated = candidates.find((c) => c.length > word.length && /[A-Z]/.test(c) && initials(c) === word.toLowerCase())
  if (abbreviated !== undefined) return abbreviated
  let best: string | undefined
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const c of candidates) {
    const d = editDistance(word, c)
    if (d < bestD) [best, bestD] = [c, d]
  }
  return best
}

// ── numbers ──────────────────────────────────────────────────────────────────────────────────

/** A number codec with a predicate, named by what it expects (e.g. 'a positive number'); −0 decodes as 0. */
export function num(name: string, ok: (x: number) => boolean): t.Type<number, number, unknown> {
  return new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && ok(u),
    // −0 reads as 0: JSON text cannot carry it back (JSON.stringify(-0) is "0"), so exact round trips need it gone
    (u, c) => (typeof u === 'number' && ok(u) ? t.success(u === 0 ? 0 : u) : t.failure(u, c)),
    (x) => x,
  )
}

/** The codec of a finite number. */
export const FiniteNumber = num('a finite number', Number.isFinite)
/** The codec of a finite number > 0. */
export const PositiveNumber = num('a positive number', (x) => Number.isFinite(x) && x > 0)
export const NonNegativeNumber = num('a non-negative number', (x) => Number.isFinite(x) && x >= 0)
/** The codec of a keep probability in (0, 1]. */
export const KeepProbability = num('a keep probability in (0, 1]', (x) => x > 0 && x <= 1)
/** The codec of a number in [0, 1). */
export const UnitInterval = num('a number in [0, 1)', (x) => x >= 0 && x < 1)
/** The codec of a whole number ≥ 1. */
export const PositiveInt = num('a positive integer', (x) => Number.isSafeInteger(x) && x >= 1)
export const NonNegativeInt = num('a non-negative integer', (x) => Number.isSafeInteger(x) && x >= 0)
export const Uint32 = num('an unsigned 32-bit integer', (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff)

/** A string codec with a name. */
export const NonEmptyString = new t.Type<string, string, unknown>(
  'a non-empty string',
  (u): u is string => typeof u === 'string' && u.length > 0,
  (u, c) => (typeof u === 'string' && u.length > 0 ? t.success(u) : t.failure(u, c)),
  (s) => s,
)

/** A running-variance start of batch normalization: 0 (CS231n) or 1 (PyTorch, Keras); −0 decodes as 0, as in `num`. */
export const ZeroOrOne = new t.Type<0 | 1, 0 | 1, unknown>(
  '0 | 1',
  (u): u is 0 | 1 => u === 0 || u === 1,
  (u, c) => (u === 0 ? t.success(0) : u === 1 ? t.success(1) : t.failure(u, c)),
  t.identity,
)

/** The codec of one of the given strings. */
export function oneOf<const L extends string>(values: readonly L[]): t.Type<L, L, unknown> {
  const name = `one of ${values.map((v) => `'${v}'`).join(' | ')}`
  return new t.Type<L, L, unknown>(
    name,
    (u): u is L => typeof u === 'string' && (values as readonly string[]).includes(u),
    (u, c) => {
      if (typeof u === 'string' && (values as readonly string[]).includes(u)) return t.success(u as L)
      const near = typeof u === 'string' ? closest(u, values) : undefined
      return t.failure(u, c, `{path}: expected ${name}, got ${describe(u)}${near !== undefined ? ` (did you mean '${near}'?)` : ''}`)
    },
    (s) => s,
  )
}

// ── objects ──────────────────────────────────────────────────────────────────────────────────

/** Any codec of unknown input. */
export type Codec = t.Type<any, any, unknown> // eslint-disable-line @typescript-eslint/no-explicit-any
/** Codecs by field name (the fields of a `struct`). */
export type Props = Readonly<Record<string, Codec>>
export type StructOf<R extends Props, O extends Props> = { readonly [K in keyof R]: t.TypeOf<R[K]> } & { readonly [K in keyof O]?: t.TypeOf<O[K]> }
type StructOut<R extends Props, O extends Props> = { [K in keyof R]: t.OutputOf<R[K]> } & { [K in keyof O]?: t.OutputOf<O[K]> }

/** A plain object: not null, not an array. */
export function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u)
}

/**
 * An object with `required` and `optional` fields and no others: an unknown field is an error
 * naming it (with the closest known field, if one is near). Optional fields may be absent or
 * undefined; they are left out of the decoded value when absent.
 */
export function struct<R extends Props, O extends Props = {}>(name: string, required: R, optional?: O): t.Type<StructOf<R, O>, StructOut<R, O>, unknown> {
  const opt: Props = optional ?? {}
  const known = [...Object.keys(required), ...Object.keys(opt)]
  return new t.Type<StructOf<R, O>, StructOut<R, O>, unknown>(
    name,
    (u): u is StructOf<R, O> =>
      isRecord(u) &&
      Object.keys(u).every((k) => known.includes(k)) &&
      Object.entries(required).every(([k, codec]) => codec.is(own(u, k))) &&
      Object.entries(opt).every(([k, codec]) => own(u, k) === undefined || codec.is(own(u, k))),
    (u, c) => {
      if (!isRecord(u)) return t.failure(u, c)
      const errors: t.ValidationError[] = []
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(u))
        if (!Object.prototype.hasOwnProperty.call(required, k) && !Object.prototype.hasOwnProperty.call(opt, k)) {
          const near = forbiddenKeys.includes(k) ? undefined : closest(k, known)
          errors.push({ value: u[k], context: t.appendContext(c, k, t.unknown, u[k]), message: `unknown field {path}${near !== undefined ? ` (did you mean ${near}?)` : ` (known fields: ${known.join(', ') || 'none'})`}` })
        }
      for (const [k, codec] of Object.entries(required)) {
        const v = own(u, k)
        const r = codec.validate(v, t.appendContext(c, k, codec, v))
        if (E.isLeft(r)) errors.push(...r.left)
        else out[k] = r.right
      }
      for (const [k, codec] of Object.entries(opt)) {
        const v = own(u, k)
        if (v === undefined) continue
        const r = codec.validate(v, t.appendContext(c, k, codec, v))
        if (E.isLeft(r)) errors.push(...r.left)
        else out[k] = r.right
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out as StructOf<R, O>)
    },
    (a) => {
      const out: Record<string, unknown> = {}
      const rec = a as Record<string, unknown>
      for (const [k, codec] of Object.entries(required)) out[k] = codec.encode(rec[k])
      for (const [k, codec] of Object.entries(opt)) if (rec[k] !== undefined) out[k] = codec.encode(rec[k])
      return out as StructOut<R, O>
    },
  )
}

/**
 * A union of object shapes told apart by a string field (`tag`): the tag is checked first (with a
 * suggestion for a near miss), then only the chosen variant decodes the object.
 */
export function tagged<const M extends Readonly<Record<string, Codec>>>(name: string, tag: string, variants: M): t.Type<t.TypeOf<M[keyof M]>, t.OutputOf<M[keyof M]>, unknown> {
  const kinds = Object.keys(variants)
  const kindCodec = oneOf(kinds)
  return new t.Type<t.TypeOf<M[keyof M]>, t.OutputOf<M[keyof M]>, unknown>(
    name,
    (u): u is t.TypeOf<M[keyof M]> => isRecord(u) && typeof own(u, tag) === 'string' && kinds.includes(u[tag] as string) && variants[u[tag] as string]!.is(u),
    (u, c) => {
      if (!isRecord(u)) return t.failure(u, c)
      const k = kindCodec.validate(own(u, tag), t.appendContext(c, tag, kindCodec, own(u, tag)))
      if (E.isLeft(k)) return k
      return variants[k.right]!.validate(u, c)
    },
    (a) => variants[(a as Record<string, string>)[tag]!]!.encode(a),
  )
}

/** An array of `item`, named "a list of …". */
export function listOf<C extends Codec>(item: C, name = `a list of ${item.name}`): t.Type<readonly t.TypeOf<C>[], t.OutputOf<C>[], unknown> {
  return t.readonlyArray(item, name) as unknown as t.Type<readonly t.TypeOf<C>[], t.OutputOf<C>[], unknown>
}

/**
 * A record of `value` by string key, decoded field by field into a fresh object. `__proto__` is
 * refused (see forbiddenKeys); other names of Object.prototype members (`constructor`, `toString`)
 * are plain own fields.
 */
export function recordOf<C extends Codec>(value: C, name = `a record of ${value.name}`): t.Type<Readonly<Record<string, t.TypeOf<C>>>, Record<string, t.OutputOf<C>>, unknown> {
  return new t.Type<Readonly<Record<string, t.TypeOf<C>>>, Record<string, t.OutputOf<C>>, unknown>(
    name,
    (u): u is Readonly<Record<string, t.TypeOf<C>>> => isRecord(u) && Object.keys(u).every((k) => !forbiddenKeys.includes(k) && value.is(u[k])),
    (u, c) => {
      if (!isRecord(u)) return t.failure(u, c)
      const errors: t.ValidationError[] = []
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(u)) {
        const v = u[k]
        if (forbiddenKeys.includes(k)) {
          errors.push({ value: v, context: t.appendContext(c, k, t.unknown, v), message: `{path}: '${k}' is not allowed as a name` })
          continue
        }
        const r = value.validate(v, t.appendContext(c, k, value, v))
        if (E.isLeft(r)) errors.push(...r.left)
        else out[k] = r.right
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out as Readonly<Record<string, t.TypeOf<C>>>)
    },
    (a) => {
      const out: Record<string, t.OutputOf<C>> = {}
      for (const k of Object.keys(a)) out[k] = value.encode(a[k]) as t.OutputOf<C>
      return out
    },
  )
}
