/**
 * Pooling and padding kernels for the JavaScript backend: plain loops over NCHW buffers, the
 * argmax of each window kept in a local (max pooling's backward pass finds it again from x rather
 * than storing indices between calls), nothing allocated per call.
 */

/** Batch·channels, input size, window, stride (output size derived). */
export interface PoolDims {
  readonly nc: number
  readonly h: number
  readonly w: number
  readonly kh: number
  readonly kw: number
  readonly sh: number
  readonly sw: number
}

const outH = (d: PoolDims) => (d.h - d.kh) / d.sh + 1
const outW = (d: PoolDims) => (d.w - d.kw) / d.sw + 1

/**
 * Finds the first largest input of every window (output order) and, by `mode`,
 * `mode` 0: y[o] = x[k]; 1: dx[k] += g[o]; 2: y[o] = c[k].
 */
function maxWindows(x: Float64Array, d: PoolDims, mode: 0 | 1 | 2, src: Float64Array, dst: Float64Array): void {
  const OH = outH(d)
  const OW = outW(d)
  let o = 0
  for (let nc = 0; nc < d.nc; nc++) {
    const plane = nc * d.h * d.w
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++, o++) {
        const top = plane + i * d.sh * d.w + j * d.sw
        let best = top
        let m = x[top]!
        for (let p = 0; p < d.kh; p++) {
          const r = top + p * d.w
          for (let q = 0; q < d.kw; q++) {
            const v = x[r + q]!
            if (v > m) {
              m = v
              best = r + q
            }
          }
        }
        if (mode === 0) dst[o] = m
        else if (mode === 1) dst[best]! += src[o]!
        else dst[o] = src[best]!
      }
  }
}

export function maxPool2d(x: Float64Array, y: Float64Array, d: PoolDims): void {
  maxWindows(x, d, 0, x, y)
}

export function maxPool2dBackprop(x: Float64Array, g: Float64Array, dx: Float64Array, d: PoolDims): void {
  dx.fill(0, 0, d.nc * d.h * d.w)
  maxWindows(x, d, 1, g, dx)
}

export function maxPool2dGather(x: Float64Array, c: Float64Array, y: Float64Array, d: PoolDims): void {
  maxWindows(x, d, 2, c, y)
}

export function avgPool2d(x: Float64Array, y: Float64Array, d: PoolDims): void {
  const OH = outH(d)
  const OW = outW(d)
  const k = 1 / (d.kh * d.kw)
  let o = 0
  for (let nc = 0; nc < d.nc; nc++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++, o++) {
        const top = nc * d.h * d.w + i * d.sh * d.w + j * d.sw
        let s = 0
        for (let p = 0; p < d.kh; p++) for (let q = 0; q < d.kw; q++) s += x[top + p * d.w + q]!
        y[o] = s * k
      }
}

export function avgPool2dBackprop(g: Float64Array, dx: Float64Array, d: PoolDims): void {
  const OH = outH(d)
  const OW = outW(d)
  const k = 1 / (d.kh * d.kw)
  dx.fill(0, 0, d.nc * d.h * d.w)
  let o = 0
  for (let nc = 0; nc < d.nc; nc++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++, o++) {
        const top = nc * d.h * d.w + i * d.sh * d.w + j * d.sw
        const v = k * g[o]!
        for (let p = 0; p < d.kh; p++) for (let q = 0; q < d.kw; q++) dx[top + p * d.w + q]! += v
      }
}

/**
 * out = pad(x, pads) for x of shape `from` and out of shape `to` (pads: before/after per axis,
 * negative = crop): zero fill, then one copy per innermost row.
 */
export function pad(x: Float64Array, from: readonly number[], out: Float64Array, to: readonly number[], pads: readonly number[]): void {
  const r = to.length
  let total = 1
  for (const v of to) total *= v
  out.fill(0, 0, total)
  if (r === 0) return
  const last = r - 1
  const b = pads[2 * last]!
  // the part of each innermost row that comes from x
  const j0 = Math.max(0, b)
  const j1 = Math.min(to[last]!, from[last]! + b)
  if (j1 <= j0) return
  const rows = total / to[last]!
  const idx = new Array<number>(r).fill(0)
  for (let row = 0; row < rows; row++) {
    let src = 0
    let inside = true
    for (let ax = 0; ax < last && inside; ax++) {
      const i = idx[ax]! - pads[2 * ax]!
      if (i < 0 || i >= from[ax]!) inside = false
      else src = src * from[ax]! + i
    }
    if (inside) {
      const s = src * from[last]! + j0 - b
      out.set(x.subarray(s, s + j1 - j0), row * to[last]! + j0)
    }
    for (let ax = last - 1; ax >= 0; ax--) {
      if (++idx[ax]! < to[ax]!) break
      idx[ax] = 0
    }
  }
}
