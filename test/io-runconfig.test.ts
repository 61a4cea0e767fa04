/** The run config codec (src/records/runConfig.ts): defaults, one-line messages, round trips, and its training config twin. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { decodeRunConfig, encodeRunConfig } from '../src/records/runConfig.js'
import * as O from '../src/optim/index.js'
import { buildOptimizer, defaultRunConfig, learningRateOf, runSchedules, type RunConfig } from '../src/train/config.js'

const left = (r: E.Either<Error, unknown>) => (E.isLeft(r) ? r.left.message : 'Right')
const right = <A>(r: E.Either<Error, A>): A => {
  if (E.isLeft(r)) throw r.left
  return r.right
}

describe('decodeRunConfig', () => {
  it('lays a partial config over the base and round-trips every field', () => {
    expect(decodeRunConfig({})).toEqual(E.right(defaultRunConfig))
    const c = decodeRunConfig({ optimizer: 'adam', learningRate: 0.002, hidden: [30, 20], data: 'idx:a.idx,b.idx' })
    expect(c).toEqual(E.right({ ...defaultRunConfig, optimizer: 'adam', learningRate: 0.002, hidden: [30, 20], data: 'idx:a.idx,b.idx' }))
    if (E.isRight(c)) expect(decodeRunConfig(JSON.parse(JSON.stringify(encodeRunConfig(c.right))), { base: { ...defaultRunConfig, seed: 99 } })).toEqual(c)
  })

  it('answers bad values with one line naming the field', () => {
    expect(left(decodeRunConfig({ learningRate: -0.1 }))).toBe('config.learningRate: expected a positive number, got -0.1')
    expect(left(decodeRunConfig({ keep: 0 }))).toBe('config.keep: expected a keep probability in (0, 1], got 0')
    expect(left(decodeRunConfig({ l2: -1 }))).toBe('config.l2: expected a non-negative number, got -1')
    expect(left(decodeRunConfig({ foo: 0.1 }))).toBe('unknown field config.foo (known fields: data, hidden, init, loss, optimizer, learningRate, momentum, schedule, decay, decayEvery, epochs, batchSize, l2, keep, shift, preprocess, seed, hyper, clipNorm, maxSteps, patience, evalTrainSize, compiled, activation, batchNorm, dtype, threads, model, examples, freeze, lrMult, layers)')
    expect(left(decodeRunConfig({ batchsize: 32 }))).toBe('unknown field config.batchsize (did you mean batchSize?)')
    expect(left(decodeRunConfig({ lr: 0.1 }))).toBe('unknown field config.lr (did you mean learningRate?)')
    expect(left(decodeRunConfig({ data: 'mnsit' }))).toBe(`config.data: expected 'mnist' | 'mnist-sample' | 'fashion' | 'spiral' | 'xor' | 'idx:<images>,<labels>' | 'cifar:<file>[,<file>…]' | 'csv:<file>', got "mnsit"`)
    expect(left(decodeRunConfig([1]))).toBe('config: expected a run config, got an array of 1')
  })
})

/** The optimizers as the run config built them before they were records (the aliases, called directly). */
const direct = (c: RunConfig, per: number): O.GradientTransformation<O.PlainState> => {
  const lr = learningRateOf(c, per)
  const byName: Record<string, () => unknown> = {
    sgd: () => O.sgd(lr), momentum: () => O.momentum(lr, c.momentum), nesterov: () => O.nesterov(lr, c.momentum),
    adagrad: () => O.adagrad(lr), rmsprop: () => O.rmsprop(lr), adam: () => O.adam(lr), adamw: () => O.adamw(lr),
  }
  return byName[c.optimizer]!() as O.GradientTransformation<O.PlainState>
}

describe('optimizer records', () => {
  const params = { W: R.normal(R.key(1), [3, 4]), b: R.normal(R.key(2), [4]) }
  const cases: RunConfig[] = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamw'].flatMap((optimizer) => runSchedules.map((schedule) => ({ ...defaultRunConfig, optimizer, schedule, decay: 0.7, decayEvery: 2, momentum: 0.8 })))
  it.each(cases.map((c) => [`${c.optimizer}/${c.schedule}`, c] as const))('%s: the saved run\'s optimizer, built by its record, updates exactly as the alias', (_, c) => {
    const per = 3
    const a = direct(c, per)
    // the run as a checkpoint saves it, decoded and built by its kind's record
    const b = buildOptimizer(right(decodeRunConfig(JSON.parse(JSON.stringify(encodeRunConfig(c))))), per)
    let [sa, sb] = [a.init(params), b.init(params)]
    for (let step = 0; step < 20; step++) {
      const g = { W: R.normal(R.foldIn(R.key(3), step), [3, 4]), b: R.normal(R.foldIn(R.key(4), step), [4]) }
      const [ua, na] = a.update(g, sa, params)
      const [ub, nb] = b.update(g, sb, params)
      expect(T.equal(ua['W']!, ub['W']!) && T.equal(ua['b']!, ub['b']!), `step ${step}`).toBe(true)
      ;[sa, sb] = [na, nb]
    }
  })
})
