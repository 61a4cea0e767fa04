/**
 * float32x4 exp and tanh for the WebAssembly loops (loop-wasm.ts), after Cephes' expf and tanhf:
 * range reduction and short polynomials, every lane computed the same way (no branches), NaN, ±∞
 * and ±0 handled as Math.exp and Math.tanh do. Each takes its argument's code and a supplier of
 * fresh v128 locals.
 */
import { get, i32, set, simd, type Code } from './wasm-asm.js'

/** v128.const of 16 bytes. */
export const vconst = (bytes: Uint8Array): Code => [0xfd, 12, ...bytes]
const BITSELECT = simd(0x52)
/** A float32x4 constant. */
const c = (v: number): Code => vconst(new Uint8Array(Float32Array.of(v, v, v, v).buffer))

/**
 * float32x4 e^x after Cephes' expf: n = round(x·log₂e), r = x − n·ln 2 in two parts (Cody–Waite),
 * e^r = 1 + r + r²·p(r) with p of degree 5, then times 2^n as two powers of two (⌊n/2⌋ and the
 * rest, so neither leaves the exponent range and subnormal results get one rounding). x is
 * clamped to [−104, 88.8] first: above ln(max float) the product overflows to +∞, below −103.97
 * it rounds to 0, and NaN passes through the clamp. Within a few ulp of Math.exp (tested).
 */
export function expF32(x: Code, tmp: () => number): Code {
  const ci = (v: number): Code => vconst(new Uint8Array(Int32Array.of(v, v, v, v).buffer))
  const [mul, add, sub, min, max, nearest] = [simd(0xe6), simd(0xe4), simd(0xe5), simd(0xe8), simd(0xe9), simd(0x6a)]
  const [truncSat, iadd, isub, ishl, ishrS] = [simd(0xf8), simd(0xae), simd(0xb1), simd(0xab), simd(0xac)]
  const [X, N, R, K] = [tmp(), tmp(), tmp(), tmp()]
  const pow2 = (k: Code): Code => [k, ci(127), iadd, i32(23), ishl]
  const poly = [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map((a) => [get(R), mul, c(a), add])
  return [
    x, c(88.8), min, c(-104), max, set(X),
    get(X), c(1.44269504088896341), mul, nearest, set(N),
    get(X), get(N), c(0.693359375), mul, sub, get(N), c(-2.12194440e-4), mul, sub, set(R),
    get(N), truncSat, set(K),
    c(1.9875691500e-4), poly, get(R), get(R), mul, mul, get(R), add, c(1), add,
    pow2([get(K), i32(1), ishrS]), mul,
    pow2([get(K), get(K), i32(1), ishrS, isub]), mul,
  ]
}

/**
 * float32x4 tanh after Cephes' tanhf: for |x| < 0.625 the odd polynomial x + x·z·P(z), z = x²
 * (no cancellation near 0); above, 1 − 2/(e^{2|x|} + 1) (→ 1 as e^{2|x|} overflows); both
 * computed, one kept per lane, with x's sign bit (−0 stays −0). NaN stays NaN. Within a few ulp
 * of Math.tanh (tested).
 */
export function tanhF32(x: Code, tmp: () => number): Code {
  const signBit = vconst(new Uint8Array(Int32Array.of(-0x80000000, -0x80000000, -0x80000000, -0x80000000).buffer))
  const [mul, add, sub, div, abs, lt] = [simd(0xe6), simd(0xe4), simd(0xe5), simd(0xe7), simd(0xe0), simd(0x43)]
  const [X, A, Z] = [tmp(), tmp(), tmp()]
  const poly = [2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1].map((a) => [get(Z), mul, c(a), add])
  return [
    x, set(X), get(X), abs, set(A), get(X), get(X), mul, set(Z),
    get(X),
    // |x| < 0.625: x + x·z·P(z)
    c(-5.70498872745e-3), poly, get(Z), mul, get(X), mul, get(X), add,
    // otherwise 1 − 2/(e^{2|x|} + 1)
    c(1), c(2), expF32([get(A), get(A), add], tmp), c(1), add, div, sub,
    get(A), c(0.625), lt, BITSELECT,
    // x's sign bit on either (−0 stays −0)
    signBit, BITSELECT,
  ]
}
