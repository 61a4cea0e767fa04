/** A checkpoint of a model with a user's layer kind saves and loads back through the user's registry. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { spiral } from '../src/data/datasets.js'
import { FiniteNumber } from '../src/io/codecs.js'
import { loadCheckpoint, saveCheckpoint } from '../src/io/atomic.js'
import { builtinLayers } from '../src/nn/builtinLayers.js'
import { defineLayer, keepLayer, noState, withLayers } from '../src/nn/LayerDef.js'
import { dense, relu } from '../src/nn/layers.js'
import { sequentialWith } from '../src/nn/model.js'
import * as ops from '../src/ops/index.js'
import { adam } from '../src/optim/index.js'
import { train } from '../src/train/loop.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-layers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const scale = defineLayer({
  kind: 'scale',
  options: { by: FiniteNumber },
  defaults: { by: 1 },
  prefix: 'scale',
  params: (_, s) => ({ s }),
  state: noState,
  outShape: (_, s) => s,
  init: (o, _, shapes) => ({ params: { s: T.fill(shapes.params.s, o.by) }, state: {} }),
  apply: (_, x, { params }) => ({ out: ops.mul(x, ops.broadcastTo(params.s, x.shape)) }),
  inference: keepLayer,
  describe: (o) => `scale by ${o.by}`,
  example: { options: { by: 2 }, inShape: [3] },
})
const layers = withLayers(builtinLayers, scale)

describe('checkpoints of user layer kinds', () => {
  it('save and load through the registry; without it the kind is named as unknown', () => {
    const model = sequentialWith(layers)(dense(2, 8), { kind: 'scale', by: 0.5 }, relu, dense(8, 3))
    const state = train(model, { train: spiral(R.key(5), { perClass: 30 }) }, { optimizer: adam(0.02), epochs: 2, batchSize: 30, key: R.key(1) })
    const path = join(dir, 'scale.json')
    expect(E.isLeft(saveCheckpoint(path, { spec: model.spec, state }))).toBe(true)
    const saved = saveCheckpoint(path, { spec: model.spec, state }, { layers })
    expect(E.isRight(saved)).toBe(true)
    const back = loadCheckpoint(path, { layers })
    if (E.isLeft(back)) throw back.left
    expect(back.right.model.spec).toEqual(model.spec)
    expect(T.equal(back.right.state.params['scale0.s']!, state.params['scale0.s']!)).toBe(true)
    const without = loadCheckpoint(path)
    expect(E.isLeft(without) && without.left.message).toMatch(/checkpoint\.spec\.layers\[1\]\.kind: expected one of 'dense' \| .*, got "scale"/)
  })
})
