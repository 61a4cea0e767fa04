/**
 * The gemm at micro-tile heights whose panels are not whole vectors (R·E not a multiple of 16:
 * 3, 5, 6 and 7 float32 rows, 3 and 5 float64 rows): packing copies a transposed operand's panels
 * 16, 8 and 4 bytes at a time, and a plain one's by groups of `lanes` rows, a pair of float32 rows
 * and single rows. Each element of C is the same sum in the same order whatever the tile, so every form and
 * edge gives the bits of the standard kernel (gemm-run.ts).
 */
import { describe, expect, it } from 'vitest'
import { gemmModuleBytes, gemmShapes, type GemmShape } from '../src/compile/kernels/gemm-wasm.js'
import { gemmRunner, gemmScratch } from '../src/compile/kernels/gemm-run.js'

type Gemm = (...a: number[]) => void
const forms = [[false, false], [true, false], [false, true], [true, true]] as const
const shapes: [number, number, number][] = [[1, 1, 1], [6, 8, 5], [7, 9, 3], [13, 17, 300], [70, 130, 270], [129, 33, 257]]

describe('gemm tiles whose panels are not whole vectors', () => {
  for (const [dtype, base, MRs] of [['float32', gemmShapes.f32, [3, 5, 6, 7]], ['float64', gemmShapes.f64, [3, 5]]] as const)
    for (const MR of MRs)
      it(`${dtype}, ${MR}-row tiles: the standard kernel's bits in every transposed form`, () => {
        const shape: GemmShape = { ...base, MR, MC: MR * Math.floor(base.MC / MR) }
        const E = dtype === 'float32' ? 4 : 8
        const Arr = dtype === 'float32' ? Float32Array : Float64Array
        const memory = new WebAssembly.Memory({ initial: 256 })
        const tiled = new WebAssembly.Instance(new WebAssembly.Module(gemmModuleBytes(shape, false)), { env: { mem: memory } }).exports['gemm'] as Gemm
        const standard = gemmRunner({ dtype, memory, scratch: 0 })
        const at = Math.ceil(gemmScratch / 64) * 64
        for (const [m, n, k] of shapes)
          for (const [tA, tB] of forms) {
            const a = at, b = a + m * k * E, c1 = b + k * n * E, c2 = c1 + m * n * E
            const A = new Arr(memory.buffer, a, m * k), B = new Arr(memory.buffer, b, k * n)
            for (let i = 0; i < A.length; i++) A[i] = Math.sin(1.7 * i + m)
            for (let i = 0; i < B.length; i++) B[i] = Math.cos(0.9 * i + n)
            new Arr(memory.buffer, c1, m * n).fill(7)
            new Arr(memory.buffer, c2, m * n).fill(-3)
            standard.run(a, tA, b, tB, c1, m, n, k, false)
            tiled(a, tA ? 1 : 0, b, tB ? 1 : 0, c2, m, n, k, 0, 0, m, 0, n, 0)
            const want = Array.from(new Arr(memory.buffer, c1, m * n))
            expect(Array.from(new Arr(memory.buffer, c2, m * n)), `${m}×${k}·${k}×${n} tA ${tA} tB ${tB}`).toEqual(want)
            // accumulating adds the same product to what C held
            standard.run(a, tA, b, tB, c1, m, n, k, true)
            tiled(a, tA ? 1 : 0, b, tB ? 1 : 0, c2, m, n, k, 1, 0, m, 0, n, 0)
            expect(Array.from(new Arr(memory.buffer, c2, m * n))).toEqual(Array.from(new Arr(memory.buffer, c1, m * n)))
          }
      })
})
