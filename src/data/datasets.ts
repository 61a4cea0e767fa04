/**
 * Small synthetic datasets: XOR and the CS231n spiral. Both are exact values (no checks can fail),
 * so they return a Dataset directly.
 */
import * as R from '../core/Random.js'
import type { Key } from '../core/Random.js'
import type { Dataset } from './Dataset.js'

/** Options of `xor`: whether to append a constant 1 column. */
export interface XorOptions {
  /** Append a constant 1 column (x becomes [4, 3]) so a model without a bias can still fit. */
  readonly bias?: boolean
}

/**
 * The four XOR points (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0: two classes no linear model separates.
 */
export function xor(options: XorOptions = {}): Dataset {
  const pts = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ] as const
  const d = options.bias ? 3 : 2
  const x = new Float64Array(4 * d)
  pts.forEach(([a, b], i) => {
    x[i * d] = a
    x[i * d + 1] = b
    if (options.bias) x[i * d + 2] = 1
  })
  return {
    name: options.bias ? 'xor+bias' : 'xor',
    x: { shape: [4, d], data: x },
    y: { shape: [4], data: Float64Array.of(0, 1, 1, 0) },
    classes: 2,
  }
}

/** Options of `spiral`: classes, points per class, noise. */
export interface SpiralOptions {
  /** Number of classes (arms), K. Default 3. */
  readonly classes?: number
  /** Points per class, N. Default 100. */
  readonly perClass?: number
  /** Standard deviation of the angle noise in radians. Default 0.2 (as in CS231n). */
  readonly noise?: number
}

/**
 * The CS231n spiral: K arms of N points in 2-D. Point i of arm j has radius r = i/(N−1) and angle
 * t = 4j + 4·i/(N−1) + noise·ε (ε ~ N(0,1) from `key`), at (r·sin t, r·cos t); its label is j.
 * Rows are grouped by class (arm 0 first). The same key gives the same points, bit for bit.
 */
export function spiral(key: Key, options: SpiralOptions = {}): Dataset {
  const k = options.classes ?? 3
  const n = options.perClass ?? 100
  const noise = options.noise ?? 0.2
  if (!Number.isInteger(k) || k < 1 || !Number.isInteger(n) || n < 1)
    throw new RangeError(`spiral: classes and perClass must be positive integers, got ${k} and ${n}`)
  const eps = R.normalArray(key, k * n)
  const x = new Float64Array(k * n * 2)
  const y = new Float64Array(k * n)
  for (let j = 0; j < k; j++)
    for (let i = 0; i < n; i++) {
      const row = j * n + i
      const s = n === 1 ? 0 : i / (n - 1)
      const t = 4 * j + 4 * s + noise * eps[row]!
      x[2 * row] = s * Math.sin(t)
      x[2 * row + 1] = s * Math.cos(t)
      y[row] = j
    }
  return { name: `spiral(K=${k},N=${n})`, x: { shape: [k * n, 2], data: x }, y: { shape: [k * n], data: y }, classes: k }
}
