/**
 * Attribute codecs: each op declares the attributes it takes and their types, and `apply` (every
 * builder) and graph decoding check them with the same codec, so no node holds an attribute its op
 * did not declare (a string where a number belongs, an object, an unknown key).
 *
 * ```ts
 * attrs: Attr.record({ p: Attr.number })                  // pow
 * attrs: Attr.record({ axes: Attr.axes })                 // sum, mean, ...
 * attrs: Attr.record({ perm: Attr.nullable(Attr.axes) })  // transpose
 * attrs: noAttrs                                         // add, exp, ...
 * ```
 * Field lookups go through a Map and own keys only: `__proto__`, `constructor` and the like are
 * unknown attributes, never Object.prototype members.
 */
import type { AttrCodec } from '../core/Expr.js'
import { ShapeError } from '../core/errors.js'
import { SYMBOL } from '../core/Shape.js'

/** One attribute's type: a test and what it expects, for messages. */
export interface AttrType {
  readonly expected: string
  readonly is: (v: unknown) => boolean
  /** May be left out (stands for its op's default). */
  readonly optional?: boolean
}

/** Longest list (axes, shapes) an attribute may hold. */
export const MAX_RANK = 64
/** Longest name (of an input or parameter) an attribute may hold. */
export const MAX_NAME = 256


const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v)
const list = (el: (v: unknown) => boolean) => (v: unknown): boolean => Array.isArray(v) && v.length <= MAX_RANK && v.every(el)

/** A short, escaped description of a value for messages (never the whole of a hostile string). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return `a list of ${v.length}`
  switch (typeof v) {
    case 'number':
      return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v)
    case 'string': {
      const j = JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v)
      return `the string ${j}`
    }
    case 'boolean':
      return String(v)
    case 'object':
      return 'an object'
    default:
      return `a ${typeof v}`
  }
}

/** Attribute codecs for op records (`Attr.record({ p: Attr.number })`): numbers, integers, booleans, axes, shapes, names. */
export const Attr = {
  /** Any number, NaN and ±Infinity included (they are spelled by the number formatter). */
  number: { expected: 'a number', is: (v: unknown) => typeof v === 'number' } as AttrType,
  finite: { expected: 'a finite number', is: (v: unknown) => typeof v === 'number' && Number.isFinite(v) } as AttrType,
  int: { expected: 'an integer', is: isInt } as AttrType,
  positiveInt: { expected: 'a positive integer', is: (v: unknown) => isInt(v) && v > 0 } as AttrType,
  nonNegativeInt: { expected: 'a non-negative integer', is: (v: unknown) => isInt(v) && v >= 0 } as AttrType,
  boolean: { expected: 'a boolean', is: (v: unknown) => typeof v === 'boolean' } as AttrType,
  /** A list of integer axes (normalised or negative; the shape rule checks the range). */
  axes: { expected: `a list of at most ${MAX_RANK} integer axes`, is: list(isInt) } as AttrType,
  /** A shape: non-negative integers and identifier-like symbols. */
  shape: {
    expected: `a shape (at most ${MAX_RANK} non-negative integers or identifier-like symbols)`,
    is: list((d) => (isInt(d) && d >= 0) || (typeof d === 'string' && SYMBOL.test(d))),
  } as AttrType,
  /** A leaf's name: a non-empty string of at most MAX_NAME characters. */
  name: { expected: `a name (1 to ${MAX_NAME} characters)`, is: (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME } as AttrType,
  /** An integer n (meaning [n, n]) or a [height, width] pair of integers. */
  intPair: { expected: 'an integer or a pair of integers', is: (v: unknown) => isInt(v) || (Array.isArray(v) && v.length === 2 && v.every(isInt)) } as AttrType,
  /** `t`, or null (stands for the op's default: transpose's `perm: null` reverses the axes). */
  nullable: (t: AttrType): AttrType => ({ expected: `${t.expected} or null`, is: (v) => v === null || t.is(v) }),
  /** `t`, and the attribute may be left out of the record. */
  optional: (t: AttrType): AttrType => ({ ...t, optional: true }),
  /** Exactly these attributes (optional ones may be left out), no others. */
  record(fields: Readonly<Record<string, AttrType>>): AttrCodec {
    const byKey = new Map(Object.entries(fields))
    const describe = `{ ${[...byKey].map(([k, t]) => `${k}${t.optional ? '?' : ''}: ${t.expected}`).join(', ')} }`
    return Object.freeze({
      describe,
      keys: Object.freeze([...byKey.keys()]),
      check: (a: unknown): string | undefined => {
        if (a === null || typeof a !== 'object' || Array.isArray(a)) return `attributes: expected a record ${describe}, got ${describeValue(a)}`
        for (const k of Object.keys(a)) {
          if (!byKey.has(k)) {
            const known = [...byKey.keys()]
            return `unknown attribute ${describeValue(k).replace(/^the string /, '')} (${known.length === 0 ? 'the op takes no attributes' : `expected ${known.join(', ')}`})`
          }
        }
        for (const [k, t] of byKey) {
          if (!Object.hasOwn(a, k)) {
            if (t.optional) continue
            return `attribute '${k}' is missing: expected ${t.expected}`
          }
          const v = (a as Record<string, unknown>)[k]
          if (!t.is(v)) return `attribute '${k}': expected ${t.expected}, got ${describeValue(v)}`
        }
        return undefined
      },
    })
  },
}

/**
 * A builder's options checked by the codec of the attributes they become, before they are turned
 * into attributes (defaults filled in, numbers made pairs): an unknown or mistyped option is a
 * ShapeError naming the op (`avgPool2d: unknown attribute 'size' (expected window, stride)`), never
 * dropped on the way to the node.
 */
export function checkOptions(op: string, codec: AttrCodec, o: unknown): void {
  const bad = codec.check(o)
  if (bad !== undefined) throw new ShapeError(`${op}: ${bad}`)
}

/** The codec of ops without attributes. */
export const noAttrs: AttrCodec = Attr.record({})
