/**
 * A node in a few characters for one-line messages of the compile floor (hazards, the origin of a
 * NaN): its op's notation with arguments printed to a small depth, deeper ones as `…`; leaves
 * by name (through quote(), as user text), constants by value. The full printers live in print/.
 */
import type { Expr } from '../core/Expr.js'
import { quote } from '../core/codecs.js'
import { constValue, leafName } from '../ops/leaves.js'
import { showNumber } from './intervals.js'


export function nodeForm(e: Expr, depth = 2): string {
  const c = constValue(e)
  if (c !== undefined) return showNumber(c)
  const name = leafName(e)
  if (name !== undefined) return /^[A-Za-z_][\w.]{0,23}$/.test(name) ? name : quote(name)
  if (e.args.length === 0) return e.op.name
  if (depth <= 0) return '…'
  const a = e.args.map((x) => nodeForm(x, depth - 1))
  const n = e.op.notation
  switch (n.form) {
    case 'infix':
      return `(${a.join(` ${n.symbol} `)})`
    case 'prefix':
      return `${n.symbol}${a[0]}`
    case 'postfix':
      return `${a[0]}${n.symbol}`
    case 'call':
      return `${n.name}(${a.join(', ')})`
    default:
      return `${e.op.name}(${a.join(', ')})`
  }
}
