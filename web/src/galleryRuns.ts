/**
 * The babysitting gallery's runs: small trainings on the spiral, each set up to give one classic
 * loss-curve shape (lectures 5–6; lossfunctions.tumblr.com), and the library's own diagnosis of
 * each: the initial loss against log C, diagnoseRun (finite, loss decrease, update/weight ratios)
 * and, for ReLU nets, dead units. Nothing here decides what a curve means; the checks do. Pure.
 */
import { Data, Random, nn, optim, train } from '../../src/index.js'
import type { Dataset } from '../../src/index.js'

export interface GalleryRun {
  readonly id: string
  readonly title: string
  /** What the settings are meant to show, in the lecture's words. */
  readonly shape: string
  readonly hidden: readonly number[]
  readonly activation: 'relu' | 'tanh'
  readonly init: nn.InitScheme
  readonly optimizer: 'sgd' | 'adam'
  readonly lr: number
  readonly steps: number
  /** Training examples; the rest of the spiral's 300 points validate. */
  readonly trainSize: number
  /** Minibatch size (the training set's size: full batch). */
  readonly batchSize: number
}

export const gallerySeed = 3

export const galleryRuns: readonly GalleryRun[] = [
  { id: 'good', title: 'A good run (for comparison)', shape: 'fast at first, then a slow, steady decline', hidden: [32, 32], activation: 'relu', init: 'he', optimizer: 'adam', lr: 0.01, steps: 200, trainSize: 200, batchSize: 200 },
  { id: 'high', title: 'Learning rate too high', shape: 'the loss drops, then jumps around well above where it could be', hidden: [32, 32], activation: 'relu', init: 'he', optimizer: 'sgd', lr: 3, steps: 200, trainSize: 200, batchSize: 200 },
  { id: 'low', title: 'Learning rate too low', shape: 'the loss falls almost linearly, far too slowly', hidden: [32, 32], activation: 'relu', init: 'he', optimizer: 'sgd', lr: 2e-3, steps: 200, trainSize: 200, batchSize: 200 },
  { id: 'plateau', title: 'Bad initialization', shape: 'a long plateau at log C, then a sudden drop', hidden: [32, 32], activation: 'tanh', init: 'small', optimizer: 'sgd', lr: 1, steps: 300, trainSize: 200, batchSize: 200 },
  { id: 'overfit', title: 'Overfitting', shape: 'training accuracy far above validation accuracy (30 training points, no regularization)', hidden: [64, 64], activation: 'relu', init: 'he', optimizer: 'adam', lr: 0.02, steps: 200, trainSize: 30, batchSize: 30 },
  { id: 'nan', title: 'NaN', shape: 'the loss explodes to a non-finite value and training stops (6 ReLU layers, SGD at 100)', hidden: [32, 32, 32, 32, 32, 32], activation: 'relu', init: 'he', optimizer: 'sgd', lr: 100, steps: 200, trainSize: 200, batchSize: 200 },
]

export interface GalleryResult {
  readonly run: GalleryRun
  readonly state: train.TrainState
  readonly checks: readonly train.Check[]
  /** Per epoch: train and validation accuracy. */
  readonly trainAccuracy: readonly number[]
  readonly validationAccuracy: readonly number[]
}

/** The spiral's 3 × 100 points split by a fixed permutation: the first `trainSize` train, the rest validate. */
export function galleryData(trainSize: number): { train: Dataset; validation: Dataset } {
  const all = Data.spiral(Random.key(gallerySeed), { classes: 3, perClass: 100, noise: 0.2 })
  const order = Random.permutation(Random.key(gallerySeed + 1), Data.datasetSize(all))
  return { train: Data.take(all, order.subarray(0, trainSize), 'spiral train'), validation: Data.take(all, order.subarray(trainSize), 'spiral validation') }
}

export function galleryModel(r: GalleryRun): train.AnyModel {
  return nn.mlp([2, ...r.hidden, 3], { activation: r.activation === 'relu' ? nn.relu : nn.tanh, init: r.init })
}

export function galleryConfig(r: GalleryRun): train.TrainConfig {
  return {
    optimizer: (r.optimizer === 'sgd' ? optim.sgd : optim.adam)(r.lr) as optim.AnyGradientTransformation,
    epochs: Math.ceil((r.steps * r.batchSize) / r.trainSize), batchSize: r.batchSize, key: Random.key(gallerySeed), evalTrainSize: r.trainSize,
  }
}

/** The library's checks of a finished (or stopped) run. */
export function diagnose(r: GalleryRun, model: train.AnyModel, state: train.TrainState, ds: Dataset): train.Check[] {
  const first = state.history.dataLoss[0]
  const initial = first === undefined ? [] : [train.checkInitialLoss(first, 'softmax', ds.classes)]
  // the run's init, so advice never suggests the init already in use
  const setup = typeof r.init === 'string' ? { init: r.init } : {}
  const dead = r.activation === 'relu' && state.status !== 'nonFinite' ? train.checkDeadRelus(train.deadRelus(model, state.params, state.modelState, ds), 0.5, setup) : []
  return [...initial, ...train.diagnoseRun(state, model.weights(), setup), ...dead]
}

/** A run advanced `chunk` steps at a time (so a page can draw between chunks); `next` returns undefined once finished. */
export function startGalleryRun(r: GalleryRun): { next(chunk: number): GalleryResult | undefined } {
  const model = galleryModel(r)
  const data = galleryData(r.trainSize)
  const config = galleryConfig(r)
  const programs = train.buildPrograms(model, 'softmax', { kind: 'none' })
  let state: train.TrainState | undefined
  let finished = false
  return {
    next(chunk) {
      if (finished) return undefined
      state = train.train(model, data, { ...config, programs, maxSteps: Math.min(r.steps, (state?.step ?? 0) + chunk) }, state)
      finished = state.status !== 'running' || state.step >= r.steps
      const epochs = state.history.epochs
      return {
        run: r, state, checks: finished ? diagnose(r, model, state, data.train) : [],
        trainAccuracy: epochs.map((e) => e.trainAccuracy), validationAccuracy: epochs.map((e) => e.validationAccuracy ?? NaN),
      }
    },
  }
}

/** The whole run at once (tests, Node). */
export function runGallery(r: GalleryRun): GalleryResult {
  const run = startGalleryRun(r)
  let last: GalleryResult | undefined
  for (let g = run.next(r.steps); g !== undefined; g = run.next(r.steps)) last = g
  return last!
}
