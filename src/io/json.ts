/**
 * JSON text → value as an Either, with a one-line message for malformed text that names the line,
 * the column and what was found (engines' own JSON.parse messages vary, may echo the whole text
 * over several lines, and often give no position). `JSON.parse` does the parsing; on failure a
 * small scanner walks the JSON grammar (RFC 8259) to find where the text stops being JSON.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { quote } from '../core/codecs.js'

/** `where: malformed JSON at line L, column C: expected X, got 'c'`. */
export function parseJson(text: string, where: string): Either<SymgradError, unknown> {
  try {
    return E.right(JSON.parse(text) as unknown)
  } catch {
    const { pos, expected } = firstError(text)
    const lines = text.slice(0, pos).split('\n')
    const found = pos >= text.length ? 'the end of the text' : quote(String.fromCodePoint(text.codePointAt(pos)!))
    return E.left(new SymgradError('decode', `${where}: malformed JSON at line ${lines.length}, column ${lines[lines.length - 1]!.length + 1}: expected ${expected}, got ${found}`))
  }
}

class Stop {
  constructor(
    readonly pos: number,
    readonly expected: string,
  ) {}
}

/** The offset of the first character that cannot continue a JSON text, and what could have. */
export function firstError(s: string): { pos: number; expected: string } {
  let i = 0
  const ws = () => {
    while (i < s.length && ' \t\n\r'.includes(s[i]!)) i++
  }
  const fail = (expected: string): never => {
    throw new Stop(i, expected)
  }
  const word = (w: string) => {
    for (const ch of w) if (s[i++] !== ch) (i--, fail(`'${w}'`))
  }
  const str = () => {
    i++ // opening quote
    for (;;) {
      if (i >= s.length) fail('a closing \'"\'')
      const ch = s[i]!
      if (ch === '"') return void i++
      if (ch < ' ') fail('a character (control characters must be escaped)')
      if (ch === '\\') {
        i++
        const e = s[i]
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(s[i + k] ?? '')) ((i += k), fail('a hex digit'))
          i += 5
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++
        else fail('an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)')
      } else i++
    }
  }
  const digits = () => {
    if (!/[0-9]/.test(s[i] ?? '')) fail('a digit')
    while (/[0-9]/.test(s[i] ?? '')) i++
  }
  const num = () => {
    if (s[i] === '-') i++
    if (s[i] === '0') i++
    else digits()
    if (s[i] === '.') (i++, digits())
    if (s[i] === 'e' || s[i] === 'E') {
      i++
      if (s[i] === '+' || s[i] === '-') i++
      digits()
    }
  }
  const key = () => {
    ws()
    if (s[i] !== '"') fail('a field name in double quotes')
    str()
    ws()
    if (s[i] !== ':') fail("':'")
    i++
  }
  // iterative, with the open arrays and objects on a stack: any nesting depth is located without recursion
  const value = (): void => {
    const open: ('{' | '[')[] = []
    for (;;) {
      ws()
      const ch = s[i]
      let done = true
      if (ch === '{' || ch === '[') {
        i++
        ws()
        if (s[i] === (ch === '{' ? '}' : ']')) i++
        else {
          open.push(ch)
          if (ch === '{') key()
          done = false
        }
      } else if (ch === '"') str()
      else if (ch === 't') word('true')
      else if (ch === 'f') word('false')
      else if (ch === 'n') word('null')
      else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) num()
      else fail('a value (object, array, string, number, true, false or null)')
      if (!done) continue
      // a value is complete: close the containers it completes
      for (;;) {
        const top = open[open.length - 1]
        if (top === undefined) return
        ws()
        if (s[i] === ',') {
          i++
          if (top === '{') key()
          break
        }
        if (s[i] === (top === '{' ? '}' : ']')) {
          i++
          open.pop()
          continue
        }
        fail(top === '{' ? "',' or '}'" : "',' or ']'")
      }
    }
  }
  try {
    value()
    ws()
    if (i < s.length) fail('the end of the text')
    return { pos: s.length, expected: 'valid JSON' }
  } catch (e) {
    if (e instanceof Stop) return { pos: e.pos, expected: e.expected }
    throw e
  }
}
