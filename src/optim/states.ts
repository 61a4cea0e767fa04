/**
 * Optimizer states as documented types, with constructors from the usual quantities, so a state
 * can be seeded (from another library's moments, or a known step) without knowing the layout.
 * A constructed state is the state `init` and `update` make: `adam(lr).update(g, adamState(…), x)`
 * continues as if `step` updates had produced those moments.
 */
import type { Params } from './params.js'
import type { Counted } from './transforms.js'

/**
 * The state of `scaleByAdam`: the moments m and v (uncorrected, as in Kingma & Ba's Algorithm 1),
 * the update count, the hyperparameters used last, and the products β1ᵗ, β2ᵗ that debias the
 * moments (kept as products so that scheduled betas debias correctly).
 */
export type ScaleByAdamState = Counted<'b1' | 'b2' | 'eps'> & {
  readonly m: Params
  readonly v: Params
  readonly b1Power: number
  readonly b2Power: number
}

/** The state of `adam(learningRate, o)`: its two chained parts, Adam's moments and the learning-rate scaling. */
export type AdamState = readonly [ScaleByAdamState, Counted<'learningRate'>]

/** The usual quantities of an Adam state: the moments after `step` updates (t = step), and the constant hyperparameters. */
export interface AdamStateOptions {
  readonly m: Params
  readonly v: Params
  /** Updates applied so far (t in the paper; 0 for a fresh state). */
  readonly step: number
  readonly learningRate?: number
  readonly b1?: number
  readonly b2?: number
  readonly eps?: number
}

/**
 * The state of `adam(learningRate, { b1, b2, eps })` after `step` updates with constant betas:
 * b1Power = β1^step and b2Power = β2^step, so the next update debiases with 1 − β^(step+1).
 * Throws a RangeError when m and v do not name the same tensors or step is not a whole number ≥ 0.
 */
export function adamState(o: AdamStateOptions): AdamState {
  const { m, v, step, learningRate = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8 } = o
  if (!(Number.isInteger(step) && step >= 0)) throw new RangeError(`adamState: step must be a whole number ≥ 0, got ${step}`)
  const names = Object.keys(m).sort()
  const vNames = Object.keys(v).sort()
  if (names.join('\u0000') !== vNames.join('\u0000')) throw new RangeError(`adamState: m and v must name the same tensors (m: ${names.join(', ')}; v: ${vNames.join(', ')})`)
  for (const k of names)
    if (m[k]!.shape.join(',') !== v[k]!.shape.join(',')) throw new RangeError(`adamState: m['${k}'] has shape [${m[k]!.shape.join(',')}], v['${k}'] has [${v[k]!.shape.join(',')}]`)
  return [
    { count: step, hyperparams: { b1, b2, eps }, m, v, b1Power: b1 ** step, b2Power: b2 ** step },
    { count: step, hyperparams: { learningRate } },
  ]
}
