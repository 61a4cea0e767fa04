/**
 * bytes / divisor into a WebAssembly memory (kernels/expand-wasm.ts): the bits equal
 * `putBytesPlain`'s (arena.ts, the reference) for every byte and the divisors data sets use, into
 * float32 and float64 views of a plain and a shared memory, at every small length and around the
 * chunk boundary; the SIMD path is taken where it may be (the bytes pass through the scratch) and
 * refused where it would differ or cannot reach (a foreign view, a divisor not a float32 number);
 * and a float32 function fed bytes by its arena computes what it computes from their float64 data.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { expandChunk, expandInto } from '../src/compile/kernels/expand-wasm.js'
import { gemmScratch } from '../src/compile/kernels/gemm-run.js'
import { putBytesPlain, wasmArena, type FloatArray } from '../src/compile/arena.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import type { Backend } from '../src/compile/backend.js'
import { compile } from '../src/compile/index.js'
import { ByteTensor } from '../src/core/ByteTensor.js'
import * as sg from '../src/ops/index.js'

const divisors = [255, 1, 3, 7, 10, 256, 1000, Math.fround(0.1), 16777215]
const views = [Float32Array, Float64Array] as const

/** Element by element with Object.is: −0 is not +0, NaN is NaN. */
const sameBits = (got: FloatArray, want: FloatArray): void => {
  expect(got.length).toBe(want.length)
  const bad: string[] = []
  for (let i = 0; i < got.length && bad.length < 5; i++) if (!Object.is(got[i], want[i])) bad.push(`[${i}] ${got[i]} vs ${want[i]}`)
  expect(bad).toEqual([])
}
const reference = (View: typeof Float32Array | typeof Float64Array, bytes: Uint8Array, divisor: number): FloatArray => {
  const out = new View(bytes.length)
  putBytesPlain(out, bytes, divisor)
  return out
}
const randomBytes = (n: number, seed: number): Uint8Array => {
  const out = new Uint8Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) out[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24
  return out
}

describe('bytes / divisor in WebAssembly memory', () => {
  for (const shared of [false, true]) {
    const memory = shared ? new WebAssembly.Memory({ initial: 64, maximum: 256, shared: true }) : new WebAssembly.Memory({ initial: 64 })
    const put = expandInto(memory, 0)!
    const mem = shared ? 'shared' : 'plain'
    /** A view after the scratch, `offset` elements past a 16-byte boundary, with 4 sentinel elements after it. */
    const at = (View: typeof Float32Array | typeof Float64Array, n: number, offset: number): FloatArray => {
      const v = new View(memory.buffer, expandChunk + 16 + View.BYTES_PER_ELEMENT * offset, n + 4)
      v.fill(42)
      return v
    }
    const staged = () => new Uint8Array(memory.buffer, 0, expandChunk)

    for (const View of views) {
      const kind = View === Float32Array ? 'float32' : 'float64'

      it(`${mem} memory, ${kind}: every byte 0..255 by every divisor, through the SIMD path`, () => {
        expect(put).toBeDefined()
        // every byte, then again shifted so each one also lands in the scalar tail
        const bytes = Uint8Array.from({ length: 256 + 256 + 13 }, (_, i) => (i < 256 ? i : (i * 37 + 5) & 255))
        for (const d of divisors)
          for (const offset of [0, 1, 3]) {
            staged().fill(0xee)
            const v = at(View, bytes.length, offset)
            put(v.subarray(0, bytes.length), bytes, d)
            sameBits(v.subarray(0, bytes.length), reference(View, bytes, d))
            expect(Array.from(v.subarray(bytes.length))).toEqual([42, 42, 42, 42])
            // staged through the scratch: the kernel ran, not the plain loop
            expect(Array.from(staged().subarray(0, bytes.length))).toEqual(Array.from(bytes))
          }
        // zeros are +0 (Object.is above tells them from −0)
        const v = at(View, 100, 0).subarray(0, 100)
        put(v, new Uint8Array(100), 255)
        expect(Array.from(v).every((x) => Object.is(x, 0))).toBe(true)
      })

      it(`${mem} memory, ${kind}: random bytes at every length 0..70 and offset 0..3`, () => {
        for (let n = 0; n <= 70; n++)
          for (let offset = 0; offset < 4; offset++) {
            const bytes = randomBytes(n, 1000 * n + offset)
            const d = divisors[(n + offset) % divisors.length]!
            const v = at(View, n, offset)
            put(v.subarray(0, n), bytes, d)
            sameBits(v.subarray(0, n), reference(View, bytes, d))
            expect(Array.from(v.subarray(n))).toEqual([42, 42, 42, 42])
          }
      })

      it(`${mem} memory, ${kind}: around the chunk boundary and over several chunks`, () => {
        for (const n of [131071, 131072, 131073, 200000]) {
          const bytes = randomBytes(n, n)
          const v = at(View, n, 1)
          put(v.subarray(0, n), bytes, 255)
          sameBits(v.subarray(0, n), reference(View, bytes, 255))
          expect(Array.from(v.subarray(n))).toEqual([42, 42, 42, 42])
        }
      })

      it(`${mem} memory, ${kind}: random lengths, bytes and divisors (float32 numbers)`, () => {
        fc.assert(
          fc.property(fc.integer({ min: 0, max: expandChunk + 300 }), fc.integer(), fc.float({ min: Math.fround(1e-30), max: Math.fround(1e30), noNaN: true }), (n, seed, d) => {
            const bytes = randomBytes(n, seed)
            const v = at(View, n, seed & 3)
            put(v.subarray(0, n), bytes, d)
            sameBits(v.subarray(0, n), reference(View, bytes, d))
            expect(Array.from(v.subarray(n))).toEqual([42, 42, 42, 42])
          }),
          { numRuns: 20 },
        )
      })
    }

    it(`${mem} memory: a divisor that is not a float32 number, or is 0, goes to the plain loop (float32), the kernel still serves float64`, () => {
      const bytes = randomBytes(300, 7)
      for (const View of views)
        for (const d of [0.1, 1 / 3, 0, -0, NaN, -255]) {
          staged().fill(0xee)
          const v = at(View, 300, 0).subarray(0, 300)
          put(v, bytes, d)
          const want = reference(View, bytes, d)
          for (let i = 0; i < 300; i++) if (!(Number.isNaN(v[i]) && Number.isNaN(want[i]))) expect(Object.is(v[i], want[i])).toBe(true)
          const kernel = d !== 0 && !Number.isNaN(d) && (View === Float64Array || Math.fround(d) === d)
          expect(staged()[0] === bytes[0] && staged()[299] === bytes[299]).toBe(kernel)
        }
    })
  }

  it('the chunk fits in the gemm scratch it borrows', () => {
    expect(expandChunk).toBeLessThanOrEqual(gemmScratch)
  })

  it('a view of another buffer, or one the caller says is foreign, is written by the plain loop', () => {
    const memory = new WebAssembly.Memory({ initial: 4 })
    const put = expandInto(memory, 0)!
    const bytes = randomBytes(1000, 3)
    for (const View of views) {
      const dst = new View(1000)
      put(dst, bytes, 255)
      sameBits(dst, reference(View, bytes, 255))
      new Uint8Array(memory.buffer).fill(0xee, 0, expandChunk)
      const inMemory = new View(memory.buffer, expandChunk, 1000)
      put(inMemory, bytes, 255, false)
      sameBits(inMemory, reference(View, bytes, 255))
      expect(new Uint8Array(memory.buffer, 0, 4)).toEqual(Uint8Array.of(0xee, 0xee, 0xee, 0xee))
    }
  })

  it('a view past the end of the memory is written by the plain loop', () => {
    const memory = new WebAssembly.Memory({ initial: 3 })
    const put = expandInto(memory, 0)!
    const big = new WebAssembly.Memory({ initial: 8 })
    // a view of another memory vouched for as ours, reaching past this memory's end
    const dst = new Float32Array(big.buffer, 3 * 65536 - 64, 1000)
    const bytes = randomBytes(1000, 9)
    put(dst, bytes, 255, true)
    sameBits(dst, reference(Float32Array, bytes, 255))
  })

  it('a wasm arena writes bytes through the expansion it is given, vouching for its views', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const memory = new WebAssembly.Memory({ initial: 4, maximum: 64, shared: true })
      const expand = expandInto(memory, 0)!
      const vouched: boolean[] = []
      const arena = wasmArena(dtype, memory, expandChunk, undefined, (dst, bytes, d, ofMemory) => (vouched.push(ofMemory), expand(dst, bytes, d, ofMemory)))
      const [, view] = arena.layout([3, 500])
      const bytes = randomBytes(500, 11)
      arena.putBytes(view!, bytes, 255)
      expect(vouched).toEqual([true])
      sameBits(view!, reference(dtype === 'float32' ? Float32Array : Float64Array, bytes, 255))
    }
  })

  it('the WebAssembly backend\'s arena expands bytes: a float32 function bound to a byte tensor computes what it computes from its float64 data', () => {
    const base = wasmBackend({ dtype: 'float32' })!
    const seen: number[] = []
    // the arena's putBytes, counted
    const counted: Backend = {
      ...base,
      runtime: (native) => {
        const rt = base.runtime(native)
        const arena = rt.arena!
        return { ...rt, arena: { ...arena, putBytes: (dst, bytes, divisor) => (seen.push(bytes.length), arena.putBytes(dst, bytes, divisor)) } }
      },
    }
    const x = sg.input('x', ['N', 784])
    const w = sg.param('w', [784])
    const outs = [sg.mul(x, sg.broadcastTo(w, x.shape)), sg.sum(sg.mul(x, 2))]
    const plain = compile(outs, { dtype: 'float32' })
    const bytesFed = compile(outs, { backend: counted })
    const wData = Float64Array.from({ length: 784 }, (_, i) => Math.cos(i))
    for (const n of [1, 64, 200]) {
      const t = new ByteTensor([n, 784], randomBytes(n * 784, n), 255)
      const want = plain.runOrThrow({ x: { shape: t.shape, data: Float64Array.from(t.data) }, w: { shape: [784], data: wData } })
      const got = bytesFed.runOrThrow({ x: t, w: { shape: [784], data: wData } })
      for (let k = 0; k < want.length; k++) sameBits(got[k]!.data, want[k]!.data)
    }
    expect(seen).toEqual([784, 64 * 784, 200 * 784])
  })
})
