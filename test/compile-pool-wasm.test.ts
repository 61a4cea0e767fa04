/**
 * The WebAssembly max pooling kernel called directly on its own memory, its outputs filled with
 * garbage first: every element it owns is written (the 2×2 stride-2 backward pass skips zeroing dx
 * where its vectors store all of it), with the JavaScript kernels' bits, ties to the first largest.
 */
import { describe, expect, it } from 'vitest'
import { spatialModule } from '../src/compile/kernels/spatial-arena.js'
import * as P from '../src/compile/kernels/pool.js'

type Mode = 0 | 1 | 2
const dtypes = [['float32', Float32Array], ['float64', Float64Array]] as const

/** Values with many ties (few distinct levels), reproducible from `seed`. */
function levels(n: number, seed: number): Float64Array {
  let s = seed
  return Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return (s % 5) - 2 + (s % 3 === 0 ? 0.25 : 0)
  })
}

describe('maxPool (WebAssembly) writes every output element with the JavaScript kernel\'s bits', () => {
  // batch·channels, height, width, window, stride: the convnet's two pools, widths that fill the
  // vectors, odd output widths (a scalar rest), other windows and strides (overlapping windows)
  const shapes = [
    [16, 24, 24, 2, 2], [32, 8, 8, 2, 2], [3, 12, 12, 2, 2], [2, 16, 16, 2, 2], [3, 4, 8, 2, 2], [2, 4, 4, 2, 2],
    [3, 10, 10, 2, 2], [3, 6, 14, 2, 2], [2, 2, 2, 2, 2], [2, 11, 11, 3, 2], [2, 7, 7, 3, 2], [2, 6, 6, 3, 3], [2, 5, 7, 2, 1],
  ] as const
  for (const [dtype, Arr] of dtypes) {
    it(`${dtype}: forward, backward and gather over ${shapes.length} shapes, ties and garbage-filled outputs`, () => {
      const mod = spatialModule(dtype, false)
      if (mod === null) return
      const memory = new WebAssembly.Memory({ initial: 64 })
      const ex = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports as Record<string, (...a: number[]) => void>
      const E = Arr.BYTES_PER_ELEMENT
      shapes.forEach(([nc, h, w, k, s], t) => {
        const d: P.PoolDims = { nc, h, w, kh: k, kw: k, sh: s, sw: s }
        const oh = (h - k) / s + 1, ow = (w - k) / s + 1
        const nx = nc * h * w, ny = nc * oh * ow
        const x = levels(nx, 7 + t), c = levels(nx, 99 + t).map((v) => v * 0.5 + 0.125), g = levels(ny, 301 + t).map((v) => v * 0.75 - 0.0625)
        const want: Record<Mode, Float64Array> = { 0: new Float64Array(ny), 1: new Float64Array(nx), 2: new Float64Array(ny) }
        P.maxPool2d(x, want[0], d)
        P.maxPool2dBackprop(x, g, want[1], d)
        P.maxPool2dGather(x, c, want[2], d)
        const [X, SRC, DST] = [0, nx * E, 2 * nx * E]
        for (const mode of [0, 1, 2] as const) {
          const m = new Arr(memory.buffer)
          m.set(x, X / E)
          m.set(mode === 1 ? g : c, SRC / E)
          const n = mode === 1 ? nx : ny
          m.fill(Number.NaN, DST / E, DST / E + n + 4)
          ex['maxPool']!(X, h, w, k, k, s, s, oh, ow, 0, nc, mode, SRC, DST)
          expect(Array.from(m.subarray(DST / E, DST / E + n)), `${dtype} mode ${mode} shape ${[nc, h, w, k, s]}`).toEqual(Array.from(want[mode]))
          // nothing past the output is written
          expect(m.subarray(DST / E + n, DST / E + n + 4).every((v) => Number.isNaN(v))).toBe(true)
        }
      })
    })
  }
})
