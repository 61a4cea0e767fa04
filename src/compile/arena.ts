/**
 * Where a compiled function keeps its numbers. The JavaScript backend in float64 keeps each buffer
 * as its own Float64Array and reads the caller's arrays in place; a float32 function, or one on the
 * WebAssembly backend, keeps every buffer, input and constant in one arena: consecutive 16-byte
 * aligned regions of one memory (a WebAssembly memory, so kernels address them by byte offset, and
 * the fused JavaScript loops read them through typed-array views of that same memory).
 */
import { quote } from '../core/codecs.js'
import { SymgradError } from '../core/errors.js'

/** The element type compiled code computes in: float64 or float32. */
export type Dtype = 'float32' | 'float64'
export type FloatArray = Float32Array | Float64Array

export const dtypes: readonly Dtype[] = ['float32', 'float64']

/** Throws a SymgradError unless `d` is one of `dtypes` (`'float16'` would otherwise run as float64). */
export function checkDtype(d: unknown, place: string): asserts d is Dtype {
  if (!(dtypes as readonly unknown[]).includes(d))
    throw new SymgradError('value', `${place}: dtype must be one of ${dtypes.map((x) => `'${x}'`).join(' | ')}, got ${typeof d === 'string' ? quote(d) : String(d)}`)
}
export const bytesOf = (d: Dtype): 4 | 8 => (d === 'float32' ? 4 : 8)

export interface Arena {
  readonly dtype: Dtype
  /**
   * Views of consecutive regions of these lengths; every view handed out before is invalid
   * afterwards (the caller keeps what it needs across a new layout).
   */
  readonly layout: (lengths: readonly number[]) => FloatArray[]
  /** Copies float64 values into a view `layout` handed out, converting them to the arena's dtype. */
  readonly put: (dst: FloatArray, src: Float64Array) => void
  /**
   * Writes bytes[i] / divisor into a view `layout` handed out, in the arena's dtype: the same bits
   * as `put` of those float64 quotients (core/ByteTensor.ts: the divisor is a float32 number).
   */
  readonly putBytes: (dst: FloatArray, bytes: Uint8Array, divisor: number) => void
}

/** putBytes element by element: a store rounds each quotient as `put` would. */
export function putBytesPlain(dst: FloatArray, bytes: Uint8Array, divisor: number): void {
  const n = Math.min(dst.length, bytes.length)
  for (let i = 0; i < n; i++) dst[i] = bytes[i]! / divisor
}

const align16 = (n: number): number => (n + 15) & ~15

/**
 * Converting float64 into a float32 view of a shared memory goes element by element (about 3×
 * slower than into a plain buffer here), so that goes through a plain float32 staging array and
 * one same-type copy; everything else is converted in place.
 */
function stagedPut(): Arena['put'] {
  let stage = new Float32Array(0)
  return (dst, src) => {
    if (dst instanceof Float64Array || typeof SharedArrayBuffer === 'undefined' || !(dst.buffer instanceof SharedArrayBuffer)) return dst.set(src)
    if (stage.length < src.length) stage = new Float32Array(src.length)
    const s = stage.subarray(0, src.length)
    s.set(src)
    dst.set(s)
  }
}

/**
 * An arena in a WebAssembly memory, after `reserved` bytes kept for the kernels' scratch; `demote`
 * converts float64 into its float32 views (kernels/convert-wasm.ts; `ofMemory`: the arena vouches
 * that `dst` is one of its views), by default `Float32Array.set`; `expand` writes bytes / divisor
 * into its views (kernels/expand-wasm.ts, vouched the same way), by default `putBytesPlain`.
 */
export function wasmArena(
  dtype: Dtype,
  memory: WebAssembly.Memory,
  reserved: number,
  demote?: (dst: Float32Array, src: Float64Array, ofMemory: boolean) => void,
  expand?: (dst: FloatArray, bytes: Uint8Array, divisor: number, ofMemory: boolean) => void,
): Arena {
  const E = bytesOf(dtype)
  const View = dtype === 'float32' ? Float32Array : Float64Array
  // The buffer object the current views were made on. A shared memory's `buffer` is a new object
  // whenever any shared memory of the thread grows (V8), while views made before stay valid: a
  // view is ours when it is over this object or over the memory's current one.
  let laidOn: ArrayBufferLike | undefined
  const ours = (dst: FloatArray): boolean => dst.buffer === laidOn || dst.buffer === memory.buffer
  return {
    dtype,
    layout: (lengths) => {
      const offsets: number[] = []
      let end = align16(reserved)
      for (const n of lengths) {
        offsets.push(end)
        end = align16(end + n * E)
      }
      const have = memory.buffer.byteLength
      if (end > have) memory.grow(Math.ceil((end - have) / 65536))
      const buf = memory.buffer
      laidOn = buf
      return lengths.map((n, k) => new View(buf, offsets[k]!, n))
    },
    put: demote !== undefined ? (dst, src) => (dst instanceof Float32Array ? demote(dst, src, ours(dst)) : dst.set(src)) : stagedPut(),
    putBytes: expand !== undefined ? (dst, bytes, divisor) => expand(dst, bytes, divisor, ours(dst)) : putBytesPlain,
  }
}

/** An arena of separate typed arrays (no WebAssembly): the fallback for float32 without SIMD. */
export function plainArena(dtype: Dtype): Arena {
  const View = dtype === 'float32' ? Float32Array : Float64Array
  return { dtype, layout: (lengths) => lengths.map((n) => new View(n)), put: (dst, src) => dst.set(src), putBytes: putBytesPlain }
}
