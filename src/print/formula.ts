/**
 * Expressions written as formulas: a tagged template read by the same parser as `symgrad explain`
 * (parseExpr.ts), since TypeScript has no operator overloading.
 *
 *   const f = ex`(${x} + ${y}) * ${z}`            // mul(add(x, y), z)
 *   const g = ex`sigmoid(${w} * ${x} + 0.5)^2`    // numbers and the functions exp log sqrt tanh sigmoid relu abs square max min
 *
 * Holes are Exprs or numbers; names written in the text are scalar inputs, as in explain.
 * Tensors broadcast as the builders do (`ex\`${W} * 2\``). A mistake throws a SymgradError whose
 * message quotes the template (holes as `${0}`, `${1}`…) and names the column in it.
 */
import type { Expr } from '../core/Expr.js'
import { SymgradError } from '../core/errors.js'
import { quote } from '../core/codecs.js'
import { parseExpr, type Hole } from './parseExpr.js'

/** The expression a formula template writes: `ex\`(${x} + ${y}) * ${z}\``. */
export function ex(strings: TemplateStringsArray, ...holes: readonly Hole[]): Expr {
  const src = strings.reduce((text, part, i) => (i === 0 ? part : `${text}\${${i - 1}}${part}`), '')
  holes.forEach((h, i) => {
    if (typeof h !== 'number' && !(typeof h === 'object' && h !== null && 'op' in h))
      throw new SymgradError('value', `ex ${quote(src, 120)}: \${${i}} is ${h === null ? 'null' : typeof h}, expected an Expr or a number`)
  })
  const r = parseExpr(src, holes)
  if (r._tag === 'Left') throw new SymgradError('value', `ex ${quote(src, 120)}: ${r.left}`)
  return r.right.expr
}
