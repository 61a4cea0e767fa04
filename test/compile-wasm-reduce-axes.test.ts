/**
 * Sums and means over every set of axes on the WebAssembly backend, which routes each by the
 * pattern of its axes (kernels/reduce-wasm.ts: reduced axes one block with something after it;
 * kernels/spatial-arena.ts's sumKept: kept axes one block, possibly empty, with reduced ones after
 * it; JavaScript for the rest). Over random shapes of rank 1 to 4 (a length of 0 among them)
 * and every subset of their axes: float64 gives the JavaScript backend's bits on 1 thread and on
 * 2 (every call split), float32 agrees with the float64 reference within the float32 law, and
 * max (always JavaScript) too.
 */
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { compile } from '../src/compile/index.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { threadPool } from '../src/runner/threads.js'
import { float32Agrees } from '../laws/dtype.js'

const pool = threadPool(2)
afterAll(() => pool.close())

const bits = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)
const same = (a: Tensor, b: Tensor) => Buffer.compare(bits(a), bits(b)) === 0

const f64 = wasmBackend({ dtype: 'float64' })!
const f64Two = wasmBackend({ dtype: 'float64', threads: pool, threshold: 0, loopThreshold: 0 })!
const f32 = wasmBackend({ dtype: 'float32' })!

describe('reductions over every set of axes on the WebAssembly backend', () => {
  it('float64: the JavaScript backend\'s bits on 1 and 2 threads; float32 within the float32 law', () =>
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 1e6 }),
      (dims, seed) => {
        const x = ops.input('x', dims)
        const xs = R.uniform(R.key(seed), dims, -1, 1)
        // terms of mixed magnitudes, so the order of the adds shows in the bits
        xs.data.forEach((v, i) => (xs.data[i] = v * 10 ** ((i * 7) % 5)))
        for (let mask = 1; mask < 1 << dims.length; mask++) {
          const axes = dims.map((_, i) => i).filter((i) => (mask >> i) & 1)
          for (const outs of [[ops.sum(x, axes)], [ops.mean(x, axes)], [ops.max(x, axes)]]) {
            const want = compile(outs).runOrThrow({ x: xs })[0]!
            const where = `[${dims}] over [${axes}], ${outs[0]!.op.name}`
            expect(same(compile(outs, { backend: f64 }).runOrThrow({ x: xs })[0]!, want), where).toBe(true)
            expect(same(compile(outs, { backend: f64Two }).runOrThrow({ x: xs })[0]!, want), where).toBe(true)
            expect(float32Agrees(outs, (b) => compile(outs, { backend: f32 })(b), { x: xs }), where).toBeUndefined()
          }
        }
      }), { numRuns: 20 }))
})
