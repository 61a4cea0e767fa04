/**
 * The Space-warp panel's numbers (lecture 4, "the transformation of space"; ConvNetJS's 2-D
 * classifier demo): a tanh net on the library's spiral, trained by the library's loop, and the
 * image of a grid over the input plane in each hidden layer. A 2-unit layer is drawn as it is; a
 * wider one is projected on its first two principal components (PCA of the training points'
 * activations in that layer, signs kept from frame to frame so the picture does not flip). Pure
 * apart from the compiled forward pass kept by `startWarp`.
 */
import { Data, Random, compile, input, nn, optim, train, Tensor as T, type Dataset } from '../../src/index.js'

type Tensor = T.Tensor

export const warpArchitectures = { '2': [2], '8-2': [8, 2], '16': [16] } as const
export type WarpArchitecture = keyof typeof warpArchitectures

export interface WarpSettings {
  readonly architecture: WarpArchitecture
  readonly classes: 2 | 3
}

/** Everything else a run depends on (the tests rebuild the run from these). */
export const warpSpec = { seed: 1, perClass: 100, noise: 0.1, lr: 0.01, init: 'xavier', extent: 1.25, lines: 13, samples: 60 } as const

export function warpData(s: WarpSettings): Dataset {
  return Data.spiral(Random.key(warpSpec.seed), { classes: s.classes, perClass: warpSpec.perClass, noise: warpSpec.noise })
}

export function warpModel(s: WarpSettings): train.AnyModel {
  return nn.mlp([2, ...warpArchitectures[s.architecture], s.classes], { activation: nn.tanh, init: warpSpec.init })
}

/** The grid's lines over the input plane: `lines` horizontal then `lines` vertical, `samples` points each, as rows [x, y]. */
export function gridPoints(): Float64Array {
  const { extent: e, lines, samples } = warpSpec
  const out = new Float64Array(2 * lines * samples * 2)
  let k = 0
  for (const vertical of [false, true])
    for (let l = 0; l < lines; l++)
      for (let j = 0; j < samples; j++) {
        const a = -e + (2 * e * l) / (lines - 1)
        const b = -e + (2 * e * j) / (samples - 1)
        out[k++] = vertical ? a : b
        out[k++] = vertical ? b : a
      }
  return out
}

export interface LayerView {
  /** Units in the layer. */
  readonly width: number
  /** 2-D coordinates of each grid point then each data point: the layer itself, or its PCA projection. */
  readonly xy: Float64Array
  readonly projected: boolean
  /** The layer's raw activations of the first three data points (tests compare them with the library). */
  readonly probe: readonly (readonly number[])[]
}

export interface WarpFrame {
  readonly step: number
  readonly losses: readonly number[]
  readonly trainAccuracy: number
  readonly layers: readonly LayerView[]
  /** Final-layer weights [2·C] and biases [C] when the last hidden layer has 2 units (its space is split linearly). */
  readonly readout?: { readonly W: Float64Array; readonly b: Float64Array }
  /** Predicted class and its probability on a `grid`×`grid` raster of the input plane, row 0 at the top. */
  readonly plane: { readonly grid: number; readonly cls: Uint8Array; readonly prob: Float64Array }
}

/** The top two eigenvectors of a symmetric w×w matrix (power iteration with deflation). */
function top2(cov: Float64Array, w: number, previous?: readonly Float64Array[]): Float64Array[] {
  const a = Float64Array.from(cov)
  const out: Float64Array[] = []
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: w }, (_, i) => previous?.[c]?.[i] ?? 1 / Math.sqrt(w) + 0.01 * i)
    let lambda = 0
    for (let it = 0; it < 200; it++) {
      const u = new Float64Array(w)
      for (let i = 0; i < w; i++) for (let j = 0; j < w; j++) u[i]! += a[i * w + j]! * v[j]!
      const n = Math.hypot(...u)
      if (!(n > 0)) break
      lambda = n
      v = u.map((x) => x / n)
    }
    const prev = previous?.[c]
    if (prev !== undefined && v.reduce((s, x, i) => s + x * prev[i]!, 0) < 0) v = v.map((x) => -x)
    out.push(v)
    for (let i = 0; i < w; i++) for (let j = 0; j < w; j++) a[i * w + j]! -= lambda * v[i]! * v[j]!
  }
  return out
}

/** A run of the settings: `next(steps)` trains that many more steps and returns the frame to draw. */
export function startWarp(s: WarpSettings, rasterSize = 100): { readonly data: Dataset; next(steps: number): WarpFrame } {
  const data = warpData(s)
  const model = warpModel(s)
  const n = Data.datasetSize(data)
  const config: train.TrainConfig = { optimizer: optim.adam(warpSpec.lr) as optim.AnyGradientTransformation, epochs: 1e9, batchSize: n, key: Random.key(warpSpec.seed), evalTrainSize: n }
  const programs = train.buildPrograms(model, 'softmax', { kind: 'none' })
  const applied = nn.toInference(model).apply(input('x', ['M', 2]), 'test')
  const hidden = applied.layers.filter((l) => l.kind === 'tanh')
  const forward = compile([...hidden.map((l) => l.out), applied.out])
  const grid = gridPoints()
  const raster = new Float64Array(2 * rasterSize * rasterSize)
  for (let r = 0; r < rasterSize; r++)
    for (let c = 0; c < rasterSize; c++) {
      raster[2 * (r * rasterSize + c)] = -warpSpec.extent + (2 * warpSpec.extent * (c + 0.5)) / rasterSize
      raster[2 * (r * rasterSize + c) + 1] = warpSpec.extent - (2 * warpSpec.extent * (r + 0.5)) / rasterSize
    }
  const rows = new Float64Array(grid.length + data.x.data.length + raster.length)
  rows.set(grid, 0)
  rows.set(data.x.data, grid.length)
  rows.set(raster, grid.length + data.x.data.length)
  const x = T.make([rows.length / 2, 2], rows)
  const [nGrid, nData] = [grid.length / 2, n]
  let state: train.TrainState = train.initTrainState(model, config)
  const axes = new Map<number, Float64Array[]>()
  return {
    data,
    next(steps) {
      if (steps > 0) state = train.train(model, { train: data }, { ...config, programs, maxSteps: state.step + steps }, state)
      const outs = forward.runOrThrow({ ...state.params, x })
      const layers = hidden.map((_, k): LayerView => view(k, outs[k]!))
      const scores = outs.at(-1)!
      const cls = new Uint8Array(rasterSize * rasterSize)
      const prob = new Float64Array(rasterSize * rasterSize)
      const base = nGrid + nData
      for (let i = 0; i < cls.length; i++) {
        const row = Array.from(scores.data.subarray((base + i) * s.classes, (base + i + 1) * s.classes))
        const top = Math.max(...row)
        const z = row.reduce((a, v) => a + Math.exp(v - top), 0)
        cls[i] = row.indexOf(top)
        prob[i] = 1 / z
      }
      const last = hidden.length
      const lastWidth = warpArchitectures[s.architecture].at(-1)!
      return {
        step: state.step, losses: state.history.loss, trainAccuracy: state.history.epochs.at(-1)?.trainAccuracy ?? NaN, layers,
        ...(lastWidth === 2 ? { readout: { W: state.params[`dense${last}.W`]!.data, b: state.params[`dense${last}.b`]!.data } } : {}),
        plane: { grid: rasterSize, cls, prob },
      }
    },
  }

  function view(k: number, t: Tensor): LayerView {
    const w = t.shape[1]!
    const m = nGrid + nData
    const probe = [0, 1, 2].map((i) => Array.from(t.data.subarray((nGrid + i) * w, (nGrid + i + 1) * w)))
    if (w === 2) return { width: w, xy: t.data.slice(0, 2 * m), projected: false, probe }
    // PCA on the training points' activations
    const mean = new Float64Array(w)
    for (let i = nGrid; i < m; i++) for (let j = 0; j < w; j++) mean[j]! += t.data[i * w + j]! / nData
    const cov = new Float64Array(w * w)
    for (let i = nGrid; i < m; i++)
      for (let a = 0; a < w; a++) for (let b = 0; b < w; b++) cov[a * w + b]! += ((t.data[i * w + a]! - mean[a]!) * (t.data[i * w + b]! - mean[b]!)) / nData
    const pcs = top2(cov, w, axes.get(k))
    axes.set(k, pcs)
    const xy = new Float64Array(2 * m)
    for (let i = 0; i < m; i++)
      for (let c = 0; c < 2; c++) {
        let v = 0
        for (let j = 0; j < w; j++) v += (t.data[i * w + j]! - mean[j]!) * pcs[c]![j]!
        xy[2 * i + c] = v
      }
    return { width: w, xy, projected: true, probe }
  }
}
