import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { matmul, matmulScratch } from '../src/compile/kernels/matmul.js'
import { reduce } from '../src/compile/kernels/reduce.js'
import { wasmMatmul } from '../src/compile/kernels/matmul-wasm.js'
import * as R from '../src/core/Random.js'

function naive(A: Float64Array, ta: boolean, B: Float64Array, tb: boolean, m: number, n: number, k: number): Float64Array {
  const C = new Float64Array(m * n)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let p = 0; p < k; p++) s += (ta ? A[p * m + i]! : A[i * k + p]!) * (tb ? B[j * k + p]! : B[p * n + j]!)
      C[i * n + j] = s
    }
  return C
}

describe('matmul kernel', () => {
  it('every transposed form equals the naive product (edges, k > block size)', () => {
    const sc = matmulScratch()
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 11 }), fc.constantFrom(1, 3, 4, 7, 300, 513), fc.boolean(), fc.boolean(), fc.nat(1e6), (m, n, k, ta, tb, seed) => {
        const A = R.normal(R.key(seed), [m * k]).data
        const B = R.normal(R.key(seed + 1), [k * n]).data
        const C = new Float64Array(m * n).fill(NaN)
        matmul(A, 0, ta, B, 0, tb, C, 0, m, n, k, sc)
        const ref = naive(A, ta, B, tb, m, n, k)
        for (let i = 0; i < C.length; i++) expect(Math.abs(C[i]! - ref[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, k))
      }),
      { numRuns: 120 },
    )
  })
  it('accumulates when asked and leaves A and B alone', () => {
    const A = Float64Array.of(1, 2, 3, 4)
    const B = Float64Array.of(5, 6, 7, 8)
    const C = Float64Array.of(1, 1, 1, 1)
    matmul(A, 0, false, B, 0, false, C, 0, 2, 2, 2, matmulScratch(), true)
    expect(Array.from(C)).toEqual([20, 23, 44, 51])
    expect(Array.from(A)).toEqual([1, 2, 3, 4])
    expect(Array.from(B)).toEqual([5, 6, 7, 8])
  })
})

describe('WebAssembly SIMD matmul kernel', () => {
  const w = wasmMatmul()
  it('is available in this engine', () => expect(w).toBeDefined())
  it('equals the JavaScript kernel bit for bit in every form, and accumulates correctly', () => {
    const sc = matmulScratch()
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 }), fc.constantFrom(1, 2, 5, 255, 257, 600), fc.boolean(), fc.boolean(), fc.boolean(), fc.nat(1e6), (m, n, k, ta, tb, acc, seed) => {
        const A = R.normal(R.key(seed), [m * k]).data
        const B = R.normal(R.key(seed + 1), [k * n]).data
        const C0 = R.normal(R.key(seed + 2), [m * n + 3]).data
        const C1 = C0.slice()
        const C2 = C0.slice()
        matmul(A, 0, ta, B, 0, tb, C1, 2, m, n, k, sc, acc)
        w!.run(A, 0, ta, B, 0, tb, C2, 2, m, n, k, acc)
        // without accumulation the same products are added in the same order: identical bits
        if (!acc) expect(Array.from(C2)).toEqual(Array.from(C1))
        const ref = naive(A, ta, B, tb, m, n, k)
        for (let i = 0; i < m * n; i++) expect(Math.abs(C2[2 + i]! - (acc ? C0[2 + i]! : 0) - ref[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, k))
      }),
      { numRuns: 120 },
    )
  })
})

describe('reduce kernel', () => {
  it('reads only the logical size of a larger buffer', () => {
    const X = Float64Array.of(1, 2, 3, 4, 99, 99)
    const out = new Float64Array(4)
    reduce('mean', X, [2, 2], [1], out)
    expect(Array.from(out.subarray(0, 2))).toEqual([1.5, 3.5])
    reduce('logSumExp', X, [2, 2], [0], out)
    expect(out[0]).toBeCloseTo(3 + Math.log(1 + Math.exp(-2)), 14)
    reduce('max', X, [4], [0], out)
    expect(out[0]).toBe(4)
  })
})

describe('reduce kernel: sums over any set of axes', () => {
  it('equal a naive walk adding each output\'s terms in row-major order, bit for bit (kept axes between reduced ones included)', () =>
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 1, max: 1e6 }),
        (dims, pick, seed) => {
          const axes = dims.map((_, i) => i).filter((i) => pick[i])
          const X = R.normal(R.key(seed), [dims.reduce((p, d) => p * d, 1)]).data
          const keptDims = dims.filter((_, i) => !axes.includes(i))
          const want = new Float64Array(keptDims.reduce((p, d) => p * d, 1))
          const idx = dims.map(() => 0)
          for (let i = 0; i < X.length; i++) {
            const o = dims.reduce((p, _, ax) => (axes.includes(ax) ? p : p * dims[ax]! + idx[ax]!), 0)
            want[o]! += X[i]!
            for (let ax = dims.length - 1; ax >= 0 && ++idx[ax]! === dims[ax]!; ax--) idx[ax] = 0
          }
          const out = new Float64Array(want.length)
          reduce('sum', X, dims, axes, out)
          expect(Array.from(out)).toEqual(Array.from(want))
        },
      ),
      { numRuns: 150 },
    ))
})
