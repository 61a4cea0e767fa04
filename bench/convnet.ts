/**
 * The small convnet of bench:conv as a symgrad graph, and its initial weights shared by every peer:
 *   28×28×1 → conv 5×5×8 → ReLU → maxpool 2 → conv 5×5×16 → ReLU → maxpool 2 → dense 10
 * (no padding: 28 → 24 → 12 → 8 → 4; 4·4·16 = 256 features into the dense layer).
 */
import type { Expr } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import * as sg from '../src/ops/index.js'

export const convShapes = {
  'conv0.W': [8, 1, 5, 5], 'conv0.b': [8],
  'conv1.W': [16, 8, 5, 5], 'conv1.b': [16],
  'dense.W': [256, 10], 'dense.b': [10],
} as const
export type ConvParam = keyof typeof convShapes

/** He-normal weights (std √(2/fan_in)) and zero biases from a fixed key. */
export function convInit(seed = 7): Record<ConvParam, Float64Array> {
  const out = {} as Record<ConvParam, Float64Array>
  Object.entries(convShapes).forEach(([k, s], i) => {
    const shape = s as readonly number[]
    const n = shape.reduce((a, b) => a * b, 1)
    if (k.endsWith('.b')) out[k as ConvParam] = new Float64Array(n)
    else {
      const fanIn = k === 'dense.W' ? 256 : shape[1]! * shape[2]! * shape[3]!
      out[k as ConvParam] = R.normal(R.foldIn(R.key(seed), i), [n]).data.map((v) => v * Math.sqrt(2 / fanIn))
    }
  })
  return out
}

/** Scores [N, 10] of x [N, 1, 28, 28], and the parameter leaves. */
export function convGraph(x: Expr): { scores: Expr; params: Record<ConvParam, Expr> } {
  const params = Object.fromEntries(Object.entries(convShapes).map(([k, s]) => [k, sg.param(k, s)])) as unknown as Record<ConvParam, Expr>
  const block = (h: Expr, l: 0 | 1) => {
    const z = sg.conv2d(h, params[`conv${l}.W`])
    const f = z.shape[1] as number
    return sg.maxPool2d(sg.relu(sg.add(z, sg.reshape(params[`conv${l}.b`], [f, 1, 1]))), { window: 2 })
  }
  const h = block(block(x, 0), 1)
  const flat = sg.reshape(h, [x.shape[0]!, 256])
  return { scores: sg.add(sg.matmul(flat, params['dense.W']), params['dense.b']), params }
}
