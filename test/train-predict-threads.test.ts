/**
 * Evaluation on a thread pool: `programs.predict` over several chunks hands the large products of
 * its chunks to the workers from its first calls (the pool's choice warms up on the split calls'
 * guesses), and its scores are bit-identical to one thread's, chunk by chunk and whole.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import { mlp } from '../src/nn/model.js'
import { convnet } from '../src/nn/convnets.js'
import { buildPrograms } from '../src/train/programs.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { threadPool } from '../src/runner/threads.js'
import type { AnyModel } from '../src/train/programs.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'

const pool = threadPool(2)
afterAll(() => pool.close())

const same = (a: Float64Array, b: Float64Array): boolean => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0

function scores(model: AnyModel, rows: number, threads: boolean, chunk: number) {
  const { params, state } = model.init(R.key(3))
  const x = R.normal(R.key(4), [rows, model.in as number])
  // thresholds 0: every product, convolution and loop of a chunk is split where a pool is given
  const backend = wasmBackend({ dtype: 'float32', ...(threads ? { threads: pool, threshold: 0, loopThreshold: 0 } : {}) })!
  const pr = buildPrograms(model, 'softmax', { kind: 'none' }, { backend })
  return pr.predict(params, state, x, chunk)
}

describe('predict on a thread pool', () => {
  const models: [string, () => AnyModel][] = [
    ['mlp 200-256-10', () => mlp([200, 256, 10])],
    ['convnet on 28×28 images', () => convnet([28, 28, 1], 10, { filters: [8, 16], kernel: 5 })],
  ]
  for (const [name, make] of models)
    it(`${name}: 2 threads give the bits of 1, the workers take part from the first chunks`, () => {
      const one = scores(make(), 250, false, 100)
      // three chunks: the first split call is not counted, the second decides on its guess (or the
      // warm-up goes on, alternating); on a loaded machine the worker may claim no part of one
      // prediction, so predictions run until it did, each compared
      const took = untilWorkersTakePart(pool, () => scores(make(), 250, true, 100), (two) => {
        expect(two.shape).toEqual(one.shape)
        expect(same(two.data, one.data)).toBe(true)
      }, 1, 10_000)
      expect(took).toBeGreaterThan(0)
      // whole or in chunks: the same bits
      expect(same(scores(make(), 250, true, 1000).data, one.data)).toBe(true)
    }, 30_000)
})
