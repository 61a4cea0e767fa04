/**
 * A small infix language for `symgrad explain`, the playground and the `ex` template (formula.ts):
 * numbers, variables (scalars), + − * / ^, unary
 * minus, parentheses and the functions exp log sqrt tanh sigmoid relu abs square max min.
 *   (x+y)*z    1/(1+exp(-(w0*x0+w1*x1+w2)))    max(x, y)^2
 * `^` is right-associative; a number exponent is a power (`pow`), an expression exponent is
 * a^b = exp(b·log(a)), defined for a > 0. `−` (U+2212) reads as `-`; `∞` and `Infinity` are
 * infinity, a literal beyond float64 (`1e309`) is refused. Pure; errors are values naming the position.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import * as ops from '../ops/index.js'
import { constValue } from '../ops/leaves.js'
import { parseFinite } from '../core/numbers.js'
import { quote } from '../core/codecs.js'

export interface Parsed {
  readonly expr: Expr
  /** Variable names in order of first appearance. */
  readonly vars: readonly string[]
}

const unary: Record<string, (x: Expr) => Expr> = {
  exp: ops.exp, log: ops.log, sqrt: ops.sqrt, tanh: ops.tanh, sigmoid: ops.sigmoid, relu: ops.relu, abs: ops.abs, square: ops.square,
}
const binaryFns: Record<string, (a: Expr, b: Expr) => Expr> = { max: (a, b) => ops.maximum(a, b), min: (a, b) => ops.minimum(a, b) }

type Tok =
  | { readonly t: 'num'; readonly v: number; readonly at: number }
  | { readonly t: 'id'; readonly v: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number }
  | { readonly t: 'hole'; readonly v: number; readonly at: number }

/** A value spliced into the text by the `ex` template: `${k}` in the source is holes[k]. */
export type Hole = Expr | number

function lex(text: string, holes: boolean): Tok[] {
  const src = text.replace(/\u2212/g, '-')
  const out: Tok[] = []
  const re = holes
    ? /\s*(?:(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+|\u221e)|([A-Za-z_][A-Za-z_0-9]*)|(\*\*|[-+*/^(),])|\$\{(\d+)\})/y
    : /\s*(?:(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+|\u221e)|([A-Za-z_][A-Za-z_0-9]*)|(\*\*|[-+*/^(),]))/y
  const blank = /\s*/y
  let i = 0
  while (i < src.length) {
    // only white space left (a sticky match: no copy of the rest per token)
    blank.lastIndex = i
    blank.exec(src)
    if (blank.lastIndex === src.length) break
    re.lastIndex = i
    const m = re.exec(src)
    if (!m) throw new SyntaxError(`unexpected ${quote(String.fromCodePoint(src.slice(i).trimStart().codePointAt(0)!))} at column ${i + 1 + (src.slice(i).length - src.slice(i).trimStart().length)}`)
    const at = m.index + m[0].length - (m[1] ?? m[2] ?? m[3] ?? `\${${m[4]}}`)!.length + 1
    if (m[4] !== undefined) out.push({ t: 'hole', v: Number(m[4]), at })
    else if (m[1] !== undefined) {
      const v = m[1] === '\u221e' ? Infinity : Number(m[1])
      // a literal is the number written: 1e309 is not ∞ by accident (write ∞ or Infinity for that)
      if (v === Infinity && m[1] !== '\u221e') throw new SyntaxError(`the number ${quote(m[1])} at column ${at} is beyond float64 range (write ∞ or Infinity if you mean infinity)`)
      out.push({ t: 'num', v, at })
    } else if (m[2] === 'Infinity') out.push({ t: 'num', v: Infinity, at })
    else if (m[2] !== undefined) out.push({ t: 'id', v: m[2], at })
    else out.push({ t: 'op', v: m[3] === '**' ? '^' : m[3]!, at })
    i = re.lastIndex
  }
  return out
}

/** Deepest nesting of parentheses, calls, signs and exponents the parser follows (it recurses on each). */
export const MAX_EXPR_DEPTH = 200
/** Longest expression text read. */
export const MAX_EXPR_CHARS = 200_000

/**
 * Parses `src`; with `holes`, `${k}` stands for holes[k] (a number is a constant, an Expr itself).
 * Left: one line naming the column (shape errors of the builders included).
 */
export function parseExpr(src: string, holes?: readonly Hole[]): E.Either<string, Parsed> {
  if (src.length > MAX_EXPR_CHARS) return E.left(`expression of ${src.length} characters: at most ${MAX_EXPR_CHARS} are read`)
  try {
    const toks = lex(src, holes !== undefined)
    let p = 0
    let depth = 0
    const nest = <A>(f: () => A): A => {
      if (++depth > MAX_EXPR_DEPTH) throw new SyntaxError(`expression nests deeper than ${MAX_EXPR_DEPTH} levels (parentheses, calls, signs or ^) at ${where()}`)
      try {
        return f()
      } finally {
        depth--
      }
    }
    const vars = new Map<string, Expr>()
    const peek = () => toks[p]
    const where = () => (toks[p] ? `column ${toks[p]!.at}` : 'the end')
    const expect = (v: string) => {
      const t = toks[p]
      if (!t || t.t !== 'op' || t.v !== v) throw new SyntaxError(`expected '${v}' at ${where()}`)
      p++
    }
    const isOp = (v: string) => peek()?.t === 'op' && peek()!.v === v
    const sum = (): Expr => {
      let a = product()
      while (isOp('+') || isOp('-')) a = toks[p++]!.v === '+' ? ops.add(a, product()) : ops.sub(a, product())
      return a
    }
    const product = (): Expr => {
      let a = signed()
      while (isOp('*') || isOp('/')) a = toks[p++]!.v === '*' ? ops.mul(a, signed()) : ops.div(a, signed())
      return a
    }
    const signed = (): Expr => (isOp('-') ? (p++, ops.neg(nest(signed))) : isOp('+') ? (p++, nest(signed)) : power())
    const power = (): Expr => {
      const base = atom()
      if (!isOp('^')) return base
      p++
      if (!toks[p]) throw new SyntaxError(`expected an exponent after '^' at ${where()}`)
      const e = nest(signedPower)
      const v = constValue(e)
      return v !== undefined ? ops.pow(base, v) : ops.exp(ops.mul(e, ops.log(base)))
    }
    // an exponent: optional signs, then a power (so 2^-x^2 = 2^(−(x^2)))
    const signedPower = (): Expr => {
      if (isOp('-')) {
        p++
        const e = nest(signedPower)
        const v = constValue(e)
        return v !== undefined ? ops.constant(-v) : ops.neg(e)
      }
      if (isOp('+')) return (p++, nest(signedPower))
      return power()
    }
    const atom = (): Expr => {
      const t = toks[p]
      if (!t) throw new SyntaxError('unexpected end of expression')
      p++
      if (t.t === 'num') return ops.constant(t.v)
      if (t.t === 'hole') {
        const h = holes![t.v]
        if (h === undefined) throw new SyntaxError(`no value for \${${t.v}} at column ${t.at}`)
        return typeof h === 'number' ? ops.constant(h) : h
      }
      if (t.t === 'op') {
        if (t.v !== '(') throw new SyntaxError(`unexpected '${t.v}' at column ${t.at}`)
        const e = nest(sum)
        expect(')')
        return e
      }
      if (isOp('(')) {
        // own fields only: `toString(x,y)` and `constructor(x,y)` are unknown functions, not Object.prototype's
        const f1 = Object.hasOwn(unary, t.v) ? unary[t.v] : undefined
        const f2 = Object.hasOwn(binaryFns, t.v) ? binaryFns[t.v] : undefined
        if (!f1 && !f2) throw new SyntaxError(`unknown function '${t.v}' at column ${t.at} (known: ${[...Object.keys(unary), ...Object.keys(binaryFns)].join(', ')})`)
        p++
        const a = nest(sum)
        if (f2) {
          expect(',')
          const b = nest(sum)
          expect(')')
          return f2(a, b)
        }
        expect(')')
        return f1!(a)
      }
      if (Object.hasOwn(unary, t.v) || Object.hasOwn(binaryFns, t.v)) throw new SyntaxError(`'${t.v}' is a function: write ${t.v}(…) (column ${t.at})`)
      if (!vars.has(t.v)) vars.set(t.v, ops.input(t.v, []))
      return vars.get(t.v)!
    }
    if (toks.length === 0) throw new SyntaxError('empty expression')
    const expr = sum()
    if (p < toks.length) throw new SyntaxError(`unexpected '${toks[p]!.t === 'hole' ? `\${${toks[p]!.v}}` : toks[p]!.v}' at column ${toks[p]!.at}`)
    return E.right({ expr, vars: [...vars.keys()] })
  } catch (e) {
    return E.left(e instanceof Error ? e.message : String(e))
  }
}

/** `x=-2,y=5` → { x: -2, y: 5 }; Left naming the bad entry. */
export function parseAssignments(s: string): E.Either<string, Record<string, number>> {
  // no prototype: `constructor` or `__proto__` are plain variable names, never inherited members
  const out: Record<string, number> = Object.create(null) as Record<string, number>
  for (const part of s.split(',').map((x) => x.trim()).filter((x) => x.length > 0)) {
    const m = /^([A-Za-z_][A-Za-z_0-9]*)\s*=\s*(.+)$/.exec(part.replace(/\u2212/g, '-'))
    const v = m ? parseFinite(m[2]!.trim()) : undefined
    if (!m || v === undefined || 'problem' in v) return E.left(`--at: expected name=number, got ${quote(part)}${v !== undefined && 'problem' in v ? ` (${v.problem})` : ''}`)
    out[m[1]!] = v.value
  }
  return E.right(out)
}
