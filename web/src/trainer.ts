/**
 * The classifier panel's training, run inside a Web Worker: the library's training loop (a
 * resumable fold) advanced a few steps at a time; after each chunk, the new losses, accuracies,
 * the decision boundary sampled on a grid, and the babysitting checks (lectures 5–6) that changed.
 * Pure functions of the run; the worker file only wires messages.
 */
import { Random, nn, optim, train } from '../../src/index.js'
import * as E from 'fp-ts/lib/Either.js'
import { readRunForm } from './runFields.js'
import { toyData, type ToyName } from './toyData.js'

export interface RunSettings {
  readonly data: ToyName
  readonly hidden: readonly number[]
  readonly activation: 'relu' | 'tanh' | 'sigmoid' | 'leakyRelu'
  readonly init: 'he' | 'xavier' | 'small'
  /** A standardize layer in front, fitted on the training points (its std0.mean, std0.std are state, not parameters). */
  readonly standardize: boolean
  readonly batchNorm: boolean
  /** Dropout keep probability after each hidden layer (1: none). */
  readonly keep: number
  readonly optimizer: 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam'
  readonly lr: number
  readonly l2: number
  readonly seed: number
  readonly maxSteps: number
}

export const defaultSettings: RunSettings = {
  data: 'spiral', hidden: [32, 32], activation: 'relu', init: 'he', standardize: false, batchNorm: false, keep: 1,
  optimizer: 'adam', lr: 0.01, l2: 1e-4, seed: 1, maxSteps: 2000,
}

export interface Warning {
  readonly step: number
  readonly ok: boolean
  readonly text: string
}

export interface Progress {
  readonly type: 'progress'
  readonly step: number
  /** Losses of the steps since the previous message. */
  readonly losses: readonly number[]
  readonly trainAccuracy: number
  readonly validationAccuracy: number
  /** The most probable class and its probability on a grid over the data, row 0 at the top. */
  readonly boundary: train.Boundary
  readonly warnings: readonly Warning[]
  readonly done: boolean
}

export interface Points {
  readonly type: 'points'
  readonly x: Float64Array
  readonly y: Float64Array
  readonly classes: number
}

const activations = { relu: nn.relu, tanh: nn.tanh, sigmoid: nn.sigmoid, leakyRelu: nn.leakyRelu(0.01) } as const

function optimizer(s: RunSettings): optim.AnyGradientTransformation {
  const o = { sgd: optim.sgd, momentum: optim.momentum, nesterov: optim.nesterov, adagrad: optim.adagrad, rmsprop: optim.rmsprop, adam: optim.adam }[s.optimizer]
  return o(s.lr)
}

export interface Run {
  readonly points: Points
  /** Advances `steps` steps; undefined once the run has finished. */
  next(steps: number): Progress | undefined
}

/** A training run of the settings; `next` advances it chunk by chunk. */
export function startRun(s: RunSettings, grid = 64): Run {
  const { train: ds, validation } = toyData(s.data, s.seed)
  const net = nn.mlp([2, ...s.hidden, ds.classes], {
    activation: activations[s.activation], init: s.init, batchNorm: s.batchNorm, ...(s.keep < 1 ? { keep: s.keep } : {}),
  })
  const model = s.standardize ? nn.withPreprocessing(net, nn.standardize()) : net
  const regularization = s.l2 > 0 ? { kind: 'l2' as const, lambda: s.l2 } : { kind: 'none' as const }
  const programs = train.buildPrograms(model, 'softmax', regularization)
  const size = ds.y.data.length
  const config = { optimizer: optimizer(s), epochs: s.maxSteps, batchSize: size, key: Random.key(s.seed), regularization, programs, evalTrainSize: size }
  let state: train.TrainState | undefined
  let sent = 0
  const warnings: Warning[] = []
  const seen = new Map<string, boolean>()
  let diverged = false
  const note = (step: number, c: train.Check): void => {
    // a check is reported when it first appears and whenever it flips between ok and not ok; once
    // the run has diverged, nothing more is ticked
    if (seen.get(c.name) === c.ok || (diverged && c.ok)) return
    seen.set(c.name, c.ok)
    warnings.push({ step, ok: c.ok, text: c.message })
  }
  return {
    points: { type: 'points', x: ds.x.data, y: ds.y.data, classes: ds.classes },
    next(steps) {
      if (state !== undefined && state.status !== 'running') return undefined
      state = train.train(model, { train: ds, validation }, { ...config, maxSteps: Math.min(s.maxSteps, (state?.step ?? 0) + steps) }, state)
      const h = state.history
      const last = h.epochs.at(-1)
      const step = state.step
      if (sent === 0 && h.dataLoss.length > 0) note(1, train.checkInitialLoss(h.dataLoss[0]!, 'softmax', ds.classes))
      if (state.status === 'nonFinite') note(step, train.checkFinite(state))
      // full batch: no sampling noise, so a loss above twice its start is already a divergence; reported
      // once it happens, and it stays reported (a run that blew up is never ticked afterwards)
      const divergence = train.checkDivergence(h, 2)
      if (!divergence.ok) note(step, divergence)
      diverged ||= !divergence.ok || state.status === 'nonFinite'
      const setup = { init: s.init }
      if (step >= 100 && step % 100 < steps) {
        note(step, train.checkLossDecrease(h, { window: 20, weights: model.weights(), ...setup }))
        const dead = s.activation === 'relu' ? train.checkDeadRelus(train.deadRelus(model, state.params, state.modelState, ds), 0.5, setup) : []
        // a layer of dead units passes no gradient: tiny updates then mean a dead network, not a low learning rate
        const deadNet = dead.some((c) => !c.ok)
        for (const c of train.checkUpdateRatios(h, model.weights(), setup)) if (c.info !== true && !(deadNet && c.message.includes('too small'))) note(step, c)
        for (const c of dead) note(step, c)
      }
      // a train/validation gap says nothing about a run that diverged
      if (!diverged && last !== undefined && step >= 200) {
        const gap = train.checkGeneralizationGap(h)
        if (gap !== undefined) note(step, gap)
      }
      const st = state
      const boundary = train.decisionBoundary(ds, (x) => programs.predict(st.params, st.modelState, x), grid)
      const losses = h.loss.slice(sent)
      sent = h.loss.length
      return {
        type: 'progress', step, losses,
        trainAccuracy: last?.trainAccuracy ?? NaN, validationAccuracy: last?.validationAccuracy ?? NaN,
        boundary, warnings: [...warnings],
        done: state.status !== 'running' || step >= s.maxSteps,
      }
    },
  }
}

/**
 * Settings decoded from a message, by the form's own rules (runFields.ts): anything the page would
 * refuse is refused here too, with its one line, never replaced by a default.
 */
export function settingsFrom(o: Partial<Record<keyof RunSettings, unknown>>): RunSettings {
  const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : Array.isArray(v) ? v.map(String).join(',') : '')
  const seed = o.seed ?? defaultSettings.seed
  const maxSteps = o.maxSteps ?? defaultSettings.maxSteps
  if (!Number.isSafeInteger(seed) || (seed as number) < 0) throw new Error(`seed: expected a non-negative integer, got ${str(seed)}`)
  if (!Number.isSafeInteger(maxSteps) || (maxSteps as number) < 1 || (maxSteps as number) > 100_000) throw new Error(`maxSteps: expected an integer in 1..100000, got ${str(maxSteps)}`)
  const r = readRunForm({
    data: str(o.data), hidden: str(o.hidden), activation: str(o.activation), init: str(o.init), standardize: o.standardize === true, batchNorm: o.batchNorm === true,
    keep: str(o.keep), optimizer: str(o.optimizer), lr: str(o.lr), l2: str(o.l2),
  }, { seed: seed as number, maxSteps: maxSteps as number })
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
