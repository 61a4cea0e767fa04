/**
 * bytes / divisor into a WebAssembly memory: how a float32 (or pooled float64) function takes a
 * tensor stored as bytes (core/ByteTensor.ts), an eighth of a float64 batch's memory traffic.
 *
 * The bytes are copied as they are, a chunk at a time, into scratch bytes of the memory (a memcpy)
 * and expanded from there by a SIMD loop: sixteen bytes widened u8 → u16 → u32, converted (exactly:
 * they are below 256) and divided by a splat of the divisor, four f32x4 or eight f64x2 stores.
 * The quotient is IEEE round-to-nearest-even in the destination's type: in float64 it is the
 * JavaScript quotient, and in float32 the division of f32(b) by f32(d) rounds as `Math.fround(b / d)`
 * does whenever d is a float32 number (core/ByteTensor.ts). So the bits equal `putBytesPlain`'s
 * (arena.ts), the reference, for every divisor taken here; any other goes to `putBytesPlain`.
 */
import { putBytesPlain, type FloatArray } from '../arena.js'
import { isShared } from '../threads.js'
import { demoteChunk } from './convert-wasm.js'
import { assemble, countDown, get, i32, load, load8U, op, set, simd, store, f32x4, f64x2, F32, F64, I32, V128, type Code, type Func } from './wasm-asm.js'

const widen8Low: Code = simd(0x89) // i16x8.extend_low_i8x16_u
const widen8High: Code = simd(0x8a) // i16x8.extend_high_i8x16_u
const widen16Low: Code = simd(0xa9) // i32x4.extend_low_i16x8_u
const widen16High: Code = simd(0xaa) // i32x4.extend_high_i16x8_u
const f32FromU32: Code = simd(0xfb) // f32x4.convert_i32x4_u
const f64FromLowU32: Code = simd(0xff) // f64x2.convert_low_i32x4_u: lanes 0, 1
const f32x4Div: Code = simd(0xe7)
const f64x2Div: Code = simd(0xf3)
/** Lanes 2, 3 of an i32x4 moved to lanes 0, 1 (of the vector and itself on the stack). */
const highPair: Code = [simd(13), ...Array.from({ length: 16 }, (_, b) => 8 + (b % 8))]

/**
 * expand32(src, dst, n, d) / expand64(src, dst, n, d): dst[i] = src[i] / d for i < n (byte
 * addresses of the bytes and of the float32 or float64 array; d a float32 or float64 number).
 */
function expandFunc(elem: typeof F32 | typeof F64): Func {
  const [SRC, DST, N, D] = [0, 1, 2, 3]
  const [Q, R, DV, B, H, U] = [4, 5, 6, 7, 8, 9]
  const f32 = elem === F32
  const E = f32 ? 4 : 8
  // the four u32 vectors of the sixteen bytes in B, in order, each through H
  const quarters: Code[] = [
    [get(B), widen8Low, set(H), get(H), widen16Low], [get(H), widen16High],
    [get(B), widen8High, set(H), get(H), widen16Low], [get(H), widen16High],
  ]
  const stores: Code = f32
    ? quarters.map((q, k) => [get(DST), q, f32FromU32, get(DV), f32x4Div, store(V128, 16 * k)])
    : quarters.map((q, k) => [
      q, set(U),
      get(DST), get(U), f64FromLowU32, get(DV), f64x2Div, store(V128, 32 * k),
      get(DST), get(U), get(U), highPair, f64FromLowU32, get(DV), f64x2Div, store(V128, 32 * k + 16),
    ])
  const body: Code = [
    get(D), (f32 ? f32x4 : f64x2).splat, set(DV),
    get(N), i32(4), op.shrU, set(Q), get(N), i32(15), op.and, set(R),
    countDown(Q, [
      get(SRC), load(V128), set(B), stores,
      get(SRC), i32(16), op.add, set(SRC), get(DST), i32(16 * E), op.add, set(DST),
    ]),
    countDown(R, [
      get(DST), get(SRC), load8U(), f32 ? op.f32ConvertI32U : op.f64ConvertI32U, get(D), f32 ? op.f32div : op.f64div, store(elem),
      get(SRC), i32(1), op.add, set(SRC), get(DST), i32(E), op.add, set(DST),
    ]),
  ]
  return { name: f32 ? 'expand32' : 'expand64', params: [I32, I32, I32, elem], locals: [I32, I32, V128, V128, V128, V128], body }
}

const modules = new Map<boolean, WebAssembly.Module | null>()
/** The expansion module for a plain or a shared memory, compiled once per realm; null without SIMD. */
function expandModule(shared: boolean): WebAssembly.Module | null {
  if (!modules.has(shared)) {
    try {
      modules.set(shared, new WebAssembly.Module(assemble([expandFunc(F32), expandFunc(F64)], { shared })))
    } catch {
      modules.set(shared, null)
    }
  }
  return modules.get(shared)!
}

/** Arrays of up to this many bytes are expanded by plain stores (the same rounding). */
const smallCopy = 64

/** Bytes staged per chunk: 131072, the same 128 KiB of scratch as the float64 conversion's. */
export const expandChunk = 8 * demoteChunk

/** An expansion of bytes / divisor into a view of a memory (`ofMemory`: the caller vouches it is one). */
export type Expand = (dst: FloatArray, bytes: Uint8Array, divisor: number, ofMemory?: boolean) => void

/**
 * A bytes / divisor expansion into float32 and float64 views of `memory`, through `expandChunk`
 * bytes of scratch at byte address `scratch` (free between kernel calls, and below every view
 * written), or undefined where WebAssembly SIMD is missing. A `dst` that is not a view of `memory`
 * (`ofMemory` as in convert-wasm.ts's `demoteInto`), and a divisor the kernel would not divide to
 * the same bits (not a float32 number into float32; 0 or NaN, whose NaNs an engine may write with
 * other bits), go to `putBytesPlain`.
 */
export function expandInto(memory: WebAssembly.Memory, scratch: number): Expand | undefined {
  const mod = expandModule(isShared(memory))
  if (mod === null) return undefined
  const x = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports
  const expand32 = x['expand32'] as (src: number, dst: number, n: number, d: number) => void
  const expand64 = x['expand64'] as (src: number, dst: number, n: number, d: number) => void
  return (dst, bytes, divisor, ofMemory = dst.buffer === memory.buffer) => {
    const n = Math.min(dst.length, bytes.length)
    const f32 = dst instanceof Float32Array
    if (n <= smallCopy || !(divisor > 0 || divisor < 0) || (f32 && Math.fround(divisor) !== divisor)) return putBytesPlain(dst, bytes, divisor)
    const size = memory.buffer.byteLength
    const E = dst.BYTES_PER_ELEMENT
    if (!ofMemory || size < scratch + expandChunk || dst.byteOffset + E * n > size) return putBytesPlain(dst, bytes, divisor)
    const stage = new Uint8Array(memory.buffer, scratch, expandChunk)
    const run = f32 ? expand32 : expand64
    for (let i = 0; i < n; i += expandChunk) {
      const m = Math.min(expandChunk, n - i)
      stage.set(bytes.subarray(i, i + m))
      run(scratch, dst.byteOffset + E * i, m, divisor)
    }
  }
}
