/**
 * The SVM-vs-softmax panel's numbers: three classes in 2-D, scores s = x·W + b (W [2, 3], b [3]),
 * plus an optional nudge added to each example's correct-class score, and both losses with their
 * per-example terms from the library (nn.svmMargins / svmLoss, nn.softmaxCrossEntropyPerExample /
 * softmaxCrossEntropy), compiled once. Pure apart from that compiled function.
 */
import { Tensor as T, compile, input, matmul, add, mul, broadcastTo, reshape, oneHot, sum, nn, type CompiledFn } from '../../src/index.js'

export interface LinearState {
  /** Points [N][2]. */
  readonly x: readonly (readonly [number, number])[]
  /** Labels in 0..2. */
  readonly y: readonly number[]
  /** W[i][k]: input i's weight in class k's score. */
  readonly W: readonly (readonly [number, number, number])[]
  readonly b: readonly [number, number, number]
  /** Added to each example's correct-class score (0: the plain linear scores). */
  readonly nudge: readonly number[]
}

export interface LinearLosses {
  readonly scores: readonly (readonly number[])[]
  readonly svmTerms: readonly number[]
  readonly softmaxTerms: readonly number[]
  readonly svm: number
  readonly softmax: number
}

/** CS231n's linear-classifier demo data: three points per class, and weights that get most of them right. */
export const initialState: LinearState = {
  x: [[0.5, 0.4], [0.8, 0.3], [0.3, 0.8], [-0.4, 0.3], [-0.3, 0.7], [-0.7, 0.2], [0.7, -0.4], [0.5, -0.6], [-0.4, -0.5]],
  y: [0, 0, 0, 1, 1, 1, 2, 2, 2],
  W: [[2, -2.5, 1], [2, 1, -2.5]],
  b: [0, 0, 0],
  nudge: [0, 0, 0, 0, 0, 0, 0, 0, 0],
}

let fn: CompiledFn | undefined

function lossFunction(): CompiledFn {
  if (fn !== undefined) return fn
  const x = input('x', ['N', 2])
  const y = input('y', ['N'])
  const W = input('W', [2, 3])
  const b = input('b', [3])
  const nudge = input('nudge', ['N'])
  const scores = add(add(matmul(x, W), broadcastTo(b, ['N', 3])), mul(oneHot(y, 3), broadcastTo(reshape(nudge, ['N', 1]), ['N', 3])))
  fn = compile([scores, sum(nn.svmMargins(scores, y), [1]), nn.svmLoss(scores, y), nn.softmaxCrossEntropyPerExample(scores, y), nn.softmaxCrossEntropy(scores, y)])
  return fn
}

/** Scores, per-example terms and mean losses of the state. */
export function linearLosses(s: LinearState): LinearLosses {
  const n = s.y.length
  const [scores, svmTerms, svm, smTerms, sm] = lossFunction().runOrThrow({
    x: T.make([n, 2], s.x.flat()), y: T.make([n], s.y), W: T.make([2, 3], s.W.flat()), b: T.make([3], s.b), nudge: T.make([n], s.nudge),
  })
  return {
    scores: Array.from({ length: n }, (_, i) => Array.from(scores!.data.subarray(3 * i, 3 * i + 3))),
    svmTerms: Array.from(svmTerms!.data), softmaxTerms: Array.from(smTerms!.data), svm: T.item(svm!), softmax: T.item(sm!),
  }
}
