/**
 * A dataset from CSV text: one example per line, `label,x1,…,xD` (label an integer 0..C−1, C = the
 * largest label + 1, at least 2); blank lines are skipped, no header. Pure; files.ts reads the file.
 * A field that is not a number is refused with its line and field; NaN and ±Infinity written out
 * ("NaN", "Infinity", "-Infinity") parse as numbers and are then refused by Dataset.make, which
 * names the row and column, so a non-finite input never reaches training. The number of classes is
 * bounded (Limits.classes), and the rows are parsed from bytes (fromCsvBytes).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import type { Dataset } from '../data/Dataset.js'
import * as D from '../data/Dataset.js'
import { quote } from '../core/codecs.js'
import { parseDecimal } from '../core/numbers.js'
import { defaultLimits, within, withinMemory, type Limits } from './limits.js'

const fail = (m: string): Either<SymgradError, never> => E.left(new SymgradError('decode', m))

/** A field: a decimal number (core/numbers.ts: no hex, binary, octal or `_`) with spaces or tabs around it (and a line's CR), or NaN/±Infinity written out. */
function field(s: string): number | undefined {
  const t = s.replace(/^[ \t]+|[ \t\r]+$/g, '')
  if (t === 'NaN' || t === 'Infinity' || t === '-Infinity' || t === '+Infinity') return Number(t)
  return parseDecimal(t)
}

/** A dataset from CSV text (see fromCsvBytes). */
export function fromCsv(text: string, name: string, limits: Limits = defaultLimits): Either<SymgradError, Dataset> {
  return fromCsvBytes(new TextEncoder().encode(text), name, limits)
}

const NEWLINE = 10

/** True when bytes[a, b) hold only ASCII white space (a blank line). */
function blank(bytes: Uint8Array, a: number, b: number): boolean {
  for (let k = a; k < b; k++) if (bytes[k] !== 32 && (bytes[k]! < 9 || bytes[k]! > 13)) return false
  return true
}

/**
 * A dataset from the bytes of a CSV file, read line by line (a file of any size within the limits,
 * never one giant string). A first pass counts the rows and the first row's fields, and the arrays
 * they need (rows × columns × 8 bytes) are checked against the memory limit before they exist;
 * labels are checked against the class limit, line by line.
 */
export function fromCsvBytes(bytes: Uint8Array, name: string, limits: Limits = defaultLimits): Either<SymgradError, Dataset> {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0 // a byte-order mark is not data
  const lineEnd = (a: number) => {
    const b = bytes.indexOf(NEWLINE, a)
    return b < 0 ? bytes.length : b
  }
  let n = 0
  let d: number | undefined
  for (let a = start, b = lineEnd(a), i = 0; a <= bytes.length; a = b + 1, b = lineEnd(a), i++) {
    if (b - a > MAX_LINE) return fail(`${name}: line ${i + 1}: ${b - a} bytes in one line, more than a line may hold (${MAX_LINE})`)
    if (blank(bytes, a, b)) continue
    n++
    if (d === undefined) for (let k = a, c = 0; k <= b; k++) if (k === b) d = c; else if (bytes[k] === 44) c++
  }
  if (d === undefined) return fail(`${name}: no rows (expected lines of label,x1,…,xD)`)
  const mem = withinMemory(limits, n * (d + 1) * 8, name, `${n} rows of ${d + 1} fields (as float64)`)
  if (E.isLeft(mem)) return mem
  const x = new Float64Array(n * d)
  const y = new Float64Array(n)
  const decoder = new TextDecoder()
  let classes = 2
  let r = 0
  for (let a = start, b = lineEnd(a), i = 0; a <= bytes.length; a = b + 1, b = lineEnd(a), i++) {
    if (blank(bytes, a, b)) continue
    const line = decoder.decode(bytes.subarray(a, b > a && bytes[b - 1] === 13 ? b - 1 : b)) // a CRLF line ends before its CR
    let label = 0
    let j = 0
    for (let p = 0; ; j++) {
      const q0 = line.indexOf(',', p)
      const q = q0 < 0 ? line.length : q0
      if (j > d) return fail(`${name}: line ${i + 1}: expected ${d + 1} fields like the first row, got ${j + 1 + countOf(line, ',', p)}`)
      const text = line.slice(p, q)
      const v = field(text)
      if (v === undefined) return fail(`${name}: line ${i + 1}, field ${j + 1}: expected a number, got ${quote(text.trim())}`)
      if (j === 0) label = v
      else x[r * d + j - 1] = v
      if (q0 < 0) break
      p = q + 1
    }
    if (j + 1 < 2) return fail(`${name}: line ${i + 1}: expected label,x1,…,xD (at least 2 fields), got ${j + 1}`)
    if (j !== d) return fail(`${name}: line ${i + 1}: expected ${d + 1} fields like the first row, got ${j + 1}`)
    if (!Number.isInteger(label) || label < 0) return fail(`${name}: line ${i + 1}: the label (field 1) must be a non-negative integer, got ${label}`)
    const within_ = within(limits, 'classes', label + 1, `${name}: line ${i + 1}`, `the label ${label} means ${label + 1} classes`)
    if (E.isLeft(within_)) return within_
    classes = Math.max(classes, label + 1)
    y[r++] = label
  }
  return D.make({ name, x: { shape: [n, d], data: x }, y: { shape: [n], data: y }, classes })
}

/** The longest line read (bytes): far more than any data row, far less than the longest string. */
const MAX_LINE = 2 ** 28

function countOf(s: string, ch: string, from: number): number {
  let c = 0
  for (let k = s.indexOf(ch, from); k >= 0; k = s.indexOf(ch, k + 1)) c++
  return c
}
