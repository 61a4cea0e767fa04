/**
 * Readable infix text with minimal parentheses: `(x + y)·z`, `a − (b − c)`, `−(a − b)`,
 * `σ(w0·x0 + w1·x1 + w2)`. Leaves print their name, constants their value. Shared subexpressions
 * longer than a threshold become let-bindings (`t1 = …`), so DAGs print in linear size.
 */
import type { Expr } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { formatNumber, joinPrinted, render, type PrintOptions, type Printed, type Style } from './layout.js'

const unspaced = new Set(['·', '/'])

export const textStyle: Style = {
  minus: '−',
  number: formatNumber,
  name: (s) => s,
  paren: (s) => `(${s})`,
  infix: (n, l, r) => (unspaced.has(n.symbol) ? `${l}${n.symbol}${r}` : `${l} ${n.symbol} ${r}`),
  atomInfix: () => false,
  prefix: (n, a) => `${n.symbol}${a}`,
  postfix: (n, a) => `${a.text}${n.symbol}`,
  call: (n, args, attrs) => `${n.name}(${[...args, ...(attrs === undefined ? [] : [attrs])].join(', ')})`,
  fill: (v, shape) => `fill(${v}, ${S.show(shape)})`,
  tensor: (shape) => `tensor${S.show(shape)}`,
  letName: (i) => `t${i}`,
}

/** Prints several expressions together (shared let-bindings). */
export function printInfix(roots: readonly Expr[], opts?: PrintOptions): Printed {
  return render(roots, textStyle, opts)
}

/** One expression as infix text; let-bindings, if any, come first, one per line. */
export function toInfix(e: Expr, opts?: PrintOptions): string {
  return joinPrinted(render([e], textStyle, opts), ' = ', '\n')
}
