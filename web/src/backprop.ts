/**
 * The Backprop panel (CS231n lecture 4): an expression and values → the circuit (values above
 * the wires, gradients below), the simplified derivatives typeset with KaTeX, the trace table, and
 * a step button that walks the backward pass node by node. Everything is computed here, in the
 * page, by the library.
 */
import * as E from 'fp-ts/lib/Either.js'
import katex from 'katex'
import { countNodes, drawGraph, evaluateAll, grad, input, simplify, traceBackward, Tensor as T, type Expr, type TraceRow } from '../../src/index.js'
import { domainNote, formatNumber, hazardBlock, latexNumber, minusSign, printLatex } from '../../src/print/index.js'
import { parseAssignments, parseExpr } from '../../src/print/parseExpr.js'
import { explainRules } from '../../src/compile/softmaxGradRules.js'
import { el } from './dom.js'
import { clearMarks, markField } from './marks.js'

/** Largest expression explained (its derivatives, values and typesetting take under a second up to here). */
export const MAX_EXPLAIN_NODES = 2000
/** Largest expression drawn as a circuit and traced row by row. */
export const MAX_CIRCUIT_NODES = 300
/** Longest LaTeX typeset; longer derivatives are summarized. */
const MAX_TEX_CHARS = 20_000
/** The circuit is scaled up to fill its box, at most by this factor (never down: its numbers stay ≥ 12 px). */
const MAX_SCALE = 1.6

const num = (v: number): string => minusSign(formatNumber(Number(v.toPrecision(6)), 6))
const tex = (s: string, display = false): string => katex.renderToString(s, { throwOnError: false, displayMode: display })
const texName = (v: string): string => v.replace(/^([A-Za-z])_?(\d+)$/, '$1_{$2}')

interface Walk {
  readonly rows: readonly TraceRow[]
  /** How many nodes the backward pass has visited (from the output). */
  done: number
}

export function backpropPanel(root: HTMLElement): void {
  const exprIn = el('input', { id: 'bp-expr', value: '(x+y)*z', size: 36, spellcheck: false })
  const atIn = el('input', { id: 'bp-at', value: 'x=-2, y=5, z=-4', size: 28, spellcheck: false })
  const go = el('button', { id: 'bp-go' }, 'Explain')
  const step = el('button', { id: 'bp-step', title: 'walk the backward pass one node at a time' }, 'Step backward ▸')
  const reset = el('button', { id: 'bp-reset' }, 'Show all')
  const examples = el('select', { id: 'bp-examples' }, ...[
    ['(x+y)*z', 'x=-2, y=5, z=-4'],
    ['1/(1+exp(-(w0*x0+w1*x1+w2)))', 'w0=2, x0=-1, w1=-3, x1=-2, w2=-3'],
    ['max(x, y)*z + x*x', 'x=3, y=-1, z=2'],
    ['sigmoid(w*x)*(1 - sigmoid(w*x))', 'w=0.5, x=2'],
    ['log(x)', 'x=-1'],
  ].map(([e, a]) => el('option', { value: `${e}|${a}` }, e!)))
  const msg = el('div', { id: 'bp-msg', class: 'msg' })
  const result = el('div', { id: 'bp-result' })
  const graph = el('div', { id: 'bp-graph', class: 'graph' })
  const derivs = el('div', { id: 'bp-derivs', class: 'derivs' })
  const trace = el('div', { id: 'bp-trace' })
  // the hazards of f for any value of its variables; their nodes are outlined in the circuit
  const hazards = el('div', { id: 'bp-hazards', class: 'msg' })
  let hazardIds = new Set<number>()
  root.append(
    el('p', { class: 'lede' }, 'Type an expression (+ − * / ^, exp log sqrt tanh sigmoid relu abs square max min) and values. The circuit shows each forward value above its wire (green) and the gradient flowing back along it below (red); the step button walks the backward pass one gate at a time.'),
    el('div', { class: 'controls' }, el('label', {}, 'f = ', exprIn), el('label', {}, 'at ', atIn), go, el('label', {}, 'examples ', examples)),
    msg, result, el('div', { class: 'controls' }, step, reset), graph, hazards, derivs, trace,
  )
  let walk: Walk | undefined
  let runs = 0
  /** Every result of the previous expression goes the moment a new one starts (or fails). */
  const clear = (): void => {
    walk = undefined
    for (const e of [result, graph, derivs, trace]) e.replaceChildren()
    delete graph.dataset['scale']
    msg.textContent = ''
    hazards.replaceChildren()
    hazardIds = new Set()
    clearMarks(root)
    step.textContent = 'Step backward ▸'
  }
  const fail = (field: HTMLElement, message: string): void => {
    markField(field, message)
    msg.textContent = message
  }
  const run = async (): Promise<void> => {
    const token = ++runs
    clear()
    const parsed = parseExpr(exprIn.value)
    if (E.isLeft(parsed)) return fail(exprIn, parsed.left)
    const { expr, vars } = parsed.right
    const nodes = countNodes([expr])
    if (nodes > MAX_EXPLAIN_NODES) return fail(exprIn, `the expression has ${nodes} nodes; the playground explains up to ${MAX_EXPLAIN_NODES} (symgrad explain takes more)`)
    const at = parseAssignments(atIn.value)
    if (E.isLeft(at)) return fail(atIn, at.left.replace(/^--at: /, ''))
    const missing = vars.filter((v) => at.right[v] === undefined)
    if (missing.length > 0) return fail(atIn, `no value for ${missing.join(', ')}`)
    const bindings = Object.fromEntries(vars.map((v) => [v, T.scalar(at.right[v]!)]))
    const { exprs: grads } = simplify(grad(expr, vars.map((v) => input(v, []))), { rules: explainRules })
    const ev = evaluateAll([expr, ...grads], bindings)
    if (E.isLeft(ev)) return fail(exprIn, ev.left.message)
    const val = (e: Expr) => T.item(ev.right.values.get(e.id)!)
    result.replaceChildren(
      el('span', { id: 'bp-f' }, `f = ${num(val(expr))}`),
      ...vars.map((v, i) => el('span', { class: 'bp-grad', 'data-var': v }, `∂f/∂${v} = ${num(val(grads[i]!))}`)),
    )
    const notes = [['f', expr] as const, ...vars.map((v, i) => [`∂f/∂${v}`, grads[i]!] as const)].flatMap(([n, e]) => {
      const d = domainNote(e, ev.right.values)
      return d === undefined ? [] : [`${n} = ${num(val(e))} here: ${d.message}`]
    })
    const lines = latexLines(expr, vars, grads, (e) => latexNumber(Number(T.item(ev.right.values.get(e.id)!).toPrecision(6)), 6))
    const texChars = lines.reduce((n, l) => n + l.length, 0)
    if (texChars <= MAX_TEX_CHARS) derivs.innerHTML = lines.map((l) => `<div class="tex">${tex(l, true)}</div>`).join('')
    else derivs.replaceChildren(el('p', { class: 'note' }, `the derivatives are ${texChars} characters of LaTeX; the playground typesets up to ${MAX_TEX_CHARS} (their values are above)`))
    if (nodes > MAX_CIRCUIT_NODES) {
      notes.push(`the circuit and the trace are drawn for up to ${MAX_CIRCUIT_NODES} nodes; this expression has ${nodes}`)
      msg.textContent = notes.join('\n')
      return
    }
    msg.textContent = notes.join('\n')
    const hb = hazardBlock(expr)
    hazardIds = new Set(hb.hazards.map((h) => h.node.id))
    hazards.replaceChildren(...hb.lines.map((l) => el('div', {}, l)))
    const tr = traceBackward(expr, bindings)
    walk = E.isRight(tr) ? { rows: tr.right.rows, done: tr.right.rows.length } : undefined
    trace.replaceChildren(E.isRight(tr) ? el('div', { class: 'scroll' }, traceTable(tr.right.rows)) : el('p', {}, tr.left.message))
    const svg = await drawGraph(expr, bindings, { maxNodes: MAX_CIRCUIT_NODES })
    // a later expression has started meanwhile: this drawing is stale
    if (token !== runs) return
    if (E.isLeft(svg)) msg.textContent = [...notes, svg.left.message].join('\n')
    else {
      graph.innerHTML = svg.right
      fitCircuit(graph)
    }
    show()
  }
  const show = (): void => {
    if (walk === undefined) return
    // the backward pass visits rows from the last (the output) to the first
    const n = walk.rows.length
    const visited = new Set(walk.rows.slice(n - walk.done).map((r) => r.id))
    const current = walk.done > 0 && walk.done < n ? walk.rows[n - walk.done]?.id : undefined
    for (const t of graph.querySelectorAll<SVGTextElement>('text.grad')) {
      const to = Number(t.dataset['to'])
      t.style.visibility = to < 0 || visited.has(to) ? 'visible' : 'hidden'
    }
    for (const s of graph.querySelectorAll<SVGElement>('[data-node]')) {
      const id = Number(s.dataset['node'])
      s.setAttribute('stroke', id === current ? '#c0392b' : hazardIds.has(id) ? '#e67e22' : '#333')
      s.setAttribute('stroke-width', id === current || hazardIds.has(id) ? '3' : '1')
    }
    for (const tr of trace.querySelectorAll<HTMLTableRowElement>('tr[data-id]')) {
      const id = Number(tr.dataset['id'])
      tr.classList.toggle('current', id === current)
      tr.classList.toggle('pending', !visited.has(id))
    }
    step.textContent = walk.done >= n ? 'Step backward ▸ from the output' : `Step backward ▸ (${walk.done} of ${n} nodes visited)`
  }
  step.addEventListener('click', () => {
    if (walk === undefined) return
    walk.done = walk.done >= walk.rows.length ? 0 : walk.done + 1
    show()
  })
  reset.addEventListener('click', () => {
    if (walk !== undefined) (walk.done = walk.rows.length), show()
  })
  go.addEventListener('click', () => void run())
  for (const i of [exprIn, atIn]) i.addEventListener('keydown', (e) => e.key === 'Enter' && void run())
  examples.addEventListener('change', () => {
    const [e, a] = examples.value.split('|')
    exprIn.value = e!
    atIn.value = a!
    void run()
  })
  void run()
}

/** Scales the circuit up to the width of its box (never down, so its 12 px numbers stay ≥ 12 px; a wider one scrolls). */
function fitCircuit(box: HTMLElement): void {
  const svg = box.querySelector('svg')
  if (svg === null) return
  const [w, h] = [Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))]
  const k = Math.max(1, Math.min(MAX_SCALE, (box.clientWidth - 2) / w))
  svg.setAttribute('width', (w * k).toFixed(1))
  svg.setAttribute('height', (h * k).toFixed(1))
  box.dataset['scale'] = k.toFixed(3)
}

/** f and each ∂f/∂v in LaTeX lines, repeated subexpressions named once (t₁ = …); numbers through `value` (already LaTeX). */
function latexLines(expr: Expr, vars: readonly string[], grads: readonly Expr[], value: (e: Expr) => string): string[] {
  const fp = printLatex([expr], { letThreshold: 2 })
  const known = new Map<number, string>([[expr.id, 'f'], ...fp.letNodes.map((n, i) => [n.id, fp.lets[i]![0]] as const)])
  const gp = printLatex(grads, { letThreshold: 2, names: known, firstLet: fp.lets.length })
  const v = value
  return [
    ...fp.lets.map(([n, t], i) => `${n} = ${t} = ${v(fp.letNodes[i]!)}`),
    `f = ${fp.exprs[0]} = ${v(expr)}`,
    ...gp.lets.map(([n, t], i) => `${n} = ${t} = ${v(gp.letNodes[i]!)}`),
    ...vars.map((x, i) => `\\frac{\\partial f}{\\partial ${texName(x)}} = ${gp.exprs[i]} = ${v(grads[i]!)}`),
  ]
}

function traceTable(rows: readonly TraceRow[]): HTMLTableElement {
  const show = (t: T.Tensor | undefined) => (t === undefined ? '—' : minusSign(T.show(t, 4)))
  const head = el('tr', {}, ...['#', 'node', 'expression', 'value', 'local gradient', 'upstream ∂f/∂node'].map((h) => el('th', {}, h)))
  const body = rows.map((r) =>
    el('tr', { 'data-id': String(r.id) },
      el('td', {}, `#${r.row}`), el('td', {}, r.node), el('td', {}, r.local.length === 0 ? '' : r.expr), el('td', {}, show(r.value)),
      el('td', {}, r.local.map((l) => `∂/∂#${l.arg} = ${l.expr}${l.value === undefined || show(l.value) === l.expr ? '' : ` = ${show(l.value)}`}`).join('; ')),
      el('td', { class: 'up' }, show(r.upstream)),
    ),
  )
  return el('table', { class: 'trace' }, el('thead', {}, head), el('tbody', {}, ...body))
}
