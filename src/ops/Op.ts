/**
 * Helpers for defining ops. An op is one `OpDef` record (see core/Expr.ts); this module holds
 * `defineOp` and the small shape-rule and notation helpers the definitions share.
 * It imports no op definitions, so every ops file can import it without cycles.
 */
import type { Attrs, LawSpec, Notation, OpDef } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'

/** Identity with the name kept as a literal type, so the registry's union of names is derived. */
export function defineOp<const N extends string>(def: OpDef<N>): OpDef<N> {
  return Object.freeze(def)
}

/** Shape rule of elementwise ops: all arguments have one shape (builders broadcast first). */
export function sameShape(name: string) {
  return (args: readonly Shape[]): Shape => {
    const first = args[0]!
    for (let i = 1; i < args.length; i++)
      if (!S.equal(args[i]!, first))
        throw new ShapeError(
          `${name}: argument ${i + 1} expected shape ${S.show(first)} (same as argument 1), got ${S.show(args[i]!)}`,
        )
    return first
  }
}

export function infix(symbol: string, latex: string, prec: number, assoc: 'left' | 'both'): Notation {
  return { form: 'infix', symbol, latex, prec, assoc }
}

export function call(name: string, latex: string, attrs?: (a: Attrs) => string): Notation {
  return attrs === undefined ? { form: 'call', name, latex } : { form: 'call', name, latex, attrs }
}

/** Precedences used by the printers. */
export const Prec = { add: 1, mul: 2, neg: 3, pow: 4, matmul: 2, atom: 9 } as const

export function axesAttr(a: Attrs): number[] {
  return (a['axes'] as readonly number[] | undefined)?.slice() ?? []
}

export function showAxes(a: Attrs): string {
  return `axes=[${axesAttr(a).join(',')}]`
}

export function numAttr(a: Attrs, key: string): number {
  const v = a[key]
  if (typeof v !== 'number') throw new ShapeError(`attribute '${key}' must be a number, got ${JSON.stringify(v)}`)
  return v
}

export function shapeAttr(a: Attrs, key = 'shape'): Shape {
  return (a[key] as readonly (number | string)[] | undefined) ?? []
}

/**
 * Law spec of binary ops with a jump or kink where the arguments meet (comparisons, maximum,
 * minimum): the draws keep the two arguments apart, so no difference step crosses a = b.
 */
export const pairApart: LawSpec = {
  cases: [{ shapes: [[3, 4], [3, 4]], attrs: {} }],
  accept: ([a, b]) => a!.data.every((v, i) => Math.abs(v - b!.data[i]!) > 1e-2),
}
