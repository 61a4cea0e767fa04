/**
 * float64 → float32 into a WebAssembly memory (kernels/convert-wasm.ts): the bits equal
 * `Float32Array.set`'s for every value (NaN, ±0, ±∞, overflow, subnormals, ties), every length
 * (whole vectors, the tail, several chunks), plain and shared memory; and a float32 function's
 * inputs, bound or loaded, arrive converted the same way.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { demoteChunk, demoteInto } from '../src/compile/kernels/convert-wasm.js'
import { gemmScratch } from '../src/compile/kernels/gemm-run.js'
import * as sg from '../src/ops/index.js'
import { compile } from '../src/compile/index.js'
import { wasmArena } from '../src/compile/arena.js'

const bitsOf = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length))
/** The bits of a NaN may differ (its payload); any NaN is the same value. */
const sameValues = (got: Float32Array, want: Float32Array): void => {
  const g = bitsOf(got).map((b, i) => (Number.isNaN(got[i]) ? 'NaN' : b))
  const w = bitsOf(want).map((b, i) => (Number.isNaN(want[i]) ? 'NaN' : b))
  expect(g).toEqual(w)
}

const special = [NaN, 0, -0, Infinity, -Infinity, 1e300, -1e300, 3.4028235677973366e38, 3.4028235e38 * 1.0000001, 1e-45, 7e-46, -1e-46, 1.401298464324817e-45 / 2,
  1 + 2 ** -24, 1 + 3 * 2 ** -24, 0.1, -2.5e-40, 16777217, Number.MIN_VALUE, -Number.MAX_VALUE]

describe('float64 → float32 in WebAssembly memory', () => {
  for (const shared of [false, true]) {
    const memory = shared ? new WebAssembly.Memory({ initial: 64, maximum: 256, shared: true }) : new WebAssembly.Memory({ initial: 64 })
    const put = demoteInto(memory, 0)!
    const at = (n: number, offset: number) => new Float32Array(memory.buffer, 8 * demoteChunk + 16 + 4 * offset, n)

    it(`${shared ? 'shared' : 'plain'} memory: special values, at every length up to 13 and offset up to 3`, () => {
      expect(put).toBeDefined()
      for (let n = 0; n <= 13; n++)
        for (let off = 0; off < 4; off++) {
          const src = Float64Array.from({ length: n }, (_, i) => special[(i * 7 + off) % special.length]!)
          const dst = at(n, off)
          dst.fill(42)
          put(dst, src)
          sameValues(dst, Float32Array.from(src))
        }
    })

    it(`${shared ? 'shared' : 'plain'} memory: random doubles over several chunks, the words after the view untouched`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 * demoteChunk + 9 }), fc.array(fc.double(), { minLength: 1, maxLength: 64 }), (n, pool) => {
          const src = Float64Array.from({ length: n }, (_, i) => pool[i % pool.length]! * (i % 3 === 0 ? 1e-39 : 1))
          const dst = at(n + 4, 1)
          dst.fill(42)
          put(dst.subarray(0, n), src)
          sameValues(dst.subarray(0, n), Float32Array.from(src))
          expect(Array.from(dst.subarray(n))).toEqual([42, 42, 42, 42])
        }),
        { numRuns: 25 },
      )
    })
  }

  it('the chunk fits in the gemm scratch it borrows', () => {
    expect(8 * demoteChunk).toBeLessThanOrEqual(gemmScratch)
  })

  it('a view of another buffer is converted by Float32Array.set', () => {
    const memory = new WebAssembly.Memory({ initial: 4 })
    const put = demoteInto(memory, 0)!
    const dst = new Float32Array(5)
    put(dst, Float64Array.of(1.1, NaN, -0, 1e300, 2))
    sameValues(dst, Float32Array.of(1.1, NaN, -0, 1e300, 2))
  })

  it('a shared memory\'s views made before another shared memory grew stay the arena\'s own: converted by the SIMD copy, not Float32Array.set', () => {
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 64, shared: true })
    const other = new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true })
    const demote = demoteInto(memory, 0)!
    const vouched: boolean[] = []
    const arena = wasmArena('float32', memory, 8 * demoteChunk, (dst, src, ofMemory) => (vouched.push(ofMemory), demote(dst, src, ofMemory)))
    const [view] = arena.layout([5]) as Float32Array[]
    const before = memory.buffer
    other.grow(1)
    // the engine hands out a new buffer object for the same memory (V8 does; others may not)
    const renewed = memory.buffer !== before
    const src = Float64Array.of(1.1, NaN, -0, 1e300, 2)
    arena.put(view!, src)
    expect(vouched).toEqual([true])
    sameValues(view!, Float32Array.from(src))
    // written into the memory itself, as the kernels read it
    sameValues(new Float32Array(memory.buffer, view!.byteOffset, 5), Float32Array.from(src))
    // the conversion unvouched would judge the old view foreign where the buffer object changed
    expect(view!.buffer === memory.buffer).toBe(!renewed)
  })

  it('a float32 function sees its bound and loaded inputs rounded as Math.fround rounds them', () => {
    const x = sg.input('x', ['N', 3])
    const w = sg.param('w', [3])
    const f = compile([sg.add(x, sg.broadcastTo(w, x.shape)), x], { dtype: 'float32' })
    const xs = Float64Array.from({ length: 3 * 40001 }, (_, i) => Math.sin(i) * 10 ** ((i % 90) - 45))
    f.load('w', { shape: [3], data: Float64Array.of(0.1, 1e-46, -1e39) })
    expect(Array.from(f.read('w').data)).toEqual([Math.fround(0.1), 0, -Infinity])
    const [, back] = f.runOrThrow({ x: { shape: [40001, 3], data: xs } })
    expect(Array.from(back!.data)).toEqual(Array.from(xs, Math.fround))
  })
})
