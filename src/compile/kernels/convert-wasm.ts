/**
 * float64 → float32 into a WebAssembly memory: how a float32 function takes its float64 inputs.
 *
 * `Float32Array.set(Float64Array)` converts element by element, and on a batch fresh from a large
 * data set (not in cache) that ran at about 3.5 ns an element here (a 64×784 MNIST batch: 176 µs,
 * a fifth of the small MLP's step), while copying the same float64 bytes (a memcpy) took 44 µs. So
 * the values are copied as they are, a chunk at a time, into scratch bytes of the memory, and
 * converted from there (in cache) by a SIMD loop: two f64x2 → f32x4.demote_f64x2_zero, joined by
 * one shuffle. The rounding is IEEE round-to-nearest-even, the same as `Math.fround` and
 * `Float32Array.set`: the bits equal the plain conversion's.
 */
import { assemble, countDown, get, i32, load, op, set, simd, store, F32, F64, I32, V128, type Code, type Func } from './wasm-asm.js'

/** demote(src, dst, n): dst[i] = f32(src[i]) for i < n (byte addresses of float64 and float32 arrays). */
function demoteFunc(): Func {
  const [SRC, DST, N] = [0, 1, 2]
  const [Q, R] = [3, 4]
  const demote: Code = simd(0x5e) // f32x4.demote_f64x2_zero: [f32(a0), f32(a1), 0, 0]
  // lanes 0, 1 of the first vector and 0, 1 of the second
  const join: Code = [simd(13), ...Array.from({ length: 8 }, (_, b) => b), ...Array.from({ length: 8 }, (_, b) => 16 + b)]
  const body: Code = [
    get(N), i32(2), op.shrU, set(Q), get(N), i32(3), op.and, set(R),
    countDown(Q, [
      get(DST), get(SRC), load(V128, 0), demote, get(SRC), load(V128, 16), demote, join, store(V128, 0),
      get(SRC), i32(32), op.add, set(SRC), get(DST), i32(16), op.add, set(DST),
    ]),
    countDown(R, [
      get(DST), get(SRC), load(F64), op.f32DemoteF64, store(F32),
      get(SRC), i32(8), op.add, set(SRC), get(DST), i32(4), op.add, set(DST),
    ]),
  ]
  return { name: 'demote', params: [I32, I32, I32], locals: [I32, I32], body }
}

const modules = new Map<boolean, WebAssembly.Module | null>()
/** The conversion module for a plain or a shared memory, compiled once per realm; null without SIMD. */
function demoteModule(shared: boolean): WebAssembly.Module | null {
  if (!modules.has(shared)) {
    try {
      modules.set(shared, new WebAssembly.Module(assemble([demoteFunc()], { shared })))
    } catch {
      modules.set(shared, null)
    }
  }
  return modules.get(shared)!
}

/** Arrays of up to this many values are converted by plain stores (the same rounding). */
const smallCopy = 64

/** Float64 values copied per chunk: 16384 (128 KiB of scratch). */
export const demoteChunk = 16384

/**
 * A float64 → float32 copy into views of `memory`, through `demoteChunk · 8` bytes of scratch at
 * byte address `scratch` (free between kernel calls, and below every view copied into), or
 * undefined where WebAssembly SIMD is missing. A `dst` that is not a view of `memory` is copied
 * by `Float32Array.set`. By default a view of `memory` is one over its current buffer object; a
 * caller that knows better says so with `ofMemory`: V8 gives every shared memory of a thread a new
 * buffer object whenever any of them grows, while views made before stay valid (judging them
 * foreign sent every input of a pooled step through `Float32Array.set`, about 3× slower, once
 * another pooled function had grown its memory).
 */
export function demoteInto(memory: WebAssembly.Memory, scratch: number): ((dst: Float32Array, src: Float64Array, ofMemory?: boolean) => void) | undefined {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer
  const mod = demoteModule(shared)
  if (mod === null) return undefined
  const demote = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports['demote'] as (src: number, dst: number, n: number) => void
  return (dst, src, ofMemory = dst.buffer === memory.buffer) => {
    const n = Math.min(dst.length, src.length)
    // a scalar or a few labels: a store rounds each as the module does, without a view and a call
    if (n <= smallCopy) {
      for (let i = 0; i < n; i++) dst[i] = src[i]!
      return
    }
    const bytes = memory.buffer.byteLength
    if (!ofMemory || bytes < scratch + 8 * demoteChunk || dst.byteOffset + 4 * n > bytes) return dst.set(src)
    const stage = new Float64Array(memory.buffer, scratch, demoteChunk)
    for (let i = 0; i < n; i += demoteChunk) {
      const m = Math.min(demoteChunk, n - i)
      stage.set(src.subarray(i, i + m))
      demote(scratch, dst.byteOffset + 4 * i, m)
    }
  }
}
