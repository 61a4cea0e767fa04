/**
 * Babysitting diagnostics on crafted histories (a NaN run, a too-small learning rate, a healthy
 * run) and on real models (initial loss, overfitting 20 examples, dead ReLUs).
 */
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { spiral } from '../src/data/datasets.js'
import { mlp } from '../src/nn/model.js'
import { adam } from '../src/optim/aliases.js'
import {
  checkDeadRelus, checkInitialLoss, checkLossDecrease, checkUpdateRatios, deadRelus, diagnoseRun, expectedInitialLoss, initialLoss, overfitTiny,
} from '../src/train/diagnostics.js'
import type { History, TrainState } from '../src/train/TrainState.js'

const steps = 200
const seq = (f: (i: number) => number) => Array.from({ length: steps }, (_, i) => f(i))

function history(loss: number[], ratio: number): History {
  return {
    loss, dataLoss: loss, learningRate: seq(() => 0.01),
    ratio: { 'dense0.W': seq((i) => ratio * (1 + 0.1 * Math.sin(i))), 'dense0.b': seq(() => ratio * 2) },
    epochs: [],
  }
}

/** The weights as a model declares them (`model.weights()` gives a record of the same names). */
const weights = ['dense0.W']

const healthy: Pick<TrainState, 'status' | 'nonFinite' | 'history'> = { status: 'done', history: history(seq((i) => 2.3 * Math.exp(-i / 50) + 0.1), 1e-3) }
const tooSmall: Pick<TrainState, 'status' | 'nonFinite' | 'history'> = { status: 'done', history: history(seq((i) => 2.3026 - 1e-6 * i), 1e-6) }
const nanRun: Pick<TrainState, 'status' | 'nonFinite' | 'history'> = {
  status: 'nonFinite',
  history: history(seq((i) => 2.3 + i), 0.5),
  nonFinite: { step: 200, epoch: 3, batch: 8, where: 'dense0.W', value: NaN, learningRate: 50, message: "training stopped at step 200 (epoch 3, batch 8): gradient of 'dense0.W' is not finite (NaN); learning rate likely too high (learning rate 50)" },
}

describe('diagnostics on crafted histories', () => {
  it('a healthy run passes every check', () => {
    const checks = diagnoseRun(healthy, weights)
    expect(checks.map((c) => c.ok)).toEqual([true, true, true, true])
    expect(checks[2]!.message).toBe('dense0.W: update/weight ratio 1.0e-3 (rule of thumb ~1.0e-3): ok')
  })

  it('a too-small learning rate: flat loss and tiny update ratios, each naming the cause', () => {
    const [finite, decrease, ...ratios] = diagnoseRun(tooSmall, weights)
    expect(finite!.ok).toBe(true)
    expect(decrease!.ok).toBe(false)
    expect(decrease!.message).toContain('learning rate likely too low')
    expect(ratios[0]!.ok).toBe(false)
    expect(ratios[0]!.message).toContain('too small — learning rate likely too low')
    expect(ratios[1]!).toMatchObject({ ok: true, info: true, message: expect.stringContaining('not a weight, for information') })
  })

  it('a NaN run: the finite check carries the stop message; big ratios say the rate is too high', () => {
    const checks = diagnoseRun(nanRun, weights)
    expect(checks[0]!.ok).toBe(false)
    expect(checks[0]!.message).toContain('step 200')
    expect(checks[0]!.message).toContain("'dense0.W'")
    expect(checks[0]!.message).toContain('learning rate likely too high')
    expect(checkUpdateRatios(nanRun.history, weights)[0]!.message).toContain('too large — learning rate likely too high')
  })

  it('loss decrease needs enough steps to judge', () => {
    expect(checkLossDecrease({ ...healthy.history, loss: [1, 2, 3] }).message).toContain('too few')
  })
})

describe('initial loss', () => {
  it('expected values: log C for softmax, C − 1 for SVM', () => {
    expect(expectedInitialLoss('softmax', 10)).toBeCloseTo(Math.log(10), 15)
    expect(expectedInitialLoss('svm', 10)).toBe(9)
  })

  it('small init gives ≈ log C and ≈ C − 1; a large init is flagged with its likely cause', () => {
    const ds = spiral(R.key(0), { classes: 4, perClass: 50 })
    const small = mlp([2, 30, 4], { init: 'small' })
    const { params, state } = small.init(R.key(1))
    const soft = initialLoss(small, params, state, ds, 'softmax')
    expect(checkInitialLoss(soft, 'softmax', 4).ok).toBe(true)
    expect(Math.abs(soft - Math.log(4))).toBeLessThan(1e-3)
    const svm = initialLoss(small, params, state, ds, 'svm')
    expect(Math.abs(svm - 3)).toBeLessThan(1e-2)
    expect(checkInitialLoss(svm, 'svm', 4).ok).toBe(true)
    const big = mlp([2, 30, 4], { init: { std: 30 } })
    const b = big.init(R.key(1))
    const c = checkInitialLoss(initialLoss(big, b.params, b.state, ds, 'softmax'), 'softmax', 4)
    expect(c.ok).toBe(false)
    expect(c.message).toContain('too high')
    expect(c.message).toContain('weights too large at init')
    expect(checkInitialLoss(0.1, 'softmax', 10).message).toContain('too low')
  })
})

describe('overfitTiny and dead ReLUs', () => {
  it('a two-layer net overfits 20 spiral points to 100%', () => {
    const ds = spiral(R.key(0), { classes: 3, perClass: 100 })
    const r = overfitTiny(mlp([2, 50, 3]), ds, { optimizer: adam(0.02), key: R.key(2), epochs: 300 })
    expect(r.ok).toBe(true)
    expect(r.trainAccuracy).toBe(1)
    expect(r.examples).toBe(20)
    expect(r.message).toContain('100.0%')
  })

  it('a linear model cannot overfit a spiral: reported as not reaching 100%', () => {
    const ds = spiral(R.key(0), { classes: 3, perClass: 100 })
    const r = overfitTiny(mlp([2, 3]), ds, { optimizer: adam(0.05), key: R.key(2), examples: 60, epochs: 100 })
    expect(r.ok).toBe(false)
    expect(r.message).toContain('likely wrong')
  })

  it('a large negative bias kills every unit; a fresh layer has none dead', () => {
    const ds = spiral(R.key(0), { classes: 3, perClass: 50 })
    const model = mlp([2, 16, 3])
    const { params, state } = model.init(R.key(3))
    const fresh = deadRelus(model, params, state, ds)
    expect(fresh).toEqual([{ layer: 'relu0', units: 16, dead: 0 }])
    const killed = deadRelus(model, { ...params, 'dense0.b': T.fill([16], -100) }, state, ds)
    expect(killed[0]!.dead).toBe(1)
    const [c] = checkDeadRelus(killed)
    expect(c!.ok).toBe(false)
    expect(c!.message).toContain('100.0% of 16 ReLU units dead')
  })
})
