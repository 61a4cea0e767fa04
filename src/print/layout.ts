/**
 * The layout engine shared by the infix and LaTeX printers. It reads each op's `notation`
 * (leaf, infix, prefix, postfix, call) and adds only the parentheses that precedence and
 * associativity require; a `Style` turns the pieces into text or LaTeX.
 *
 * DAGs do not blow up: a shared subexpression whose printed form is longer than `letThreshold`
 * is bound once to a name (t1, t2, …) and referred to by that name, so the output stays linear
 * in the number of nodes.
 */
import type { Attrs, Expr, Notation } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import type { Shape } from '../core/Shape.js'
import { constValue, leafName, tensorOp } from '../ops/leaves.js'
import { Prec } from '../ops/Op.js'
import { sugarText } from './sugar.js'

type InfixN = Extract<Notation, { form: 'infix' }>
type PrefixN = Extract<Notation, { form: 'prefix' }>
type PostfixN = Extract<Notation, { form: 'postfix' }>
type CallN = Extract<Notation, { form: 'call' }>

export interface Piece {
  readonly text: string
  readonly prec: number
  readonly form: 'atom' | 'prefix' | 'infix' | 'postfix'
  /** The op that produced the piece (to tell `a + (b + c)` from `a + (b − c)`). */
  readonly op?: Expr['op']
  /**
   * For infix pieces: the op when every unparenthesized operand at the same precedence is that
   * same op (`a + b + c`), 'mixed' otherwise (`a·b/c`), so `x·(a·b/c)` keeps its parentheses.
   */
  readonly chain?: Expr['op'] | 'mixed'
}

export interface Style {
  readonly minus: string
  number(v: number, digits: number): string
  name(s: string): string
  paren(s: string): string
  infix(n: InfixN, l: string, r: string): string
  /** Infix ops laid out as an atom whose arguments need no parentheses (LaTeX's \frac). */
  atomInfix(n: InfixN): boolean
  prefix(n: PrefixN, a: string): string
  postfix(n: PostfixN, a: Piece): string
  call(n: CallN, args: readonly string[], attrs: string | undefined): string
  fill(value: string, shape: Shape): string
  tensor(shape: Shape): string
  letName(i: number): string
}

/** Options of the printers: compact form (broadcasting and reshapes elided), when and how subexpressions are let-bound, digits, names. */
export interface PrintOptions {
  /**
   * Elide broadcastTo, sumTo and reshape (learners' view) and print filled constants as their
   * number. Default: true when every root is a scalar.
   */
  readonly compact?: boolean
  /** Shared subexpressions printed longer than this are bound to a name (default 80; Infinity: never). */
  readonly letThreshold?: number
  /** Significant digits of non-integer constants (default 6). */
  readonly digits?: number
  /** Let-bindings are numbered from firstLet + 1 (default 0: t1, t2, …). */
  readonly firstLet?: number
  /** Nodes to print as the given name instead of their structure (by node id, or a function). */
  readonly names?: ReadonlyMap<number, string> | ((e: Expr) => string | undefined)
}

/** A printed expression: let-bindings in dependency order, then the printed roots. */
export interface Printed {
  /** Let-bindings, in dependency order: [name, printed form]. */
  readonly lets: readonly (readonly [string, string])[]
  /** The node each let-binding names, in the same order. */
  readonly letNodes: readonly Expr[]
  readonly exprs: readonly string[]
}

const atom = (text: string): Piece => ({ text, prec: Prec.atom, form: 'atom' })

/** broadcastTo, sumTo, reshape: movement ops printed as calls, elided in compact mode. */
export function isElidable(e: Expr): boolean {
  return e.op.kind === 'movement' && e.op.notation.form === 'call' && e.args.length === 1
}

function showAttrs(n: CallN, e: Expr): string | undefined {
  if (n.attrs === undefined) return undefined
  const axes = e.attrs['axes'] as readonly number[] | undefined
  const x = e.args[0]
  if (axes !== undefined && x !== undefined && axes.length === x.shape.length) return undefined
  return n.attrs(e.attrs as Attrs)
}

function leafPiece(e: Expr, style: Style, compact: boolean, digits: number): Piece {
  const name = leafName(e)
  if (name !== undefined) return atom(style.name(name))
  const v = constValue(e)
  if (v !== undefined) {
    // −0 prints as a negated 0, like any negative constant (max(x, −0) is not max(x, 0))
    const negative = v < 0 || Object.is(v, -0)
    const num = negative ? undefined : atom(style.number(v, digits))
    const p = num ?? { text: style.minus + style.number(Object.is(v, -0) ? 0 : -v, digits), prec: Prec.neg, form: 'prefix' as const }
    return compact || e.shape.length === 0 ? p : atom(style.fill(p.text, e.shape))
  }
  if (e.op === tensorOp) return atom(style.tensor(e.shape))
  return atom(style.name(e.op.name))
}

function wrapSide(c: Piece, n: InfixN, right: boolean, op: Expr['op']): boolean {
  if (c.form === 'prefix') return right || c.prec < n.prec
  if (c.prec !== n.prec) return c.prec < n.prec
  return right && !(n.assoc === 'both' && c.op === op && c.chain === op)
}

function chainOf(l: Piece, r: Piece, wl: boolean, wr: boolean, n: InfixN, op: Expr['op']): Expr['op'] | 'mixed' {
  const same = (p: Piece, wrapped: boolean) => wrapped || p.form !== 'infix' || p.prec !== n.prec || p.chain === op
  return same(l, wl) && same(r, wr) ? op : 'mixed'
}

/** The piece for node `e` given the pieces of its arguments. */
export function pieceOf(e: Expr, args: readonly Piece[], style: Style, opts: { compact: boolean; digits: number }): Piece {
  const nt = e.op.notation
  if (e.args.length === 0) return leafPiece(e, style, opts.compact, opts.digits)
  if (opts.compact && isElidable(e)) return args[0]!
  const wrap = (p: Piece, yes: boolean): string => (yes ? style.paren(p.text) : p.text)
  switch (nt.form) {
    case 'infix': {
      const [l, r] = [args[0]!, args[1]!]
      if (style.atomInfix(nt)) return { ...atom(style.infix(nt, l.text, r.text)), op: e.op }
      const [wl, wr] = [wrapSide(l, nt, false, e.op), wrapSide(r, nt, true, e.op)]
      const text = style.infix(nt, wrap(l, wl), wrap(r, wr))
      return { text, prec: nt.prec, form: 'infix', op: e.op, chain: chainOf(l, r, wl, wr, nt, e.op) }
    }
    case 'prefix': {
      const a = args[0]!
      return { text: style.prefix(nt, wrap(a, a.form === 'prefix' || a.prec < nt.prec)), prec: nt.prec, form: 'prefix', op: e.op }
    }
    case 'postfix': {
      const a = args[0]!
      const inner = a.form === 'atom' || a.form === 'postfix' ? a : { ...atom(style.paren(a.text)) }
      return { text: style.postfix(nt, inner), prec: Prec.pow, form: 'postfix', op: e.op }
    }
    case 'call':
      return { ...atom(style.call(nt, args.map((a) => a.text), showAttrs(nt, e))), op: e.op }
    case 'leaf':
      return leafPiece(e, style, opts.compact, opts.digits)
  }
}

/** Prints `roots` together, sharing let-bindings between them. */
export function render(roots: readonly Expr[], style: Style, opts: PrintOptions = {}): Printed {
  const compact = opts.compact ?? roots.every((r) => r.shape.length === 0)
  const threshold = opts.letThreshold ?? 80
  const digits = opts.digits ?? 6
  const given = opts.names
  const nameOf = (e: Expr): string | undefined =>
    given === undefined ? undefined : typeof given === 'function' ? given(e) : given.get(e.id)
  const named = (e: Expr): boolean => nameOf(e) !== undefined
  const nodes = topoSort(roots, named)
  const uses = new Map<number, number>()
  const use = (e: Expr): void => void uses.set(e.id, (uses.get(e.id) ?? 0) + 1)
  roots.forEach(use)
  for (const n of nodes) if (!named(n)) n.args.forEach(use)
  const pieces = new Map<number, Piece>()
  const lets: [string, string][] = []
  const letNodes: Expr[] = []
  for (const n of nodes) {
    const name = nameOf(n)
    if (name !== undefined) {
      pieces.set(n.id, atom(name))
      continue
    }
    const sugar = sugarText(n, (e) => pieces.get(e.id)?.text, style.call)
    let p = sugar !== undefined ? { ...atom(sugar), op: n.op } : pieceOf(n, n.args.map((a) => pieces.get(a.id)!), style, { compact, digits })
    const shared = (uses.get(n.id) ?? 0) >= 2 && n.args.length > 0 && !(compact && isElidable(n))
    if (shared && p.text.length > threshold) {
      const bound = style.letName(lets.length + 1 + (opts.firstLet ?? 0))
      lets.push([bound, p.text])
      letNodes.push(n)
      p = atom(bound)
    }
    pieces.set(n.id, p)
  }
  return { lets, letNodes, exprs: roots.map((r) => pieces.get(r.id)!.text) }
}

/** Let-bindings on their own lines, then the expression(s). */
export function joinPrinted(p: Printed, bind: string, sep: string): string {
  return [...p.lets.map(([n, t]) => `${n}${bind}${t}`), ...p.exprs].join(sep)
}

export function formatNumber(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞'
  // −0 keeps its sign: max(x, −0) and max(x, 0) are different nodes and print differently
  if (Object.is(v, -0)) return '-0'
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v)
  return String(Number(v.toPrecision(digits)))
}


/** Numbers in printed text use the printers' minus sign `−` (U+2212), exponents too: `−1.5e−7`. */
export function minusSign(s: string): string {
  return s.replace(/-(?=[\d.∞I])/g, '−')
}
