/**
 * Lecture 3: multiclass SVM vs softmax on the same data, same linear model, same gradient descent.
 * Once every margin is satisfied the SVM loss is exactly 0 and its gradient exactly 0, so training
 * stops changing anything; the softmax loss is never 0 and keeps decreasing — it keeps pushing the
 * correct scores up however well the points are already classified.
 * No regularization here (λ = 0), so the contrast is the data losses alone.
 * Run: npx tsx examples/04-linear-classifiers.ts
 */
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import * as sg from '../src/index.js'
import { evaluate, grad, nn, Random as R, Tensor as T, type Expr } from '../src/index.js'

const ops = sg
const { accuracy, dense, sequential, softmaxCrossEntropy, svmLoss } = nn
type Tensor = T.Tensor
type Params = nn.Params

/** Three well separated gaussian blobs in 2-D (linearly separable), `perClass` points each. */
export function blobs(perClass = 20, seed = 1): { x: Tensor; y: Tensor } {
  const centers = [[2, 0], [-1, 1.8], [-1, -1.8]] as const
  const noise = R.normal(R.key(seed), [3 * perClass, 2], 0.35)
  const x = T.make([3 * perClass, 2], noise.data.map((v, i) => v + centers[Math.floor(i / 2 / perClass)]![i % 2]!))
  const y = T.make([3 * perClass], Array.from({ length: 3 * perClass }, (_, i) => Math.floor(i / perClass)))
  return { x, y }
}

export interface Trace {
  readonly loss: number[]
  readonly accuracy: number[]
  /** Largest |gradient| entry at each step. */
  readonly gradMax: number[]
  readonly params: Params
}

const model = sequential(dense(2, 3, { init: 'small' }))
const xi = ops.input('x', ['N', 2])
const yi = ops.input('y', ['N'])
const scores = model.apply(xi, 'test').out

/** Full-batch gradient descent on `loss`, from the same initial parameters for both losses. */
function train(loss: Expr, data: { x: Tensor; y: Tensor }, steps: number, lr: number): Trace {
  const names = Object.keys(model.params())
  const grads = grad(loss, model.params())
  const outs = [loss, accuracy(scores, yi), ...names.map((n) => grads[n]!)]
  let params: Params = model.init(R.key(0)).params
  const trace: Trace = { loss: [], accuracy: [], gradMax: [], params }
  for (let t = 0; t <= steps; t++) {
    const r = evaluate(outs, { ...params, x: data.x, y: data.y })
    if (E.isLeft(r)) throw r.left
    const [l, acc, ...gs] = r.right
    trace.loss.push(T.item(l!))
    trace.accuracy.push(T.item(acc!))
    trace.gradMax.push(Math.max(...gs.map((g) => Math.max(...Array.from(g.data, Math.abs)))))
    if (t === steps) break
    params = Object.fromEntries(names.map((n, i) => [n, T.sub(params[n]!, T.scale(gs[i]!, lr))]))
  }
  return { ...trace, params }
}

export interface Result {
  readonly svm: Trace
  readonly softmax: Trace
  /** First step at which the SVM loss is exactly 0. */
  readonly svmZeroAt: number
  /** From svmZeroAt on, every SVM loss and every SVM gradient entry is exactly 0 (training has stopped). */
  readonly svmFrozenAfterZero: boolean
  /** Softmax loss at svmZeroAt minus at the end: still going down. */
  readonly softmaxDecreaseAfterZero: number
  /** The softmax loss decreases at every step. */
  readonly softmaxAlwaysDecreasing: boolean
  /** A correctly classified point: both losses before and after raising its correct score by 1. */
  readonly nudge: { readonly svm: readonly [number, number]; readonly softmax: readonly [number, number] }
}

export function run(o: { readonly steps?: number; readonly lr?: number } = {}): Result {
  const steps = o.steps ?? 200
  const lr = o.lr ?? 0.1
  const data = blobs()
  const svm = train(svmLoss(scores, yi), data, steps, lr)
  const softmax = train(softmaxCrossEntropy(scores, yi), data, steps, lr)
  // the lecture's "jiggle": scores of one point with its margins satisfied, correct score raised by 1
  const s = ops.param('s', [1, 3])
  const one = T.of([0])
  const before = T.of([[4, 1, -2]])
  const after = T.of([[5, 1, -2]])
  const val = (l: Expr, sc: Tensor) => {
    const r = evaluate([l], { s: sc, y1: one })
    if (E.isLeft(r)) throw r.left
    return T.item(r.right[0]!)
  }
  const y1 = ops.input('y1', [1])
  const zeroAt = svm.loss.findIndex((v) => v === 0)
  return {
    svm,
    softmax,
    svmZeroAt: zeroAt,
    svmFrozenAfterZero: zeroAt >= 0 && svm.loss.slice(zeroAt).every((v) => v === 0) && svm.gradMax.slice(zeroAt).every((v) => v === 0),
    softmaxDecreaseAfterZero: zeroAt >= 0 ? softmax.loss[zeroAt]! - softmax.loss[steps]! : NaN,
    softmaxAlwaysDecreasing: softmax.loss.every((v, t) => t === 0 || v < softmax.loss[t - 1]!),
    nudge: {
      svm: [val(svmLoss(s, y1), before), val(svmLoss(s, y1), after)],
      softmax: [val(softmaxCrossEntropy(s, y1), before), val(softmaxCrossEntropy(s, y1), after)],
    },
  }
}

function main(): void {
  const r = run()
  const rows = [0, 1, 2, 5, 10, 20, 50, 100, 150, 200].filter((t) => t < r.svm.loss.length)
  console.log('step   SVM loss (acc)          softmax loss (acc)')
  for (const t of rows)
    console.log(`${String(t).padStart(4)}   ${r.svm.loss[t]!.toExponential(4).padEnd(11)} (${r.svm.accuracy[t]!.toFixed(2)})     ${r.softmax.loss[t]!.toExponential(4).padEnd(11)} (${r.softmax.accuracy[t]!.toFixed(2)})`)
  console.log(`SVM loss is exactly 0 from step ${r.svmZeroAt}; max |grad| at the end: SVM ${r.svm.gradMax.at(-1)}, softmax ${r.softmax.gradMax.at(-1)!.toExponential(2)}`)
  console.log(`after step ${r.svmZeroAt}: SVM loss and gradient stay exactly 0 (${r.svmFrozenAfterZero}); softmax loss still falls by ${r.softmaxDecreaseAfterZero.toExponential(3)} (decreasing at every step: ${r.softmaxAlwaysDecreasing})`)
  console.log(`scores [4, 1, −2], label 0, correct score raised to 5: SVM ${r.nudge.svm[0]} → ${r.nudge.svm[1]}, softmax ${r.nudge.softmax[0].toFixed(5)} → ${r.nudge.softmax[1].toFixed(5)}`)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main()
