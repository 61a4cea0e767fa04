/**
 * A dataset from CSV text: one example per line, `label,x1,…,xD` (label an integer 0..C−1, C = the
 * largest label + 1, at least 2); blank lines are skipped, no header. Pure; files.ts reads the file.
 * A field that is not a number is refused with its line and field; NaN and ±Infinity written out
 * ("NaN", "Infinity", "-Infinity") parse as numbers and are then refused by Dataset.make, which
 * names the row and column, so a non-finite input never reaches training.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import type { Dataset } from '../data/Dataset.js'
import * as D from '../data/Dataset.js'
import { quote } from './codecs.js'
import { parseDecimal } from '../core/numbers.js'

const fail = (m: string): Either<SymgradError, never> => E.left(new SymgradError('decode', m))

/** A field: a decimal number (core/numbers.ts: no hex, binary, octal or `_`) with spaces or tabs around it, or NaN/±Infinity written out. */
function field(s: string): number | undefined {
  const t = s.replace(/^[ \t]+|[ \t]+$/g, '')
  if (t === 'NaN' || t === 'Infinity' || t === '-Infinity' || t === '+Infinity') return Number(t)
  return parseDecimal(t)
}

export function fromCsv(text0: string, name: string): Either<SymgradError, Dataset> {
  const text = text0.charCodeAt(0) === 0xfeff ? text0.slice(1) : text0 // a byte-order mark is not data
  const rows: number[][] = []
  const lines = text.split(/\r?\n/)
  let d: number | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    const parts = line.split(',')
    const nums: number[] = []
    for (let j = 0; j < parts.length; j++) {
      const v = field(parts[j]!)
      if (v === undefined) return fail(`${name}: line ${i + 1}, field ${j + 1}: expected a number, got ${quote(parts[j]!.trim())}`)
      nums.push(v)
    }
    if (nums.length < 2) return fail(`${name}: line ${i + 1}: expected label,x1,…,xD (at least 2 fields), got ${nums.length}`)
    if (d === undefined) d = nums.length - 1
    else if (nums.length - 1 !== d) return fail(`${name}: line ${i + 1}: expected ${d + 1} fields like the first row, got ${nums.length}`)
    const y = nums[0]!
    if (!Number.isInteger(y) || y < 0) return fail(`${name}: line ${i + 1}: the label (field 1) must be a non-negative integer, got ${y}`)
    rows.push(nums)
  }
  if (d === undefined) return fail(`${name}: no rows (expected lines of label,x1,…,xD)`)
  const n = rows.length
  const x = new Float64Array(n * d)
  const y = new Float64Array(n)
  rows.forEach((r, i) => {
    y[i] = r[0]!
    for (let j = 0; j < d; j++) x[i * d + j] = r[j + 1]!
  })
  let classes = 2 // a loop, not Math.max(...rows): a spread of 130,000 arguments overflows the stack
  for (const r of rows) classes = Math.max(classes, r[0]! + 1)
  return D.make({ name, x: { shape: [n, d], data: x }, y: { shape: [n], data: y }, classes })
}
