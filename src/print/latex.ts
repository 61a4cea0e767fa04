/**
 * LaTeX: `\frac` for division, `\cdot` for products, `\exp`, `\sigma`, `\sqrt{…}`, subscripts for
 * indexed names (`w0` → `w_{0}`). Same layout rules as the infix printer.
 */
import type { Expr } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { formatNumber, joinPrinted, render, type PrintOptions, type Printed, type Style } from './layout.js'

function latexName(s: string): string {
  const m = /^([A-Za-z])_?(\d+)$/.exec(s)
  if (m) return `${m[1]}_{${m[2]}}`
  if (/^[A-Za-z]$/.test(s)) return s
  return `\\mathrm{${s.replace(/[_{}#$%&]/g, (c) => `\\${c}`)}}`
}

/** A number in LaTeX: ∞ as \infty, NaN upright as one word (KaTeX would set N·a·N), 1e-7 as 1 \times 10^{-7}. */
export function latexNumber(v: number, digits: number): string {
  if (Number.isNaN(v)) return '\\mathrm{NaN}'
  if (!Number.isFinite(v)) return v > 0 ? '\\infty' : '-\\infty'
  const s = formatNumber(v, digits)
  const m = /^(.*)e([+-])(\d+)$/.exec(s)
  return m ? `${m[1]} \\times 10^{${m[2] === '-' ? '-' : ''}${m[3]}}` : s
}

export const latexStyle: Style = {
  minus: '-',
  number: latexNumber,
  name: latexName,
  paren: (s) => `\\left(${s}\\right)`,
  infix: (n, l, r) => (n.latex === '/' ? `\\frac{${l}}{${r}}` : n.latex === '' ? `${l} ${r}` : `${l} ${n.latex} ${r}`),
  atomInfix: (n) => n.latex === '/',
  prefix: (n, a) => `${n.latex}${a}`,
  postfix: (n, a) => `${a.form === 'postfix' ? `{${a.text}}` : a.text}${n.latex}`,
  call: (n, args, attrs) => {
    const sub = attrs === undefined ? '' : `_{${attrs}}`
    if (n.latex === '\\sqrt' && args.length === 1) return `\\sqrt{${args[0]}}`
    return `${n.latex}${sub}\\left(${args.join(', ')}\\right)`
  },
  fill: (v, shape) => `${v}_{${S.show(shape)}}`,
  tensor: (shape) => `\\mathrm{tensor}_{${S.show(shape)}}`,
  letName: (i) => `t_{${i}}`,
}

/** The expressions as LaTeX, with shared subexpressions let-bound. */
export function printLatex(roots: readonly Expr[], opts?: PrintOptions): Printed {
  return render(roots, latexStyle, opts)
}

/** One expression as LaTeX; let-bindings, if any, come first (`t_{1} = …`), joined by `\\`. */
export function toLatex(e: Expr, opts?: PrintOptions): string {
  return joinPrinted(render([e], latexStyle, opts), ' = ', ' \\\\\n')
}
