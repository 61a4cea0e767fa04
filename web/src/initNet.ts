/**
 * The Initialization panel's experiment (lecture 5): a 10-layer net of `width` units on a batch of
 * unit-gaussian inputs, weights drawn by a scheme (small, xavier, he) times a scale the user sets,
 * and the library's activationStats of each hidden layer's output. Pure, apart from the compiled
 * function kept for the next call (see `statsRunner`).
 */
import * as E from 'fp-ts/lib/Either.js'
import { Random, compile, nn, type CompiledFn, type Expr, type Bindings, type SymgradError, Tensor as T } from '../../src/index.js'

type Tensor = T.Tensor

export interface InitSettings {
  readonly activation: 'tanh' | 'relu'
  readonly init: 'small' | 'xavier' | 'he'
  /** Multiplies the scheme's standard deviation. */
  readonly scale: number
}

export const initExperiment = { depth: 10, width: 200, batch: 500, seed: 5, bins: 40 } as const

/** The weights' standard deviation: the scheme's for fan_in = width, times the scale. */
export function weightStd(s: InitSettings): number {
  return s.scale * nn.initStd(s.init, initExperiment.width)
}

export function initModel(s: InitSettings): ReturnType<typeof nn.sequential> {
  const w = initExperiment.width
  const layers: nn.LayerSpec[] = []
  for (let i = 0; i < initExperiment.depth; i++) layers.push(nn.dense(w, w, { init: { std: weightStd(s) } }), s.activation === 'tanh' ? nn.tanh : nn.relu)
  return nn.sequential(...layers)
}

/** The input batch [batch, width], N(0, 1), from the experiment's seed. */
export function initInput(): Tensor {
  return Random.normal(Random.foldIn(Random.key(initExperiment.seed), 1), [initExperiment.batch, initExperiment.width])
}

export type Runner = (exprs: readonly Expr[], b: Bindings) => E.Either<SymgradError, Tensor[]>

/**
 * A runner for activationStats that compiles once per activation: the graph of a given activation
 * is the same whatever the scale (the scale is in the weights, which are bound, not built in).
 */
export function statsRunner(): (activation: InitSettings['activation']) => Runner {
  const fns = new Map<string, CompiledFn>()
  return (activation) => (exprs, b) => {
    let fn = fns.get(activation)
    if (fn === undefined) fns.set(activation, (fn = compile(exprs)))
    return fn(b)
  }
}

/** Per hidden layer (after the nonlinearity): mean, std and a histogram (tanh on [−1, 1]; ReLU on the layer's range). */
export function initStats(s: InitSettings, x: Tensor, run?: Runner): E.Either<SymgradError, nn.LayerStats[]> {
  const model = initModel(s)
  const { params, state } = model.init(Random.foldIn(Random.key(initExperiment.seed), 0))
  return nn.activationStats(model, params, state, x, {
    only: (k) => k === s.activation, bins: initExperiment.bins,
    ...(s.activation === 'tanh' ? { range: [-1, 1] as const } : {}),
    ...(run !== undefined ? { run } : {}),
  })
}
