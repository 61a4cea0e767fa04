/**
 * The circuit view of an expression (CS231n lecture 4): one gate per op, one wire per argument,
 * the forward value written above each wire and the gradient flowing back along it below. This
 * module computes the circuit as plain data and writes it as Graphviz DOT; `drawGraph` lays it
 * out with Graphviz and draws the SVG.
 *
 * The gradient on a wire from `a` into gate `g` is g's vjp for that argument evaluated with g's
 * upstream gradient: what flows back along that one wire. Where a node feeds several gates, the
 * wires carry the parts, and ∂f/∂a is their sum (shown on the leaf's own row of the trace).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../core/Tensor.js'
import { errorMessage, GradError, SymgradError } from '../core/errors.js'
import { backward } from '../ad/grad.js'
import { type Bindings, evaluateAll } from '../eval/evaluate.js'
import { constValue, leafName } from '../ops/leaves.js'
import { formatNumber, minusSign } from './layout.js'
import { differentiableLeaves } from './trace.js'
import { symbol } from './dot.js'

export interface CircuitNode {
  readonly id: number
  /** Gate symbol (`+`, `·`, `exp`) or leaf name / constant value. */
  readonly label: string
  readonly kind: 'input' | 'constant' | 'gate' | 'output'
}

export interface Wire {
  readonly from: number
  readonly to: number
  /** The forward value carried (text). */
  readonly value: string
  /** The gradient flowing back along this wire, or undefined where none flows (constants). */
  readonly grad: string | undefined
}

/** An expression as a circuit: gates and the wires between them, with forward values and gradients. */
export interface Circuit {
  readonly nodes: readonly CircuitNode[]
  readonly wires: readonly Wire[]
  readonly title?: string
}

/** Options of `circuit`: significant digits, whether gradients are drawn, the outputs' names, a title. */
export interface CircuitOptions {
  /** Significant digits of the numbers on the wires (default 4). */
  readonly digits?: number
  /** Draw gradients (default true); false for a forward-only picture. */
  readonly gradients?: boolean
  /** Names of the output wires, one per root (default 'f'). */
  readonly outputs?: readonly string[]
  readonly title?: string
}

/** A wire's number: scalars with `digits` digits, small tensors in full, others by shape and mean. */
export function showValue(t: Tensor, digits: number): string {
  if (t.shape.length === 0) return minusSign(formatNumber(Number(t.data[0]!.toPrecision(digits)), digits))
  return minusSign(T.show(t, digits))
}

function nodeOf(e: Expr): CircuitNode {
  const name = leafName(e)
  const v = constValue(e)
  const shape = e.shape.length === 0 ? '' : ` ${S.show(e.shape)}`
  if (name !== undefined) return { id: e.id, label: name + shape, kind: 'input' }
  if (v !== undefined) return { id: e.id, label: minusSign(formatNumber(v, 6)), kind: 'constant' }
  if (e.args.length === 0) return { id: e.id, label: `tensor${shape}`, kind: 'constant' }
  const sym = symbol(e.op.notation, e.op.name)
  return { id: e.id, label: sym === '·' ? '×' : sym, kind: 'gate' }
}

/**
 * The circuit of `roots` at `bindings`. With gradients (the default) there must be one scalar
 * root, and every wire on a path to a differentiable leaf carries the gradient flowing back on it.
 */
export function circuit(roots: readonly Expr[], bindings: Bindings, opts: CircuitOptions = {}): E.Either<SymgradError, Circuit> {
  const digits = opts.digits ?? 4
  const withGrads = opts.gradients ?? true
  const order = topoSort(roots)
  const parts: { wire: [number, number, number]; expr: Expr }[] = []
  let seed: Expr | undefined
  if (withGrads) {
    const [f] = roots
    if (roots.length !== 1 || f === undefined || f.shape.length !== 0)
      return E.left(new GradError(`circuit: gradients need one scalar expression, got ${roots.length} of shapes ${roots.map((r) => S.show(r.shape)).join(', ')}`))
    try {
      const cots = backward(f, differentiableLeaves(f))
      seed = cots.get(f.id)
      for (const n of order) {
        const cot = cots.get(n.id)
        if (cot === undefined || n.args.length === 0 || n.op.vjp === undefined) continue
        const vjp = n.op.vjp({ node: n, args: n.args, attrs: n.attrs, out: n, cot })
        n.args.forEach((a, k) => {
          const part = vjp[k]
          if (cots.has(a.id) && !n.op.nondiff?.includes(k) && part !== null && part !== undefined) parts.push({ wire: [a.id, n.id, k], expr: part })
        })
      }
    } catch (e) {
      return E.left(e instanceof SymgradError ? e : new GradError(`circuit: ${errorMessage(e)}`))
    }
  }
  const ev = evaluateAll([...roots, ...parts.map((p) => p.expr), ...(seed ? [seed] : [])], bindings)
  if (E.isLeft(ev)) return ev
  const val = (e: Expr): Tensor => ev.right.values.get(e.id)!
  const gradOf = new Map(parts.map((p) => [p.wire.join(','), showValue(val(p.expr), digits)]))
  const nodes: CircuitNode[] = order.map(nodeOf)
  const wires: Wire[] = order.flatMap((n) =>
    n.args.map((a, k) => ({ from: a.id, to: n.id, value: showValue(val(a), digits), grad: gradOf.get(`${a.id},${n.id},${k}`) })),
  )
  roots.forEach((r, i) => {
    const id = -1 - i
    nodes.push({ id, label: opts.outputs?.[i] ?? (roots.length === 1 ? 'f' : `f${i + 1}`), kind: 'output' })
    wires.push({ from: r.id, to: id, value: showValue(val(r), digits), grad: seed ? showValue(val(seed), digits) : undefined })
  })
  return E.right({ nodes, wires, ...(opts.title === undefined ? {} : { title: opts.title }) })
}

/** Text inside an HTML-like DOT label. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Text inside a quoted DOT string (no escape sequences survive: \\ and \" are escaped, newlines dropped). */
function quoted(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\r\n]+/g, ' ')}"`
}

/** The DOT name of a circuit node. */
export const nodeName = (id: number): string => (id < 0 ? `out${-id}` : `n${id}`)

export const circuitColors = { value: '#1a7a1a', grad: '#c0392b', gate: '#f4f4f4', input: '#e8f0fb' } as const

/** Node and wire lines of one circuit, names prefixed by `p` (to put several in one graph). */
function body(c: Circuit, labels: boolean, p: string, indent: string): string[] {
  const lines: string[] = []
  for (const n of c.nodes) {
    const shape =
      n.kind === 'gate' ? `shape=circle, style=filled, fillcolor="${circuitColors.gate}", width=0.45, fixedsize=${n.label.length > 3 ? 'false' : 'true'}`
      : n.kind === 'output' ? 'shape=plaintext'
      : `shape=box, style="rounded,filled", fillcolor="${n.kind === 'input' ? circuitColors.input : 'white'}", height=0.3`
    lines.push(`${indent}${p}${nodeName(n.id)} [label=${quoted(n.label)}, ${shape}];`)
  }
  for (const w of c.wires) {
    const lab = !labels ? '' : ` [label=<<font color="${circuitColors.value}">${esc(w.value)}</font>${w.grad === undefined ? '' : `<br/><font color="${circuitColors.grad}">${esc(w.grad)}</font>`}>]`
    lines.push(`${indent}${p}${nodeName(w.from)} -> ${p}${nodeName(w.to)}${lab};`)
  }
  return lines
}

const header = (labels: boolean): string[] => [
  `  rankdir=LR; nodesep=${labels ? 0.3 : 0.7}; ranksep=${labels ? 0.5 : 1.1};`,
  '  node [fontname="Helvetica", fontsize=13];',
  '  edge [fontname="Helvetica", fontsize=11, arrowsize=0.6];',
]

/**
 * Graphviz DOT for a circuit. With `labels` (the default), each wire is labelled with its value
 * (green, first line) and its gradient (red, second line): a complete picture for any Graphviz
 * viewer. Without, wires are unlabelled and spaced for `drawGraph`, which writes the numbers on
 * the wires itself.
 */
export function circuitDot(c: Circuit, opts: { readonly labels?: boolean } = {}): string {
  const labels = opts.labels ?? true
  const title = c.title === undefined ? [] : [`  label=${quoted(c.title)}; labelloc=t;`]
  return ['digraph circuit {', ...header(labels), ...title, ...body(c, labels, '', '  '), '}'].join('\n')
}

/** Several circuits in one DOT graph, one cluster each (titled by the circuit's title). */
export function circuitsDot(cs: readonly Circuit[]): string {
  const clusters = cs.flatMap((c, i) => [
    `  subgraph cluster_${i} {`,
    `    label=${quoted(c.title ?? `graph ${i + 1}`)}; color="#cccccc";`,
    ...body(c, true, `c${i}_`, '    '),
    '  }',
  ])
  return ['digraph circuits {', ...header(true), ...clusters, '}'].join('\n')
}
