/**
 * A two-layer tanh net's softmax loss and its gradients for 77 rows of 130 features: big enough that
 * a thread pool splits every product, used by the thread tests to compare 1 and 2 threads' bits.
 */
import * as sg from '../../src/ops/index.js'
import * as R from '../../src/core/Random.js'
import * as T from '../../src/core/Tensor.js'
import { grad } from '../../src/ad/grad.js'

export function twoLayerStep(seed: number) {
  const x = sg.input('x', ['N', 130]), y = sg.input('y', ['N'])
  const W1 = sg.param('W1', [130, 90]), W2 = sg.param('W2', [90, 12])
  const loss = sg.neg(sg.mean(sg.gatherLabel(sg.logSoftmax(sg.matmul(sg.tanh(sg.matmul(x, W1)), W2)), y)))
  const gs = grad(loss, { W1, W2, x })
  const k = R.key(seed)
  return {
    outs: [loss, gs.W1, gs.W2, gs.x],
    bindings: {
      x: R.normal(R.foldIn(k, 1), [77, 130]), W1: R.normal(R.foldIn(k, 2), [130, 90], 0.1), W2: R.normal(R.foldIn(k, 3), [90, 12], 0.1),
      y: T.make([77], Array.from({ length: 77 }, (_, i) => i % 12)),
    },
  }
}
