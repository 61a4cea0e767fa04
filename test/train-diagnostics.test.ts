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
  checkDeadRelus, checkDivergence, checkInitialLoss, checkLossDecrease, checkUpdateRatios, deadRelus, diagnoseRun, expectedInitialLoss, initialLoss, initialPlateau, overfitTiny,
} from '../src/train/diagnostics.js'
import { sigmoid } from '../src/nn/kinds/activation.js'
import { sgd } from '../src/optim/aliases.js'
import { train } from '../src/train/loop.js'
import { buildPrograms } from '../src/train/programs.js'
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

  it('in a run\'s float32 programs (as the command line runs them): the same verdicts, the loss within float32 rounding', () => {
    const ds = spiral(R.key(0), { classes: 3, perClass: 100 })
    const model = mlp([2, 50, 3])
    const { params, state } = model.init(R.key(3))
    const f32 = buildPrograms(model, 'softmax', { kind: 'none' }, { dtype: 'float32' })
    const l64 = initialLoss(model, params, state, ds, 'softmax')
    const l32 = initialLoss(model, params, state, ds, 'softmax', undefined, f32)
    expect(l32).not.toBe(l64)
    expect(Math.abs(l32 - l64)).toBeLessThan(1e-5 * l64)
    const r = overfitTiny(model, ds, { optimizer: adam(0.02), key: R.key(2), epochs: 300, programs: f32 })
    expect(r.ok).toBe(true)
    expect(r.steps).toBe(300)
    const killed = { ...params, 'dense0.b': T.fill([50], -100) }
    expect(deadRelus(model, killed, state, ds, undefined, { dtype: 'float32' })).toEqual(deadRelus(model, killed, state, ds))
    expect(deadRelus(model, params, state, ds, undefined, { dtype: 'float32' })).toEqual([{ layer: 'relu0', units: 50, dead: 0 }])
  })
})

describe('honest verdicts: the whole curve, advice that fits the setup, one story per step', () => {
  const withLoss = (loss: number[], ratios: Record<string, number> = { 'dense0.W': 1e-3 }): History => ({
    loss, dataLoss: loss, learningRate: loss.map(() => 0.1), epochs: [],
    ratio: Object.fromEntries(Object.entries(ratios).map(([k, r]) => [k, loss.map(() => r)])),
  })
  // learning rate 50: 1.1 at init, 1e6 within a few steps, partly back (882) at the end
  const blowUp = withLoss(seq((i) => (i === 0 ? 1.1 : i < 5 ? 1e6 : 882 + 3000 * Math.exp(-i / 10))))

  it('a run that blew up and came partly back is not ok, whatever its first and last windows say', () => {
    const c = checkLossDecrease(blowUp, 20)
    expect(c.ok).toBe(false)
    expect(c.message).toMatch(/^loss 1\.1 at step 1 → 88\d(\.\d+)? over the last 20 steps \(×\d+/)
    expect(c.message).toContain('diverged: learning rate likely too high')
    expect(checkDivergence(blowUp).ok).toBe(false)
  })
  it('a blow-up that came all the way back is still flagged; a loss that ends above its start too', () => {
    const back = withLoss(seq((i) => (i === 0 ? 2 : i < 5 ? 500 : 0.1)))
    expect(checkLossDecrease(back)).toMatchObject({ ok: false, message: expect.stringContaining('rose from 2 to 500 at step 2') })
    const up = withLoss(seq((i) => 1 + i / 100))
    expect(checkLossDecrease(up)).toMatchObject({ ok: false, message: expect.stringContaining('ends above its start') })
  })
  it('a run that stopped on a non-finite value is never ticked for its loss, however few or tame its steps', () => {
    const short = { ...nanRun, history: history([2.3, 2.2, 2.1, 2.0], 0.5) }
    const [, few] = diagnoseRun({ ...short, history: { ...short.history, loss: [2.3, 2.2, 2.1, 2.0] } }, weights)
    expect(few).toMatchObject({ ok: false })
    const [, trend] = diagnoseRun({ ...nanRun, history: { ...nanRun.history, loss: seq((i) => 2.3 - i / 100) } }, weights)
    expect(trend).toMatchObject({ ok: false, message: expect.stringContaining('then training stopped on a non-finite value at step 200') })
  })
  it('a non-finite loss anywhere is never ok', () => {
    const nan = withLoss(seq((i) => (i === 150 ? NaN : 2 - i / 200)))
    expect(checkLossDecrease(nan)).toMatchObject({ ok: false, message: expect.stringContaining('loss NaN at step 151') })
    expect(checkDivergence(withLoss([1, Infinity, 1])).ok).toBe(false)
  })
  it('a healthy curve is ok, and says where it went from and to', () => {
    expect(checkLossDecrease(healthy.history)).toMatchObject({ ok: true, message: 'loss 2.4 at step 1 → 0.147 over the last 10 steps (−93.9%): ok' })
  })

  it('a long plateau at the start, then a drop (the bad-initialization curve), is flagged as the init, not ticked', () => {
    const curve = seq((i) => (i < 120 ? 1.0986 + 1e-4 * Math.sin(i) : 1.0986 * Math.exp(-(i - 120) / 40)))
    expect(initialPlateau(curve)).toBe(121)
    const h = withLoss(curve, { 'dense0.W': 0.02, 'dense1.W': 0.03 })
    expect(checkLossDecrease(h, { init: 'small' })).toMatchObject({ ok: false, message: expect.stringContaining('only after a plateau of 121 steps at its start — likely the small initialization') })
    for (const c of checkUpdateRatios(h, ['dense0.W', 'dense1.W'], { init: 'small' })) expect(c.message).not.toContain('learning rate likely too high')
    // a steady slow decline is no plateau (a low learning rate), nor is a curve that falls at once
    expect(initialPlateau(seq((i) => 1.08 - 4e-4 * i))).toBe(0)
    expect(initialPlateau(healthy.history.loss)).toBe(0)
  })

  it('dead ReLUs: he init is suggested only when it is not in use', () => {
    const dead = [{ layer: 'relu0', units: 32, dead: 0.9 }]
    expect(checkDeadRelus(dead)[0]!.message).toContain('or he init')
    expect(checkDeadRelus(dead, 0.5, { init: 'xavier' })[0]!.message).toContain('or he init')
    const he = checkDeadRelus(dead, 0.5, { init: 'he' })[0]!
    expect(he.ok).toBe(false)
    expect(he.message).not.toContain('he init')
    expect(he.message).toContain('try a smaller learning rate')
  })

  it('ratios too small in one layer and too large in another blame the init, never the rate both ways', () => {
    const h = withLoss(seq((i) => 1.1 - i / 1e5), { 'dense0.W': 1e-6, 'dense1.W': 1e-3, 'dense2.W': 0.05 })
    const ws = ['dense0.W', 'dense1.W', 'dense2.W']
    const checks = [checkLossDecrease(h, { init: 'small', weights: ws }), ...checkUpdateRatios(h, ws, { init: 'small' })]
    const text = checks.map((c) => c.message).join('\n')
    expect(text).not.toContain('learning rate likely too low')
    expect(text).not.toContain('learning rate likely too high')
    expect(checks[0]!.message).toContain('a plateau although dense1.W, dense2.W move')
    expect(checks[1]!.message).toContain('too small (dense0.W too small, dense2.W too large) — not the learning rate: likely the small initialization')
    // with he init already in use, the advice is not 'try he init'
    expect(checkUpdateRatios(h, ws, { init: 'he' })[0]!.message).toContain('saturating or dead units under he init')
  })

  it('the sigmoid with small init on the spiral (SGD, lr 1): no check at step 100 says the rate is both too low and too high', () => {
    const ds = spiral(R.key(1), { classes: 3, perClass: 100, noise: 0.2 })
    const model = mlp([2, 32, 32, 3], { activation: sigmoid, init: 'small' })
    const st = train(model, { train: ds },
      { optimizer: sgd(1), epochs: 100, batchSize: 300, key: R.key(1), regularization: { kind: 'none' }, evalTrainSize: 300 })
    const checks = [checkLossDecrease(st.history, { window: 20, init: 'small', weights: model.weights() }), ...checkUpdateRatios(st.history, model.weights(), { init: 'small' })]
    const text = checks.filter((c) => !c.ok).map((c) => c.message).join('\n')
    expect(text.includes('likely too low') && text.includes('likely too high')).toBe(false)
    expect(text).toContain('small initialization')
  })
})

describe("train's evaluate: 'lastEpoch'", () => {
  it('measures accuracy only after the last epoch, the same value every-epoch measuring gives, and the same parameters', () => {
    const ds = spiral(R.key(1), { classes: 3, perClass: 30, noise: 0.2 })
    const model = mlp([2, 8, 3])
    const config = { optimizer: sgd(0.5), epochs: 6, batchSize: 90, key: R.key(2), regularization: { kind: 'none' as const }, evalTrainSize: 90 }
    const every = train(model, { train: ds, validation: ds }, config)
    const last = train(model, { train: ds, validation: ds }, { ...config, evaluate: 'lastEpoch' })
    expect(last.history.epochs.map((e) => e.trainAccuracy).slice(0, 5).every(Number.isNaN)).toBe(true)
    expect(last.history.epochs[5]!.trainAccuracy).toBe(every.history.epochs[5]!.trainAccuracy)
    expect(last.history.epochs[5]!.validationAccuracy).toBe(every.history.epochs[5]!.validationAccuracy)
    expect(Number.isFinite(every.history.epochs[5]!.trainAccuracy)).toBe(true)
    expect(last.params).toEqual(every.params)
    expect(last.history.loss).toEqual(every.history.loss)
  })

  it('is refused beside early stopping (which it would silently disable), and an unknown value is refused', () => {
    const ds = spiral(R.key(1), { classes: 3, perClass: 10, noise: 0.2 })
    const config = { optimizer: sgd(0.5), epochs: 2, batchSize: 30, key: R.key(2) }
    expect(() => train(mlp([2, 4, 3]), { train: ds, validation: ds }, { ...config, evaluate: 'lastEpoch', earlyStopping: { patience: 1 } })).toThrow(
      "train: earlyStopping needs validation accuracy after every epoch, and evaluate: 'lastEpoch' measures only the last: drop one of them",
    )
    expect(() => train(mlp([2, 4, 3]), { train: ds }, { ...config, evaluate: 'sometimes' as never })).toThrow(`train: evaluate must be 'everyEpoch' or 'lastEpoch', got "sometimes"`)
  })
})
