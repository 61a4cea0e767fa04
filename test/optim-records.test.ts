/**
 * Optimizer kinds as records: what defineOptimizer and Registries.extend refuse, names resolved only
 * as own entries of a registry, a user kind through run configs and checkpoints, and version-1
 * checkpoints that still carry the older nested `config` beside their `run`.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import { PositiveNumber, UnitInterval } from '../src/core/codecs.js'
import { spiral } from '../src/data/datasets.js'
import { checkpointToText, decodeCheckpoint } from '../src/records/checkpoint.js'
import { decodeRunConfig } from '../src/records/runConfig.js'
import { dense, relu } from '../src/nn/layers.js'
import { sequential } from '../src/nn/model.js'
import { builtinOptimizers, defineOptimizer, optimizerNames, optimizerOf, sgd } from '../src/optim/index.js'
import { Registries } from '../src/records/Registries.js'
import { buildTrainConfig, defaultRunConfig } from '../src/train/config.js'
import { train } from '../src/train/loop.js'
import { thrownMessage } from './support/thrown.js'

const left = (r: E.Either<Error, unknown>) => (E.isLeft(r) ? r.left.message : 'Right')

const plain = { summary: 'x ← x − lr·dx', build: (lr: number | ((t: number) => number)) => sgd(lr) }
const mine = defineOptimizer({ name: 'mySgd', hyper: { damp: UnitInterval }, defaults: { damp: 0.5 }, ...plain })

describe('defineOptimizer and Registries.extend refuse at definition', () => {
  it('a bad name, a missing or invalid default, a default without a codec, a reserved name, a taken name', () => {
    expect(thrownMessage(() => defineOptimizer({ name: 'my sgd', hyper: {}, defaults: {}, ...plain }))).toBe(`defineOptimizer: the name must start with a letter and hold only letters, digits, '-' and '_', got "my sgd"`)
    expect(thrownMessage(() => defineOptimizer({ name: 'a', hyper: { eps: PositiveNumber }, defaults: {} as { eps: number }, ...plain }))).toBe("defineOptimizer 'a': hyperparameter 'eps' has no default")
    expect(thrownMessage(() => defineOptimizer({ name: 'a', hyper: { rho: UnitInterval }, defaults: { rho: 1 }, ...plain }))).toBe("defineOptimizer 'a': the default of 'rho' is 1, expected a number in [0, 1)")
    expect(thrownMessage(() => defineOptimizer({ name: 'a', hyper: {}, defaults: { rho: 1 } as {}, ...plain }))).toBe("defineOptimizer 'a': default 'rho' is not one of its hyperparameters (none)")
    expect(thrownMessage(() => defineOptimizer({ name: 'a', hyper: { learningRate: PositiveNumber }, defaults: { learningRate: 1 }, ...plain }))).toBe("defineOptimizer 'a': 'learningRate' is reserved and cannot be a hyperparameter (the learning rate comes from the run config)")
    expect(thrownMessage(() => Registries.extendOrThrow(Registries.builtins, { optimizers: [defineOptimizer({ name: 'adam', hyper: {}, defaults: {}, ...plain })] }))).toBe("Registries.extend: optimizer 'adam' is already registered (a built-in) as a different record; give yours another name")
  })

  it('names are own entries of a registry: Object.prototype members are unknown kinds and unknown hyperparameters', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(builtinOptimizers.get(name)).toBeUndefined()
      expect(left(decodeRunConfig({ optimizer: name }))).toMatch(/^config\.optimizer: expected one of 'sgd' \| /)
      expect(thrownMessage(() => optimizerOf({ kind: name, learningRate: 0.1 }, { registries: { optimizers: builtinOptimizers } }))).toMatch(/^unknown optimizer /)
    }
    expect(left(decodeRunConfig({ optimizer: 'adam', hyper: { constructor: 0.5 } }))).toBe('unknown field config.hyper.constructor (known fields: b1, b2, eps)')
    expect(left(decodeRunConfig({ optimizer: 'adam', hyper: JSON.parse('{"__proto__": 0.5}') }))).toMatch(/^config\.hyper/)
  })
})

describe('a user kind', () => {
  const registries = Registries.extendOrThrow(Registries.builtins, { optimizers: [mine] })
  it('is decoded through the registries that have it, and named as unknown without them', () => {
    expect(optimizerNames(registries.optimizers).at(-1)).toBe('mySgd')
    const c = decodeRunConfig({ optimizer: 'mySgd', hyper: { damp: 0.25 } }, { registries })
    expect(E.isRight(c) && c.right.hyper).toEqual({ damp: 0.25 })
    expect(left(decodeRunConfig({ optimizer: 'mySgd', hyper: { damp: 1 } }, { registries }))).toBe('config.hyper.damp: expected a number in [0, 1), got 1')
    expect(left(decodeRunConfig({ optimizer: 'mySgd' }))).toMatch(/^config\.optimizer: expected one of 'sgd' \| .*, got "mySgd" \(did you mean 'sgd'\?\)$/)
  })

  it('checkpoints: its run saves and loads through the registries; version-1 files with the older nested config still load', () => {
    const model = sequential(dense(2, 6), relu, dense(6, 3))
    const data = spiral(R.key(2), { perClass: 10 })
    const run = { ...defaultRunConfig, data: 'spiral', optimizer: 'mySgd', hyper: { damp: 0.25 }, learningRate: 0.1, schedule: 'constant' as const, epochs: 1, batchSize: 10, shift: 0 }
    const state = train(model, { train: data }, buildTrainConfig(run, 30, { registries }))
    const doc = JSON.parse(E.getOrElseW((e: Error) => { throw e })(checkpointToText({ spec: model.spec, run, state }))) as Record<string, unknown>
    const back = decodeCheckpoint(doc, { registries })
    expect(E.isRight(back) && back.right.run).toEqual(run)
    expect(left(decodeCheckpoint(doc))).toMatch(/^checkpoint\.run\.optimizer: expected one of .*, got "mySgd"/)
    // a version-1 file of an earlier symgrad: the same run also stated as a nested training config
    const v1 = { ...doc, config: { optimizer: { kind: 'sgd', lr: 0.1 }, epochs: 1, batchSize: 10, seed: 1 } }
    const old = decodeCheckpoint(v1, { registries })
    expect(E.isRight(old) && old.right.run).toEqual(run)
  })
})
