/**
 * The classifier panel's 2-D data sets, all from a key: the CS231n spiral (the library's), XOR as
 * four noisy blobs, and two concentric circles (TensorFlow Playground's pair). Pure.
 */
import * as E from 'fp-ts/lib/Either.js'
import { Data, Random, Tensor as T, type Dataset } from '../../src/index.js'

export type ToyName = 'spiral' | 'xor' | 'circles'

function dataset(name: string, xs: Float64Array, ys: Float64Array, classes: number): Dataset {
  const d = Data.makeDataset({ name, x: T.make([ys.length, 2], xs), y: T.make([ys.length], ys), classes })
  if (E.isLeft(d)) throw d.left
  return d.right
}

/** Four blobs at (±0.5, ±0.5), std 0.2; the label is 1 where the signs differ. */
function xorBlobs(key: Random.Key, n: number): Dataset {
  const e = Random.normalArray(key, 2 * n)
  const xs = new Float64Array(2 * n)
  const ys = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const [sx, sy] = [i % 2 === 0 ? 1 : -1, i % 4 < 2 ? 1 : -1]
    xs[2 * i] = 0.5 * sx + 0.2 * e[2 * i]!
    xs[2 * i + 1] = 0.5 * sy + 0.2 * e[2 * i + 1]!
    ys[i] = sx * sy < 0 ? 1 : 0
  }
  return dataset('xor', xs, ys, 2)
}

/** A disc of radius 0.4 (class 0) inside a ring of radii 0.7..1 (class 1), radial noise std 0.05. */
function circles(key: Random.Key, n: number): Dataset {
  const u = Random.uniformArray(key, 2 * n)
  const e = Random.normalArray(Random.foldIn(key, 1), n)
  const xs = new Float64Array(2 * n)
  const ys = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const inner = i % 2 === 0
    const r = (inner ? 0.4 * Math.sqrt(u[2 * i]!) : 0.7 + 0.3 * u[2 * i]!) + 0.05 * e[i]!
    const t = 2 * Math.PI * u[2 * i + 1]!
    xs[2 * i] = r * Math.cos(t)
    xs[2 * i + 1] = r * Math.sin(t)
    ys[i] = inner ? 0 : 1
  }
  return dataset('circles', xs, ys, 2)
}

/** Training and validation sets (different keys, same distribution). */
export function toyData(name: ToyName, seed: number): { train: Dataset; validation: Dataset } {
  const make = (k: Random.Key): Dataset =>
    name === 'spiral' ? Data.spiral(k, { classes: 3, perClass: 100, noise: 0.2 }) : name === 'xor' ? xorBlobs(k, 300) : circles(k, 300)
  return { train: make(Random.key(seed)), validation: make(Random.foldIn(Random.key(seed), 7)) }
}
