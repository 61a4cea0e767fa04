/**
 * The straightforward hand-written baseline: Float64Array, i-k-j loops for every product (the
 * transposed ones written directly), no zero skipping, no blocking.
 */
import { argmaxAccuracy, LR, type Batch, type Config, type Init, type Trainer } from '../common.js'

export async function naive(cfg: Config, init: Init): Promise<Trainer> {
  const L = cfg.sizes.length - 1
  const W = init.W.map((w) => w.slice())
  const b = init.b.map((v) => v.slice())
  const forward = (x: Float64Array, n: number): Float64Array[] => {
    const acts = [x]
    for (let l = 0; l < L; l++) {
      const [fi, fo] = [cfg.sizes[l]!, cfg.sizes[l + 1]!]
      const a = acts[l]!
      const z = new Float64Array(n * fo)
      const w = W[l]!
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < fo; j++) z[i * fo + j] = b[l]![j]!
        for (let k = 0; k < fi; k++) {
          const v = a[i * fi + k]!
          for (let j = 0; j < fo; j++) z[i * fo + j]! += v * w[k * fo + j]!
        }
      }
      if (l + 1 < L) for (let i = 0; i < z.length; i++) z[i] = z[i]! > 0 ? z[i]! : 0
      acts.push(z)
    }
    return acts
  }
  return {
    step: (bt: Batch) => {
      const n = bt.n
      const acts = forward(bt.x, n)
      // softmax cross-entropy gradient: (p − onehot) / n
      const C = cfg.sizes[L]!
      let d = acts[L]!.slice()
      for (let i = 0; i < n; i++) {
        let m = -Infinity
        for (let c = 0; c < C; c++) m = Math.max(m, d[i * C + c]!)
        let s = 0
        for (let c = 0; c < C; c++) s += Math.exp(d[i * C + c]! - m)
        for (let c = 0; c < C; c++) d[i * C + c] = (Math.exp(d[i * C + c]! - m) / s - (c === bt.y[i] ? 1 : 0)) / n
      }
      for (let l = L - 1; l >= 0; l--) {
        const [fi, fo] = [cfg.sizes[l]!, cfg.sizes[l + 1]!]
        const a = acts[l]!
        const w = W[l]!
        const gw = new Float64Array(fi * fo)
        const gb = new Float64Array(fo)
        for (let i = 0; i < n; i++)
          for (let k = 0; k < fi; k++) {
            const v = a[i * fi + k]!
            for (let j = 0; j < fo; j++) gw[k * fo + j]! += v * d[i * fo + j]!
          }
        for (let i = 0; i < n; i++) for (let j = 0; j < fo; j++) gb[j]! += d[i * fo + j]!
        if (l > 0) {
          const da = new Float64Array(n * fi)
          for (let i = 0; i < n; i++)
            for (let k = 0; k < fi; k++) {
              let s = 0
              for (let j = 0; j < fo; j++) s += d[i * fo + j]! * w[k * fo + j]!
              da[i * fi + k] = a[i * fi + k]! > 0 ? s : 0
            }
          d = da
        }
        for (let i = 0; i < w.length; i++) w[i] = w[i]! - LR * gw[i]!
        for (let j = 0; j < fo; j++) b[l]![j] = b[l]![j]! - LR * gb[j]!
      }
    },
    accuracy: (bt: Batch) => argmaxAccuracy(forward(bt.x, bt.n)[L]!, bt.y, 10),
  }
}
