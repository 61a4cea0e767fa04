/**
 * The one reader of numbers written as text: CSV fields, command-line flags, `--at` values and
 * SYMGRAD_* environment variables. Only the decimal form is a number (`12`, `-0.5`, `.5`, `3.`,
 * `1e-3`, with an optional sign): JavaScript's `Number` also reads `0x10` as 16, `0b11` as 3,
 * `0o7` as 7, `''` and `' '` as 0 and `' 1 '` as 1, so a typo or a hex dump would pass as a value.
 * No surrounding whitespace, no `_` separators, no `Infinity` or `NaN` words: readers that accept
 * those (CSV) say so themselves.
 */

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** The number `text` writes in decimal, or undefined for any other text (hex, binary, octal, words, blanks). */
export function parseDecimal(text: string): number | undefined {
  return typeof text === 'string' && DECIMAL.test(text) ? Number(text) : undefined
}

/**
 * A finite decimal number, or the reason `text` is not one: `not a decimal number` for other
 * spellings, `beyond float64 range, reads as ±∞` for a decimal such as `1e309`.
 */
export function parseFinite(text: string): { readonly value: number } | { readonly problem: string } {
  const v = parseDecimal(text)
  if (v === undefined) return { problem: 'not a decimal number' }
  if (!Number.isFinite(v)) return { problem: 'beyond float64 range, reads as ±∞' }
  return { value: v }
}
