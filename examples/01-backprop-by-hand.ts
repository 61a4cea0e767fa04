/**
 * Backpropagation by hand (CS231n, "Backpropagation, Intuitions").
 *
 * 1. f(x, y, z) = (x + y)·z at x = −2, y = 5, z = −4: f = −12, and the symbolic derivatives,
 *    simplified: ∂f/∂x = z, ∂f/∂y = z, ∂f/∂z = x + y, with their values and the trace table.
 * 2. The sigmoid neuron f(w, x) = 1/(1 + e^−(w0·x0 + w1·x1 + w2)) at w = [2, −3, −3], x = [−1, −2],
 *    built gate by gate as in the lecture's circuit, and again with the σ primitive: both
 *    derivatives print as σ(z)·(1 − σ(z))·x0 (the simplifier recognizes 1/(1 + e^−z) as σ(z)).
 *
 * Run: npx tsx examples/01-backprop-by-hand.ts
 */
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { add, div, evaluate, exp, formatTrace, grad, input, mul, neg, sigmoid, simplify, Tensor as T, toInfix, traceBackward, type Expr } from '../src/index.js'

export interface Derivative {
  readonly wrt: string
  readonly expr: string
  readonly value: number
}

export interface Part {
  readonly f: number
  readonly derivatives: readonly Derivative[]
  readonly trace: string
  readonly rulesFired: readonly { rule: string; count: number }[]
}

export interface Result {
  readonly circuit: Part
  readonly neuron: Part
  /** The neuron again, written with the σ primitive: same values, shorter derivatives. */
  readonly neuronSigmoid: Part
}

function orThrow<A>(e: E.Either<Error, A>): A {
  if (E.isLeft(e)) throw e.left
  return e.right
}

/** f, its simplified symbolic derivatives with respect to `vars` and their values, and the trace. */
function analyse(f: Expr, vars: readonly Expr[], names: readonly string[], values: Record<string, number>): Part {
  const bindings = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, T.scalar(v)]))
  const { exprs, fired } = simplify(grad(f, vars))
  const vals = orThrow(evaluate([f, ...exprs], bindings))
  return {
    f: T.item(vals[0]!),
    derivatives: exprs.map((d, i) => ({ wrt: names[i]!, expr: toInfix(d), value: T.item(vals[i + 1]!) })),
    trace: formatTrace(orThrow(traceBackward(f, bindings))),
    rulesFired: fired,
  }
}

export function run(): Result {
  const [x, y, z] = [input('x', []), input('y', []), input('z', [])]
  const circuit = analyse(mul(add(x, y), z), [x, y, z], ['x', 'y', 'z'], { x: -2, y: 5, z: -4 })

  const [w0, w1, w2, x0, x1] = [input('w0', []), input('w1', []), input('w2', []), input('x0', []), input('x1', [])]
  const dot = add(add(mul(w0, x0), mul(w1, x1)), w2)
  const point = { w0: 2, w1: -3, w2: -3, x0: -1, x1: -2 }
  const vars = [w0, w1, w2, x0, x1]
  const names = ['w0', 'w1', 'w2', 'x0', 'x1']
  const neuron = analyse(div(1, add(1, exp(neg(dot)))), vars, names, point)
  const neuronSigmoid = analyse(sigmoid(dot), vars, names, point)
  return { circuit, neuron, neuronSigmoid }
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2)).replace('-', '−')

function show(title: string, fx: string, p: Part): void {
  console.log(`\n── ${title} ──`)
  console.log(`${fx} = ${fmt(p.f)}`)
  for (const d of p.derivatives) console.log(`∂f/∂${d.wrt} = ${d.expr} = ${fmt(d.value)}`)
  console.log(`simplify fired: ${p.rulesFired.map((r) => `${r.rule} ×${r.count}`).join(', ') || 'nothing'}`)
  console.log(`\n${p.trace}`)
}

function main(): void {
  const r = run()
  show('f(x,y,z) = (x + y)·z at x = −2, y = 5, z = −4', 'f', r.circuit)
  show('sigmoid neuron, gate by gate, at w = [2, −3, −3], x = [−1, −2]', 'f = 1/(1 + e^−(w0·x0 + w1·x1 + w2))', r.neuron)
  show('the same neuron with the σ primitive', 'f = σ(w0·x0 + w1·x1 + w2)', r.neuronSigmoid)
  const g = (p: Part, names: string[]) => `[${names.map((n) => fmt(p.derivatives.find((d) => d.wrt === n)!.value)).join(', ')}]`
  console.log(`\n∂f/∂w = ${g(r.neuron, ['w0', 'w1', 'w2'])}, ∂f/∂x = ${g(r.neuron, ['x0', 'x1'])}`)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main()
