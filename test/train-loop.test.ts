/**
 * The training loop: a spiral is learned, runs resume bit for bit (dropout and shuffles included),
 * the first non-finite loss stops the run with a message naming the step and the parameter, and
 * the arguments are never written.
 */
import { describe, expect, it } from 'vitest'
import { freeze } from 'immer'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { spiral } from '../src/data/datasets.js'
import { mlp } from '../src/nn/model.js'
import { adam, momentum, sgd } from '../src/optim/aliases.js'
import { train, initTrainState, nonFiniteMessage, type TrainConfig } from '../src/train/loop.js'
import { buildPrograms } from '../src/train/programs.js'
import type { TrainState } from '../src/train/TrainState.js'

const ds = spiral(R.key(0), { classes: 3, perClass: 100 })

function sameParams(a: TrainState['params'], b: TrainState['params']): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => b[k] !== undefined && T.equal(a[k]!, b[k]!))
}

describe('train', () => {
  it('learns the spiral (3 classes, 300 points) to ≥ 95% training accuracy', () => {
    const model = mlp([2, 50, 3])
    const st = train(model, { train: ds }, { optimizer: adam(0.02), epochs: 60, batchSize: 50, key: R.key(1), regularization: { kind: 'l2', lambda: 1e-4 } })
    expect(st.status).toBe('done')
    expect(st.step).toBe(60 * 6)
    const last = st.history.epochs[st.history.epochs.length - 1]!
    expect(last.trainAccuracy).toBeGreaterThanOrEqual(0.95)
    expect(st.history.loss.length).toBe(st.step)
    expect(st.history.ratio['dense0.W']!.length).toBe(st.step)
    expect(st.history.learningRate.every((lr) => lr === 0.02)).toBe(true)
    expect(st.history.loss[st.history.loss.length - 1]!).toBeLessThan(st.history.loss[0]! / 4)
  })

  it('a non-finite update stops the run at once, naming the parameter (a corrupt optimizer state or an overflowing step)', () => {
    const model = mlp([2, 4, 3])
    const nanUpdates = { init: () => null, update: (g: TrainState['params']) => [Object.fromEntries(Object.entries(g).map(([k, t]) => [k, T.map(t, () => NaN)])), null] as const }
    const st = train(model, { train: ds }, { optimizer: nanUpdates as never, epochs: 1, batchSize: 50, key: R.key(3) })
    expect([st.status, st.step]).toEqual(['nonFinite', 0])
    expect(st.nonFinite!.message).toBe("training stopped at step 0 (epoch 0, batch 0): the update of 'dense0.W' is not finite (NaN); the optimizer made it from finite gradients: learning rate too high, or a corrupt optimizer state")
    expect(Object.values(st.params).every((t) => t.data.every(Number.isFinite))).toBe(true)
  })

  it('a finished state given more epochs continues: 1 epoch, then train to 2 = 2 epochs in one go', () => {
    const model = mlp([2, 10, 3])
    const base = { optimizer: momentum(0.05), batchSize: 50, key: R.key(3) } as const
    const one = train(model, { train: ds }, { ...base, epochs: 1 })
    expect(one.status).toBe('done')
    const more = train(model, { train: ds }, { ...base, epochs: 2 }, one)
    const two = train(model, { train: ds }, { ...base, epochs: 2 })
    expect([more.status, more.epoch, more.step]).toEqual(['done', 2, 12])
    expect(sameParams(more.params, two.params)).toBe(true)
    // nothing left to do: the same state, status 'done'
    expect(train(model, { train: ds }, { ...base, epochs: 2 }, two)).toBe(two)
  })

  it('resumes bit for bit: N steps, a copy of the state, M more = N + M steps in one go (with dropout)', () => {
    const model = mlp([2, 20, 3], { keep: 0.7 })
    const base = { optimizer: momentum(0.05), epochs: 3, batchSize: 32, key: R.key(7), regularization: { kind: 'l2', lambda: 1e-3 } } as const
    const programs = buildPrograms(model, 'softmax', base.regularization)
    const whole = train(model, { train: ds, validation: ds }, { ...base, programs })
    // stop in the middle of epoch 1 (10 batches per epoch), save as a deep copy, resume
    const half = train(model, { train: ds, validation: ds }, { ...base, programs, maxSteps: 14 })
    expect(half.status).toBe('running')
    expect([half.step, half.epoch, half.batch]).toEqual([14, 1, 4])
    const saved = structuredClone(half)
    const rest = train(model, { train: ds, validation: ds }, { ...base, programs }, saved)
    expect(rest.status).toBe('done')
    expect(rest.step).toBe(whole.step)
    expect(sameParams(rest.params, whole.params)).toBe(true)
    expect(rest.history).toEqual(whole.history)
    expect(rest.optState).toEqual(whole.optState)
  })

  it('stops at the first non-finite loss, naming the step and the parameter, keeping finite params', () => {
    const model = mlp([2, 20, 3])
    const st = train(model, { train: ds }, { optimizer: sgd(1e200), epochs: 5, batchSize: 30, key: R.key(2) })
    expect(st.status).toBe('nonFinite')
    const nf = st.nonFinite!
    expect(nf.message).toMatch(/^training stopped at step \d+ \(epoch \d+, batch \d+\): /)
    expect(nf.message).toContain('learning rate likely too high (learning rate 1e+200)')
    expect(nf.message).toMatch(/dense\d\.[Wb]/)
    expect(st.step).toBe(nf.step)
    expect(st.history.loss.length).toBe(nf.step)
    expect(Object.values(st.params).every(T.isFinite)).toBe(true)
  })

  it('nonFiniteMessage states step, place, value and cause', () => {
    expect(nonFiniteMessage({ step: 37, epoch: 1, batch: 12, where: 'dense0.W', value: NaN, learningRate: 10 })).toBe(
      "training stopped at step 37 (epoch 1, batch 12): gradient of 'dense0.W' is not finite (NaN); learning rate likely too high (learning rate 10)",
    )
    expect(nonFiniteMessage({ step: 3, epoch: 0, batch: 3, where: 'loss', value: Infinity, learningRate: NaN })).toBe(
      'training stopped at step 3 (epoch 0, batch 3): loss is Infinity; learning rate likely too high',
    )
  })

  it('never writes its arguments (frozen state and data)', () => {
    const model = mlp([2, 10, 3])
    const cfg: TrainConfig = { optimizer: adam(0.01), epochs: 2, batchSize: 64, key: R.key(3) }
    const s0 = initTrainState(model, cfg)
    const before = structuredClone(s0)
    const data = { train: ds }
    const xCopy = ds.x.data.slice()
    freeze(s0, true)
    const st = train(model, data, cfg, s0)
    expect(st.step).toBeGreaterThan(0)
    expect(s0).toEqual(before)
    expect(ds.x.data).toEqual(xCopy)
  })

  it('early stopping returns the best validation epoch', () => {
    const model = mlp([2, 30, 3])
    const st = train(model, { train: ds, validation: ds }, { optimizer: adam(0.02), epochs: 200, batchSize: 100, key: R.key(4), earlyStopping: { patience: 3 } })
    expect(st.status).toBe('earlyStopped')
    const best = st.best!
    const vals = st.history.epochs.map((e) => e.validationAccuracy!)
    expect(best.validationAccuracy).toBe(Math.max(...vals))
    expect(st.history.epochs.length - 1 - best.epoch).toBe(3)
  })
})
