/**
 * Shared fixtures for the optimizer tests: test problems as `params → [loss, grads]`, a walker over
 * every Float64Array inside a value (for purity checks), and a spiral dataset.
 */
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
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
