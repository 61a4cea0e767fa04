/**
 * `symgrad explain "<expr>" --at x=…,y=…  [--svg graph.svg] [--dot graph.dot]`: the expression,
 * its simplified derivatives (subexpressions that repeat named once, `t1 = …`, with their
 * values), a note where a value is NaN or ±∞ (exit status 1), the hazards of the expression for any
 * value of its variables with the stable rewrites that remove them, the backprop trace, and the
 * circuit pictures (CS231n lecture 4): the function with values above the wires and gradients
 * below, and the gradient graph.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../core/Expr.js'
import * as T from '../core/Tensor.js'
import { grad } from '../ad/grad.js'
import { simplify } from '../compile/simplify.js'
import { explainRules } from '../compile/softmaxGradRules.js'
import { stableRules } from '../compile/stableRules.js'
import { type Bindings, type TensorBindings, evaluateAll } from '../eval/evaluate.js'
import * as ops from '../ops/index.js'
import {
  type Circuit, circuit, circuitsDot, domainNote, drawCircuit, formatNumber, formatTrace, hazardBlock, minusSign, printInfix, stackSvgs, toInfix, traceBackward,
} from '../print/index.js'
import { writeFileAtomic } from '../io/atomic.js'
import { ArgError, type ParsedArgs } from './args.js'
import { orExit } from './commands.js'
import { parseAssignments, parseExpr } from '../print/parseExpr.js'

/** Repeated subexpressions are named once when their printed form is longer than this. */
const LET_THRESHOLD = 2

const num = (t: T.Tensor): string => minusSign(formatNumber(Number(T.item(t).toPrecision(6)), 6))

interface Explained {
  readonly expr: Expr
  readonly vars: readonly string[]
  readonly bindings: TensorBindings
  readonly grads: readonly Expr[]
}

function parse(a: ParsedArgs): Explained {
  const src = a.positional[0]
  if (src === undefined) throw new ArgError('explain: expected an expression, e.g. symgrad explain "(x+y)*z" --at x=-2,y=5,z=-4')
  const parsed = parseExpr(src)
  if (E.isLeft(parsed)) throw new ArgError(`explain: ${parsed.left}`)
  const { expr, vars } = parsed.right
  const at = typeof a.flags['at'] === 'string' ? parseAssignments(a.flags['at']) : parseAssignments('')
  if (E.isLeft(at)) throw new ArgError(`explain: ${at.left}`)
  const missing = vars.filter((v) => at.right[v] === undefined)
  if (missing.length > 0) throw new ArgError(`explain: no value for ${missing.join(', ')}: add --at ${missing.map((v) => `${v}=…`).join(',')}`)
  const extra = Object.keys(at.right).filter((v) => !vars.includes(v))
  if (extra.length > 0) throw new ArgError(`explain: --at names ${extra.join(', ')}, which the expression does not use`)
  const bindings = Object.fromEntries(vars.map((v) => [v, T.scalar(at.right[v]!)]))
  return { expr, vars, bindings, grads: grad(expr, vars.map((v) => ops.input(v, []))) }
}

/** The function's circuit (values and gradients) and its gradient graph (values). */
export function explainCircuits(expr: Expr, vars: readonly string[], grads: readonly Expr[], bindings: Bindings): E.Either<Error, Circuit[]> {
  const f = circuit([expr], bindings, { title: `f = ${toInfix(expr, { letThreshold: Infinity })}` })
  if (E.isLeft(f) || vars.length === 0) return E.map((c: Circuit) => [c])(f)
  const g = circuit(grads, bindings, { gradients: false, outputs: vars.map((v) => `∂f/∂${v}`), title: 'gradient graph (simplified)' })
  return E.isLeft(g) ? g : E.right([f.right, g.right])
}

export async function explainCommand(a: ParsedArgs): Promise<number> {
  const { expr, vars, bindings, grads: raw } = parse(a)
  const { exprs: grads, fired } = simplify(raw, { rules: explainRules })
  const ev = evaluateAll([expr, ...grads], bindings)
  if (E.isLeft(ev)) return (console.error(`symgrad: ${ev.left.message}`), 1)
  const value = (e: Expr) => ev.right.values.get(e.id)!
  // a subexpression that repeats is named once: f's own first, then the derivatives', which
  // also refer to f and to f's names
  const fp = printInfix([expr], { letThreshold: LET_THRESHOLD })
  const known = new Map<number, string>([[expr.id, 'f'], ...fp.letNodes.map((n, i) => [n.id, fp.lets[i]![0]] as const)])
  const gp = printInfix(grads, { letThreshold: LET_THRESHOLD, names: known, firstLet: fp.lets.length })
  const lets = (p: typeof fp, head: string) => {
    if (p.lets.length > 0) console.log(head)
    p.lets.forEach(([n, t], i) => console.log(`  ${n} = ${t} = ${num(value(p.letNodes[i]!))}`))
  }
  lets(fp, 'where')
  console.log(`f = ${fp.exprs[0]}`)
  const at = vars.map((v) => `${v} = ${num(bindings[v]!)}`).join(', ')
  console.log(`${at === '' ? '' : `at ${at}: `}f = ${num(value(expr))}`)
  lets(gp, 'where')
  vars.forEach((v, i) => console.log(`∂f/∂${v} = ${gp.exprs[i]} = ${num(value(grads[i]!))}`))
  console.log(`simplify fired: ${fired.map((f) => `${f.rule} ×${f.count}`).join(', ') || 'nothing'}`)
  // a stable rewrite that fired in the derivatives says why
  for (const f of fired) {
    const r = stableRules.find((x) => x.name === f.rule)
    if (r !== undefined) console.log(`  ${r.name}: ${r.why}`)
  }
  const notes = [['f', expr] as const, ...vars.map((v, i) => [`∂f/∂${v}`, grads[i]!] as const)].flatMap(([name, e]) => {
    const n = domainNote(e, ev.right.values)
    return n === undefined ? [] : [`domain: ${name} = ${num(value(e))} at this point: ${n.message}`]
  })
  notes.forEach((n) => console.log(n))
  hazardBlock(expr).lines.forEach((l) => console.log(l))
  const tr = traceBackward(expr, bindings)
  if (E.isRight(tr)) console.log(`\nbackprop trace (forward values, local gradients, upstream × local):\n${formatTrace(tr.right)}`)
  await writePictures(a, expr, vars, grads, bindings)
  return notes.length > 0 ? 1 : 0
}

async function writePictures(a: ParsedArgs, expr: Expr, vars: readonly string[], grads: readonly Expr[], bindings: Bindings): Promise<void> {
  const svgPath = a.flags['svg']
  const dotPath = a.flags['dot']
  if (typeof svgPath !== 'string' && typeof dotPath !== 'string') return
  const cs = explainCircuits(expr, vars, grads, bindings)
  if (E.isLeft(cs)) throw new ArgError(`explain: ${cs.left.message}`)
  if (typeof dotPath === 'string') {
    orExit(writeFileAtomic(dotPath, `${circuitsDot(cs.right)}\n`))
    console.log(`wrote ${dotPath}`)
  }
  if (typeof svgPath === 'string') {
    const pictures: string[] = []
    for (const c of cs.right) pictures.push(orExit(await drawCircuit(c)))
    orExit(writeFileAtomic(svgPath, stackSvgs(pictures)))
    console.log(`wrote ${svgPath}`)
  }
}
