/** A checkpoint of a model with a user's layer kind saves and loads back through the user's registry. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { withScale } from './support/scaleLayer.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { spiral } from '../src/data/datasets.js'
import { writeFileAtomic } from '../src/io/atomic.js'
import { loadCheckpoint, loadSpec, saveCheckpoint } from '../src/records/files.js'
import { encodeSpec } from '../src/records/spec.js'
import { dense, relu } from '../src/nn/layers.js'
import { sequentialWith } from '../src/nn/model.js'
import { adam } from '../src/optim/index.js'
import { train } from '../src/train/loop.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-layers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const registries = withScale

describe('checkpoints of user layer kinds', () => {
  it('save and load through the registry; without it the kind is named as unknown', () => {
    const model = sequentialWith(registries)(dense(2, 8), { kind: 'scale', by: 0.5 }, relu, dense(8, 3))
    const state = train(model, { train: spiral(R.key(5), { perClass: 30 }) }, { optimizer: adam(0.02), epochs: 2, batchSize: 30, key: R.key(1) })
    const path = join(dir, 'scale.json')
    expect(E.isLeft(saveCheckpoint(path, { spec: model.spec, state }))).toBe(true)
    const saved = saveCheckpoint(path, { spec: model.spec, state }, { registries })
    expect(E.isRight(saved)).toBe(true)
    const back = loadCheckpoint(path, { registries })
    if (E.isLeft(back)) throw back.left
    expect(back.right.model.spec).toEqual(model.spec)
    expect(T.equal(back.right.state.params['scale0.s']!, state.params['scale0.s']!)).toBe(true)
    const without = loadCheckpoint(path)
    expect(E.isLeft(without) && without.left.message).toMatch(/checkpoint\.spec\.layers\[1\]\.kind: layer kind "scale" is not in this reader's registries; register its record: registries = Registries\.extend\(Registries\.builtins, \{ layers: \[defineLayer\(\{ kind: "scale", … \}\)\] \}\), then pass \{ registries \} \(loadCheckpoint\(path, \{ registries \}\)/)
  })
  it('spec files load through the registry too', () => {
    const model = sequentialWith(registries)(dense(2, 4), { kind: 'scale', by: 3 }, dense(4, 2))
    const path = join(dir, 'spec.json')
    expect(E.isRight(writeFileAtomic(path, JSON.stringify(encodeSpec(model.spec))))).toBe(true)
    const back = loadSpec(path, { registries })
    expect(E.isRight(back) && back.right).toEqual(model.spec)
    const without = loadSpec(path)
    expect(E.isLeft(without) && without.left.message).toMatch(/spec\.json: spec\.layers\[1\]\.kind: layer kind "scale" is not in this reader's registries/)
  })
})
