/**
 * Type-level tests of the optimizer state through training, checked by `tsc --noEmit` (this file is
 * in tsconfig's include). Each `@ts-expect-error` line must fail to compile.
 */
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import { spiral } from '../src/data/datasets.js'
import { dense, relu } from '../src/nn/layers.js'
import { sequential } from '../src/nn/model.js'
import { adam, momentum } from '../src/optim/aliases.js'
import type { AnyGradientTransformation, GradientTransformation, PlainState } from '../src/optim/GradientTransformation.js'
import { train } from '../src/train/loop.js'
import type { TrainState } from '../src/train/TrainState.js'

const model = sequential(dense(2, 4), relu, dense(4, 3))
const data = { train: spiral(R.key(1), { perClass: 4 }) }
export const typedRun = () => {
  // train with Adam returns a TrainState whose optState is Adam's chain of states
  const st = train(model, data, { optimizer: adam(0.01), epochs: 1, batchSize: 4, key: R.key(1) })
  const m: Readonly<Record<string, Tensor>> = st.optState[0].m
  const t: number = st.optState[0].count
  // @ts-expect-error Adam's state has no velocity
  void st.optState[0].velocity
  // @ts-expect-error a momentum run cannot be continued with Adam's state
  train(model, data, { optimizer: momentum(0.1), epochs: 2, batchSize: 4, key: R.key(1) }, st)
  // a checkpointed state knows only that its optimizer state is plain data
  const loaded: TrainState = st
  const p: PlainState = loaded.optState
  return [m, t, p]
}

// every optimizer is an AnyGradientTransformation (a list of kinds, a registry) without `any`
export const list: readonly AnyGradientTransformation[] = [adam(0.01), momentum(0.1)]
// @ts-expect-error a state that is not plain data (a function) is not an optimizer of plain state
export const notPlain: AnyGradientTransformation = {} as GradientTransformation<() => number>
