/**
 * XOR with the classic "11-line" two-layer network (A. Trask, "A Neural Network in 11 lines of
 * Python"): inputs [[0,0,1],[0,1,1],[1,0,1],[1,1,1]] (the last column is a constant bias input),
 * targets [0,1,1,0], a 3-4-1 network of sigmoid units, trained by full-batch gradient descent on
 * ½·Σ(ŷ − y)². The gradients come from symgrad: `grad` derives them as expressions once, and
 * `evaluate` runs forward and backward together at every step. Weights start uniform in [−1, 1)
 * from a seeded key.
 *
 * Run: npx tsx examples/02-xor.ts
 */
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { evaluate, grad, input, matmul, mul, param, Random, sigmoid, square, sub, sum, Tensor as T, toInfix } from '../src/index.js'

export interface XorOptions {
  readonly seed?: number
  readonly steps?: number
  readonly lr?: number
}

export interface XorResult {
  readonly predictions: readonly number[]
  readonly targets: readonly number[]
  readonly lossHistory: readonly number[]
  readonly maxError: number
  readonly steps: number
  readonly loss: string
}

export const inputs = [
  [0, 0, 1],
  [0, 1, 1],
  [1, 0, 1],
  [1, 1, 1],
]
export const targets = [0, 1, 1, 0]

export function run(opts: XorOptions = {}): XorResult {
  const steps = opts.steps ?? 2000
  const lr = opts.lr ?? 2
  const X = input('X', [4, 3])
  const y = input('y', [4, 1])
  const W1 = param('W1', [3, 4])
  const W2 = param('W2', [4, 1])
  const hidden = sigmoid(matmul(X, W1))
  const out = sigmoid(matmul(hidden, W2))
  const loss = mul(0.5, sum(square(sub(out, y))))
  const [g1, g2] = grad(loss, [W1, W2]) as [typeof W1, typeof W2]

  const [k1, k2] = Random.split(Random.key(opts.seed ?? 1))
  let w1 = Random.uniform(k1!, [3, 4], -1, 1)
  let w2 = Random.uniform(k2!, [4, 1], -1, 1)
  const data = { X: T.of(inputs), y: T.make([4, 1], targets) }
  const history: number[] = []
  let pred = T.zeros([4, 1])
  for (let i = 0; i <= steps; i++) {
    const r = evaluate([loss, out, g1, g2], { ...data, W1: w1, W2: w2 })
    if (E.isLeft(r)) throw r.left
    const [l, o, d1, d2] = r.right as [T.Tensor, T.Tensor, T.Tensor, T.Tensor]
    history.push(T.item(l))
    pred = o
    if (i === steps) break
    w1 = T.sub(w1, T.scale(d1, lr))
    w2 = T.sub(w2, T.scale(d2, lr))
  }
  const predictions = Array.from(pred.data)
  return {
    predictions,
    targets,
    lossHistory: history,
    maxError: Math.max(...predictions.map((p, i) => Math.abs(p - targets[i]!))),
    steps,
    loss: toInfix(loss),
  }
}

function main(): void {
  const t0 = performance.now()
  const r = run()
  const ms = performance.now() - t0
  console.log(`loss = ${r.loss}`)
  for (const i of [0, 10, 100, 1000, r.steps]) console.log(`step ${String(i).padStart(5)}  loss ${r.lossHistory[i]!.toFixed(6)}`)
  console.log('\ninput      target  prediction')
  inputs.forEach((x, i) => console.log(`[${x.join(',')}]    ${r.targets[i]}       ${r.predictions[i]!.toFixed(4)}`))
  console.log(`\nmax |prediction − target| = ${r.maxError.toFixed(4)} after ${r.steps} steps (${ms.toFixed(0)} ms)`)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main()
