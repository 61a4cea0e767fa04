/**
 * Shared fixtures for the optimizer tests: test problems as `params → [loss, grads]`, a walker over
 * every Float64Array inside a value (for purity checks), and a spiral dataset.
 */
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as R from '../src/core/Random.js'
import type { Params } from '../src/optim/params.js'
import type { Objective } from '../src/optim/lbfgs.js'

export interface Problem {
  readonly name: string
  readonly objective: Objective
  readonly x0: Params
}

/** f = ½(a·x² + b·y²): a bowl whose curvatures differ by a factor b/a = 100. */
export function bowl(a = 1, b = 100): Problem {
  return {
    name: `bowl(${a}, ${b})`,
    x0: { w: T.of([1, 1]) },
    objective: (p) => {
      const [x, y] = p['w']!.data as unknown as [number, number]
      return [0.5 * (a * x * x + b * y * y), { w: T.of([a * x, b * y]) }]
    },
  }
}

/** Rosenbrock, f = (1−x)² + 100(y−x²)², from (−1.2, 1); minimum 0 at (1, 1). */
export function rosenbrock(): Problem {
  return {
    name: 'rosenbrock',
    x0: { w: T.of([-1.2, 1]) },
    objective: (p) => {
      const [x, y] = p['w']!.data as unknown as [number, number]
      const r = y - x * x
      return [(1 - x) ** 2 + 100 * r * r, { w: T.of([-2 * (1 - x) - 400 * x * r, 200 * r]) }]
    },
  }
}

/** Several parameter tensors at once: f = Σ_k ½ c_k ‖x_k − t_k‖², to exercise multi-key records. */
export function multiKey(): Problem {
  const c = { a: 3, b: 0.5 }
  const t = { a: T.of([[1, -2], [0.5, 3]]), b: T.of([2, -1, 0]) }
  return {
    name: 'multiKey',
    x0: { a: T.zeros([2, 2]), b: T.zeros([3]) },
    objective: (p) => {
      let f = 0
      const g: Record<string, Tensor> = {}
      for (const k of ['a', 'b'] as const) {
        const d = T.sub(p[k]!, t[k])
        f += 0.5 * c[k] * T.dot(d, d)
        g[k] = T.scale(d, c[k])
      }
      return [f, g]
    },
  }
}

/** Every Float64Array reachable from `v`, in a fixed walk order. */
export function arraysIn(v: unknown, out: Float64Array[] = []): Float64Array[] {
  if (v instanceof Float64Array) out.push(v)
  else if (Array.isArray(v)) v.forEach((e) => arraysIn(e, out))
  else if (typeof v === 'object' && v !== null)
    for (const k of Object.keys(v).sort()) arraysIn((v as Record<string, unknown>)[k], out)
  return out
}

/** Byte-exact snapshot of every Float64Array inside `v`. */
export function snapshot(v: unknown): number[][] {
  return arraysIn(v).map((a) => Array.from(a))
}

/** K-arm spiral (CS231n's toy dataset): N points per class in 2-D, noise std `noise`. */
export function spiral(key: R.Key, perClass: number, classes: number, noise = 0.2): { x: Tensor; y: Tensor } {
  const n = perClass * classes
  const eps = R.normalArray(key, n)
  const x = new Float64Array(n * 2)
  const y = new Float64Array(n)
  for (let c = 0; c < classes; c++)
    for (let i = 0; i < perClass; i++) {
      const j = c * perClass + i
      const r = i / (perClass - 1)
      const th = c * 4 + 4 * r + eps[j]! * noise
      x[2 * j] = r * Math.sin(th)
      x[2 * j + 1] = r * Math.cos(th)
      y[j] = c
    }
  return { x: T.make([n, 2], x), y: T.make([n], y) }
}

// ── a tiny MLP on the spiral, trained with src/ops + src/ad/grad + src/eval/evaluate ──
import * as O from '../src/ops/index.js'
import { grad } from '../src/ad/grad.js'
import { evaluateOrThrow, evaluate } from '../src/eval/evaluate.js'
import { adam } from '../src/optim/aliases.js'
import { step } from '../src/optim/GradientTransformation.js'

export interface Mlp {
  readonly params: Params
  /** Class probabilities [N, C] for inputs [N, 2]. */
  readonly predictProba: (x: Tensor) => Tensor
}

/** 2 → hidden (ReLU) → classes MLP, trained full-batch with Adam for `steps` steps from `key`. */
export function trainMlp(key: R.Key, data: { x: Tensor; y: Tensor }, hidden: number, classes: number, steps: number, lr = 0.05): Mlp {
  const x = O.input('x', ['N', 2])
  const y = O.input('y', ['N'])
  const W1 = O.param('W1', [2, hidden])
  const b1 = O.param('b1', [hidden])
  const W2 = O.param('W2', [hidden, classes])
  const b2 = O.param('b2', [classes])
  const scores = O.add(O.matmul(O.relu(O.add(O.matmul(x, W1), b1)), W2), b2)
  const loss = O.mean(O.sub(O.logSumExp(scores, [1]), O.gatherLabel(scores, y)))
  const gs = grad(loss, { W1, b1, W2, b2 })
  const names = ['W1', 'b1', 'W2', 'b2'] as const
  const [k1, k2] = R.split(key, 2)
  let params: Params = {
    W1: R.normal(k1!, [2, hidden], Math.sqrt(2 / 2)),
    b1: T.zeros([hidden]),
    W2: R.normal(k2!, [hidden, classes], Math.sqrt(1 / hidden)),
    b2: T.zeros([classes]),
  }
  const opt = adam(lr)
  let s = opt.init(params)
  for (let i = 0; i < steps; i++) {
    const r = evaluate(names.map((n) => gs[n]), { ...params, x: data.x, y: data.y })
    if (r._tag === 'Left') throw r.left
    const g: Params = Object.fromEntries(names.map((n, j) => [n, r.right[j]!]))
    ;[params, s] = step(opt, params, g, s)
  }
  const proba = O.softmax(scores)
  const final = params
  return { params: final, predictProba: (xs) => evaluateOrThrow(proba, { ...final, x: xs }) }
}
