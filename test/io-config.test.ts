import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { makeDataset } from '../src/data/index.js'
import { spiral } from '../src/data/datasets.js'
import { decodeRunConfig } from '../src/records/runConfig.js'
import { checkDataFits, decodeSpec } from '../src/records/spec.js'
import { currentLearningRate } from '../src/optim/GradientTransformation.js'
import { chain } from '../src/optim/GradientTransformation.js'
import { adam, momentum } from '../src/optim/aliases.js'
import { clipByGlobalNorm } from '../src/optim/transforms.js'
import { stepDecay } from '../src/optim/schedules.js'
import { builtinOptimizers, optimizerNames, optimizerOf } from '../src/optim/index.js'
import { buildOptimizer, buildTrainConfig } from '../src/train/config.js'

/** The optimizer kinds as messages list them (the registry's names, in order). */
const kinds = optimizerNames(builtinOptimizers).map((k) => `'${k}'`).join(' | ')

const left = <A>(r: E.Either<{ message: string }, A>): string => {
  if (E.isRight(r)) throw new Error(`expected a Left, got ${JSON.stringify(r.right)}`)
  return r.left.message
}
const right = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

const valid = { optimizer: 'momentum', learningRate: 0.1, momentum: 0.9, epochs: 3, batchSize: 16, seed: 1 }
const withHyper = (optimizer: string, hyper: unknown) => ({ ...valid, optimizer, hyper })

describe('run configs: the optimizer', () => {
  it('decode into a TrainConfig whose optimizer is the one built in code (same updates)', () => {
    // decay every 2 epochs of 1 batch: stepDecay(0.1, 0.5, 2) in steps
    const c = right(decodeRunConfig({ ...valid, schedule: 'step', decay: 0.5, decayEvery: 2, clipNorm: 1 }))
    const fromJson = buildOptimizer(c, 1)
    const inCode = chain(clipByGlobalNorm(1), momentum(stepDecay(0.1, 0.5, 2), 0.9))
    const p = { w: T.make([3], [1, -2, 3]) }
    let [sa, sb] = [fromJson.init(p), inCode.init(p)]
    for (let i = 0; i < 5; i++) {
      const g = { w: R.normal(R.key(i), [3]) }
      const [ua, na] = fromJson.update(g, sa, p)
      const [ub, nb] = inCode.update(g, sb, p)
      expect(T.equal(ua['w']!, ub['w']!)).toBe(true)
      ;[sa, sb] = [na, nb]
    }
    expect(currentLearningRate(sa)).toBe(0.025)
    const tc = buildTrainConfig(right(decodeRunConfig({ ...valid, l2: 0.01, maxSteps: 10 })), 16)
    expect(tc).toMatchObject({ epochs: 3, batchSize: 16, key: R.key(1), regularization: { kind: 'l2', lambda: 0.01 }, maxSteps: 10 })
    const built = optimizerOf({ kind: 'adam', learningRate: 0.001 }, { registries: { optimizers: builtinOptimizers } }).init(p) as unknown as ReturnType<ReturnType<typeof adam>['init']>
    expect(T.equal(adam(0.001).init(p)[0].m['w']!, built[0].m['w']!)).toBe(true)
  })

  it('every bad value is one line naming the path, the expectation and what was found', () => {
    const cases: [unknown, string][] = [
      [withHyper('adam', { b1: { kind: 'stepDecay', init: 0.1, factor: 0.5 } }), 'config.hyper.b1.every: missing, expected a positive integer'],
      [withHyper('adam', { b1: { kind: 'cosine', init: 0.1 } }), `config.hyper.b1.kind: expected one of 'constant' | 'stepDecay' | 'exponentialDecay' | 'inverseTimeDecay' | 'linearWarmup', got "cosine"`],
      [withHyper('adam', { b1: '0.9' }), 'config.hyper.b1: expected a finite number or a schedule { kind, … }, got "0.9"'],
      [{ ...valid, optimizer: 'adma' }, `config.optimizer: expected one of ${kinds}, got "adma" (did you mean 'adam'?)`],
      [withHyper('sgd', { momentum: 0.9 }), 'unknown field config.hyper.momentum (known fields: none)'],
      [withHyper('adam', { beta1: 0.9 }), 'unknown field config.hyper.beta1 (known fields: b1, b2, eps)'],
      [withHyper('momentum', { momentum: 1 }), 'config.hyper.momentum: expected a number in [0, 1), got 1'],
      [withHyper('adamw', { weightDecay: -1e-4 }), 'config.hyper.weightDecay: expected a non-negative number, got -0.0001'],
      [{ ...valid, optimzer: valid.optimizer }, 'unknown field config.optimzer (did you mean optimizer?)'],
      [{ ...valid, batchSize: 0 }, 'config.batchSize: expected a positive integer, got 0'],
      [{ ...valid, seed: 1.5 }, 'config.seed: expected a non-negative integer, got 1.5'],
      [{ ...valid, clipNorm: 0 }, 'config.clipNorm: expected a positive number, got 0'],
      [{ ...valid, loss: 'hinge' }, `config.loss: expected one of 'softmax' | 'svm', got "hinge"`],
      [[valid], 'config: expected a run config, got an array of 1'],
      [null, 'config: expected a run config, got null'],
    ]
    for (const [u, msg] of cases) expect(left(decodeRunConfig(u))).toBe(msg)
  })

  it('data that does not fit the model, NaN/Inf entries and labels out of range', () => {
    const spec = right(decodeSpec({ layers: [{ kind: 'dense', in: 4, out: 3 }] }))
    const ds = spiral(R.key(1), { classes: 3, perClass: 5 })
    expect(left(checkDataFits(spec, ds))).toBe("data 'spiral(K=3,N=5)': rows have 2 features, but the model takes 4 (spec.in)")
    const spec2 = right(decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 2 }] }))
    expect(left(checkDataFits(spec2, ds))).toBe("data 'spiral(K=3,N=5)': 3 classes, but the model has 2 outputs (spec.out)")
    expect(E.isRight(checkDataFits(right(decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 3 }] })), ds))).toBe(true)
    const x = T.make([2, 3], [0, 1, 2, 3, Infinity, 5])
    expect(left(makeDataset({ name: 'train.csv', x, y: T.make([2], [0, 1]), classes: 2 }))).toBe("dataset 'train.csv': x has a non-finite value Infinity at row 1, column 1")
    expect(left(makeDataset({ name: 'train.csv', x: T.zeros([2, 3]), y: T.make([2], [0, 2]), classes: 2 }))).toBe("dataset 'train.csv': label at row 1 must be an integer in 0..1, got 2")
  })
})
