/**
 * PRNG keys as plain values, JAX style: a key is two uint32 words; `split` derives independent
 * keys; drawing from a key never changes it. The same key always gives the same numbers, bit for
 * bit. The stream comes from pure-rand's xoroshiro128+ seeded by a splitmix-style mix of the key,
 * and doubles are drawn with pure-rand's 53-bit `uniformFloat64`.
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus'
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import type { Concrete } from './Shape.js'
import * as S from './Shape.js'
import type { Tensor } from './Tensor.js'
import { SymgradError } from './errors.js'

/** A PRNG key as a value [uint32, uint32]: split or fold it to derive more; the same key gives the same draws. */
export type Key = readonly [number, number]

/** A key from an integer seed (a safe integer: NaN or 1.5 would silently be the key of 0 or 1). */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed)) throw new SymgradError('value', `Random.key: expected an integer seed (|seed| < 2^53), got ${typeof seed === 'number' ? String(seed) : typeof seed}`)
  return [seed >>> 0, Math.floor(seed / 0x100000000) >>> 0]
}

/** murmur3-style 32-bit finalizer. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Throws unless `k` is a key (two unsigned 32-bit integers) and `n` a count of draws. */
function checkDraw(place: string, k: Key, n: number): void {
  if (!Array.isArray(k) || k.length !== 2 || !k.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff))
    throw new SymgradError('value', `Random.${place}: expected a key (two unsigned 32-bit integers, from Random.key), got ${Array.isArray(k) ? `[${k.map(String).join(',')}]` : typeof k}`)
  if (!Number.isSafeInteger(n) || n < 0) throw new SymgradError('value', `Random.${place}: expected a non-negative integer count, got ${String(n)}`)
}

function generator(k: Key, stream: number) {
  const a = mix32(k[0] ^ 0x9e3779b9)
  const b = mix32(k[1] ^ mix32(a + 0x7f4a7c15))
  const c = mix32(a ^ mix32(stream + 0x85ebca6b))
  const d = mix32(b ^ c ^ 0x27d4eb2f)
  // xoroshiro must not start from an all-zero state
  const st = [a, b, c, d | (a | b | c ? 0 : 1)]
  const g = xoroshiro128plusFromState(st)
  for (let i = 0; i < 4; i++) g.next() // decorrelate nearby keys
  return g
}

/** `n` new keys, independent of each other and of draws from `k`. */
export function split(k: Key, n = 2): Key[] {
  checkDraw('split', k, n)
  const g = generator(k, 0x5eed)
  const out: Key[] = []
  for (let i = 0; i < n; i++) out.push([g.next() >>> 0, g.next() >>> 0])
  return out
}

/** The i-th key of `split(k, i + 1)`, without making the others (for per-step keys). */
export function foldIn(k: Key, i: number): Key {
  if (!Number.isSafeInteger(i)) throw new SymgradError('value', `Random.foldIn: expected an integer index, got ${typeof i === 'number' ? String(i) : typeof i}`)
  const g = generator([k[0] ^ mix32(i + 1), (k[1] + Math.imul(i, 0x632be5ab)) >>> 0], 0xf01d)
  return [g.next() >>> 0, g.next() >>> 0]
}

/** `n` uniform draws in [0, 1). */
export function uniformArray(k: Key, n: number): Float64Array {
  checkDraw('uniform', k, n)
  const g = generator(k, 1)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = uniformFloat64(g)
  return out
}

/** `n` standard normal draws (Box–Muller on pure-rand doubles). */
export function normalArray(k: Key, n: number): Float64Array {
  checkDraw('normal', k, n)
  const g = generator(k, 2)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - uniformFloat64(g) // (0, 1]
    const u2 = uniformFloat64(g)
    const r = Math.sqrt(-2 * Math.log(u1))
    out[i] = r * Math.cos(2 * Math.PI * u2)
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2)
  }
  return out
}

/** A tensor of `shape` drawn from U[lo, hi) by the key ([0, 1) by default). */
export function uniform(k: Key, shape: Concrete, lo = 0, hi = 1): Tensor {
  S.checkShape(shape, 'Random.uniform', false)
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new SymgradError('value', `Random.uniform: expected finite bounds lo ≤ hi, got ${lo}..${hi}`)
  const d = uniformArray(k, S.size(shape))
  for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * d[i]!
  return { shape: [...shape], data: d }
}

/** A tensor of `shape` drawn from N(mean, std²) by the key (std 1, mean 0 by default). */
export function normal(k: Key, shape: Concrete, std = 1, mean = 0): Tensor {
  S.checkShape(shape, 'Random.normal', false)
  if (!(Number.isFinite(std) && std >= 0 && Number.isFinite(mean))) throw new SymgradError('value', `Random.normal: expected a finite std ≥ 0 and a finite mean, got std ${std}, mean ${mean}`)
  const d = normalArray(k, S.size(shape))
  for (let i = 0; i < d.length; i++) d[i] = mean + std * d[i]!
  return { shape: [...shape], data: d }
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(k: Key, n: number): Int32Array {
  checkDraw('permutation', k, n)
  const u = uniformArray(k, n)
  const p = new Int32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1))
    const t = p[i]!
    p[i] = p[j]!
    p[j] = t
  }
  return p
}

/** An integer in [lo, hi). */
export function int(k: Key, lo: number, hi: number): number {
  return lo + Math.floor(uniformArray(k, 1)[0]! * (hi - lo))
}
