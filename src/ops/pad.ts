/**
 * pad: zeros added before and after each axis; a negative amount crops instead (as ONNX's Pad
 * allows), so the op is closed under its own vjp:
 *
 *   out[i] = x[i − before] where that index lies inside x, else 0;   vjp: pad(cot, −pads).
 *
 * `pads` is [before₀, after₀, before₁, after₁, …], one pair per axis. A symbolic axis (the batch)
 * cannot be padded.
 */
import type { Attrs, Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import type { Concrete } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'
import { call, defineOp } from './Op.js'
import { Attr } from './attrs.js'

function padsAttr(a: Attrs, rank: number): number[] {
  const p = a['pads']
  if (!Array.isArray(p) || p.length !== 2 * rank || !p.every((v) => Number.isInteger(v)))
    throw new ShapeError(`pad: attribute 'pads' must hold ${2 * rank} integers (before and after each of ${rank} axes), got ${JSON.stringify(p)}`)
  return p as number[]
}

/** Calls f(source offset, output offset) for every output element whose source lies inside x. */
export function forEachPadded(from: Concrete, to: Concrete, pads: readonly number[], f: (src: number, dst: number) => void): void {
  const r = to.length
  const st = S.strides(from)
  const idx = new Array<number>(r).fill(0)
  const n = S.size(to)
  for (let o = 0; o < n; o++) {
    let src = 0
    let inside = true
    for (let ax = 0; ax < r; ax++) {
      const i = idx[ax]! - pads[2 * ax]!
      if (i < 0 || i >= from[ax]!) {
        inside = false
        break
      }
      src += i * st[ax]!
    }
    if (inside) f(src, o)
    for (let ax = r - 1; ax >= 0; ax--) {
      if (++idx[ax]! < to[ax]!) break
      idx[ax] = 0
    }
  }
}

// ── pad ──  zeros around x (negative amounts crop); vjp: pad(cot, −pads)
/** The op record of `pad` (shape rule, evaluation, derivative, printed form, law cases): zeros around x (negative amounts crop); vjp: pad(cot, −pads). */
export const padOp = defineOp({
  name: 'pad',
  arity: 1,
  kind: 'movement',
  lowering: 'kernel',
  attrs: Attr.record({ pads: Attr.axes }),
  shape: ([x], a) => {
    const p = padsAttr(a, x!.length)
    return x!.map((d, ax) => {
      const b = p[2 * ax]!
      const e = p[2 * ax + 1]!
      if (typeof d === 'string') {
        if (b !== 0 || e !== 0) throw new ShapeError(`pad: axis ${ax} of ${S.show(x!)} is symbolic and cannot be padded, got pads [${b},${e}]`)
        return d
      }
      const out = d + b + e
      if (out < 1 || b < -d || e < -d)
        throw new ShapeError(`pad: axis ${ax} of ${S.show(x!)}: ${d} + ${b} + ${e} must leave at least 1 and crop at most ${d} on each side`)
      return out
    })
  },
  eval: ([x], { outShape, attrs }) => {
    const out = new Float64Array(S.size(outShape))
    const X = x!.data
    forEachPadded(x!.shape, outShape, padsAttr(attrs, outShape.length), (s, o) => (out[o] = X[s]!))
    return { shape: outShape, data: out }
  },
  vjp: ({ attrs, cot }) => [padFlat(cot, padsAttr(attrs, cot.shape.length).map((v) => -v))],
  notation: call('pad', '\\operatorname{pad}', (a) => `pads=[${(a['pads'] as number[]).join(',')}]`),
  law: {
    cases: [
      { shapes: [[2, 3, 4]], attrs: { pads: [0, 0, 1, 2, 2, 0] } },
      { shapes: [[3, 5]], attrs: { pads: [-1, 2, 1, -2] } },
    ],
  },
})

function padFlat(x: Expr, pads: readonly number[]): Expr {
  return pads.every((v) => v === 0) ? x : apply(padOp, [x], { pads: [...pads] })
}

/** Pads x with zeros; `pads` holds [before, after] for each axis (negative amounts crop). */
export function pad(x: Expr, pads: readonly (readonly [number, number])[]): Expr {
  if (pads.length !== x.shape.length) throw new ShapeError(`pad: expected ${x.shape.length} [before, after] pairs for ${S.show(x.shape)}, got ${pads.length}`)
  return padFlat(x, pads.flatMap(([b, a]) => [b, a]))
}

/** Zero padding of the two spatial axes of x [N, C, H, W]. */
export function padSpatial(x: Expr, ph: number, pw = ph): Expr {
  return pad(x, [[0, 0], [0, 0], [ph, ph], [pw, pw]])
}

