/**
 * Convolution (CS231n's layout): x [N, C, H, W], filters w [F, C, KH, KW], stride and zero
 * padding per spatial axis, y [N, F, OH, OW] with OH = (H + 2·ph − KH)/sh + 1 (OW likewise):
 *
 *   y[n,f,i,j] = Σ_{c,p,q} x[n, c, i·sh − ph + p, j·sw − pw + q] · w[f,c,p,q]   (zero outside x)
 *
 * y is bilinear in (x, w), so the three maps of the bilinear form ⟨conv2d(x, w), g⟩ are all there
 * is: conv2d itself, conv2dBackpropInput(g, w) = ∂/∂x (the transposed convolution) and
 * conv2dBackpropFilter(x, g) = ∂/∂w. Each one's vjp is written with the other two, so gradients of
 * gradients stay convolutions (they print, simplify and compile like any graph).
 *
 * The reference evaluations below visit every tap (n, f, c, i, j, p, q) once, one shared loop;
 * the compiler's JavaScript backend runs im2col + matmul kernels instead (compile/kernels/conv.ts).
 */
import type { Attrs, Expr } from '../core/Expr.js'
import { apply } from '../core/Expr.js'
import * as S from '../core/Shape.js'
import { ShapeError } from '../core/errors.js'
import { call, defineOp } from './Op.js'
import { Attr, checkOptions } from './attrs.js'

const convFields = { stride: Attr.optional(Attr.intPair), pad: Attr.optional(Attr.intPair) }
import { geom, type Geom, nchw, outSize, type Pair, pairAttr, showSpatial, toPair } from './spatial.js'

const attrsOf = (a: Attrs) => ({ stride: pairAttr(a, 'stride', 1), pad: pairAttr(a, 'pad', 0) })

/** Calls visit(x offset, w offset, y offset) for every tap of the convolution whose input lies inside x. */
export function forEachTap(g: Geom, f: number, visit: (xo: number, wo: number, yo: number) => void): void {
  const { n: N, c: C, h: H, w: W, kh: KH, kw: KW, sh, sw, ph, pw, oh: OH, ow: OW } = g
  for (let n = 0; n < N; n++)
    for (let o = 0; o < f; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const yo = ((n * f + o) * OH + i) * OW + j
          for (let c = 0; c < C; c++)
            for (let p = 0; p < KH; p++) {
              const y = i * sh - ph + p
              if (y < 0 || y >= H) continue
              for (let q = 0; q < KW; q++) {
                const x = j * sw - pw + q
                if (x < 0 || x >= W) continue
                visit(((n * C + c) * H + y) * W + x, ((o * C + c) * KH + p) * KW + q, yo)
              }
            }
        }
}

function filterShape(op: string, s: readonly (number | string)[]): readonly [number, number, number, number] {
  if (s.length !== 4 || !S.isConcrete(s)) throw new ShapeError(`${op}: filters expected shape [F,C,KH,KW], got ${S.show(s)}`)
  return s as unknown as readonly [number, number, number, number]
}

const notationOf = (name: string) => call(name, `\\operatorname{${name}}`, (a) => showSpatial(a, ['stride', 'pad']))
const lawCases = (shapes: (x: number[], w: number[], y: number[]) => number[][], extra: (x: number[], w: number[]) => Attrs) =>
  [
    { x: [2, 2, 5, 5], w: [3, 2, 3, 3], stride: [1, 1], pad: [0, 0] },
    { x: [1, 2, 7, 5], w: [2, 2, 3, 2], stride: [2, 1], pad: [1, 0] },
  ].map(({ x, w, stride, pad }) => {
    const oh = (x[2]! + 2 * pad[0]! - w[2]!) / stride[0]! + 1
    const ow = (x[3]! + 2 * pad[1]! - w[3]!) / stride[1]! + 1
    return { shapes: shapes(x, w, [x[0]!, w[0]!, oh, ow]), attrs: { stride, pad, ...extra(x, w) } }
  })

// ── conv2d ──  d⟨y, g⟩ = ⟨dx, conv2dBackpropInput(g, w)⟩ + ⟨dw, conv2dBackpropFilter(x, g)⟩
/** The op record of `conv2d` (shape rule, evaluation, derivative, printed form, law cases): d⟨y, g⟩ = ⟨dx, conv2dBackpropInput(g, w)⟩ + ⟨dw, conv2dBackpropFilter(x, g)⟩. */
export const conv2dOp = defineOp({
  name: 'conv2d',
  arity: 2,
  kind: 'linalg',
  lowering: 'kernel',
  attrs: Attr.record(convFields),
  shape: ([x, w], a) => {
    const [n, c, h, wd] = nchw('conv2d', 'input', x!)
    const [f, fc, kh, kw] = filterShape('conv2d', w!)
    if (fc !== c) throw new ShapeError(`conv2d: filters ${S.show(w!)} expect ${fc} input channels, input ${S.show(x!)} has ${c}`)
    const { stride, pad } = attrsOf(a)
    const [oh, ow] = outSize('conv2d', x!, [h, wd], [kh, kw], stride, pad)
    return [n, f, oh, ow]
  },
  eval: ([x, w], { outShape, attrs }) => {
    const { stride, pad } = attrsOf(attrs)
    const g = geom(x!.shape[0]!, x!.shape[1]!, [x!.shape[2]!, x!.shape[3]!], [w!.shape[2]!, w!.shape[3]!], stride, pad)
    const out = new Float64Array(S.size(outShape))
    const X = x!.data
    const Wd = w!.data
    forEachTap(g, w!.shape[0]!, (xo, wo, yo) => (out[yo]! += X[xo]! * Wd[wo]!))
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [x, w], attrs, cot }) => {
    const { stride, pad } = attrsOf(attrs)
    const hw: Pair = [x!.shape[2] as number, x!.shape[3] as number]
    const k: Pair = [w!.shape[2] as number, w!.shape[3] as number]
    return [conv2dBackpropInput(cot, w!, hw, { stride, pad }), conv2dBackpropFilter(x!, cot, k, { stride, pad })]
  },
  notation: notationOf('conv2d'),
  law: { cases: lawCases((x, w) => [x, w], () => ({})) },
})

// ── conv2dBackpropInput ──  the transposed convolution dx = Σ g·w; linear in g and in w:
//    vjp: dg = conv2d(c, w), dw = conv2dBackpropFilter(c, g)
/** The op record of `conv2dBackpropInput` (shape rule, evaluation, derivative, printed form, law cases). */
export const conv2dBackpropInputOp = defineOp({
  name: 'conv2dBackpropInput',
  arity: 2,
  kind: 'linalg',
  lowering: 'kernel',
  attrs: Attr.record({ ...convFields, size: Attr.intPair }),
  shape: ([g, w], a) => {
    const [n, f, oh, ow] = nchw('conv2dBackpropInput', 'gradient', g!)
    const [wf, c, kh, kw] = filterShape('conv2dBackpropInput', w!)
    if (wf !== f) throw new ShapeError(`conv2dBackpropInput: filters ${S.show(w!)} have ${wf} outputs, gradient ${S.show(g!)} has ${f} channels`)
    const { stride, pad } = attrsOf(a)
    const hw = pairAttr(a, 'size', 0)
    const x = [n, c, hw[0], hw[1]]
    const [eh, ew] = outSize('conv2dBackpropInput', x, hw, [kh, kw], stride, pad)
    if (eh !== oh || ew !== ow)
      throw new ShapeError(`conv2dBackpropInput: an input ${S.show(x)} gives outputs [${eh},${ew}], the gradient ${S.show(g!)} has [${oh},${ow}]`)
    return x
  },
  eval: ([g, w], { outShape, attrs }) => {
    const { stride, pad } = attrsOf(attrs)
    const geo = geom(outShape[0]!, outShape[1]!, [outShape[2]!, outShape[3]!], [w!.shape[2]!, w!.shape[3]!], stride, pad)
    const out = new Float64Array(S.size(outShape))
    const G = g!.data
    const Wd = w!.data
    forEachTap(geo, w!.shape[0]!, (xo, wo, yo) => (out[xo]! += G[yo]! * Wd[wo]!))
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [g, w], attrs, cot }) => {
    const { stride, pad } = attrsOf(attrs)
    return [conv2d(cot, w!, { stride, pad }), conv2dBackpropFilter(cot, g!, [w!.shape[2] as number, w!.shape[3] as number], { stride, pad })]
  },
  notation: notationOf('conv2dBackpropInput'),
  law: { cases: lawCases((x, w, y) => [y, w], (x) => ({ size: [x[2]!, x[3]!] })) },
})

// ── conv2dBackpropFilter ──  dw = Σ_n x·g; linear in x and in g:
//    vjp: dx = conv2dBackpropInput(g, c), dg = conv2d(x, c)
/** The op record of `conv2dBackpropFilter` (shape rule, evaluation, derivative, printed form, law cases). */
export const conv2dBackpropFilterOp = defineOp({
  name: 'conv2dBackpropFilter',
  arity: 2,
  kind: 'linalg',
  lowering: 'kernel',
  attrs: Attr.record({ ...convFields, kernel: Attr.intPair }),
  shape: ([x, g], a) => {
    const [n, c, h, wd] = nchw('conv2dBackpropFilter', 'input', x!)
    const [gn, f, oh, ow] = nchw('conv2dBackpropFilter', 'gradient', g!)
    if (gn !== n) throw new ShapeError(`conv2dBackpropFilter: input ${S.show(x!)} and gradient ${S.show(g!)} differ in the batch dimension`)
    const { stride, pad } = attrsOf(a)
    const k = pairAttr(a, 'kernel', 0)
    const [eh, ew] = outSize('conv2dBackpropFilter', x!, [h, wd], k, stride, pad)
    if (eh !== oh || ew !== ow)
      throw new ShapeError(`conv2dBackpropFilter: the input ${S.show(x!)} gives outputs [${eh},${ew}], the gradient ${S.show(g!)} has [${oh},${ow}]`)
    return [f, c, k[0], k[1]]
  },
  eval: ([x, g], { outShape, attrs }) => {
    const { stride, pad } = attrsOf(attrs)
    const geo = geom(x!.shape[0]!, x!.shape[1]!, [x!.shape[2]!, x!.shape[3]!], [outShape[2]!, outShape[3]!], stride, pad)
    const out = new Float64Array(S.size(outShape))
    const X = x!.data
    const G = g!.data
    forEachTap(geo, outShape[0]!, (xo, wo, yo) => (out[wo]! += X[xo]! * G[yo]!))
    return { shape: outShape, data: out }
  },
  vjp: ({ args: [x, g], attrs, cot }) => {
    const { stride, pad } = attrsOf(attrs)
    return [conv2dBackpropInput(g!, cot, [x!.shape[2] as number, x!.shape[3] as number], { stride, pad }), conv2d(x!, cot, { stride, pad })]
  },
  notation: notationOf('conv2dBackpropFilter'),
  law: { cases: lawCases((x, w, y) => [x, y], (_, w) => ({ kernel: [w[2]!, w[3]!] })) },
})

/** Options of `conv2d`: stride and zero padding. */
export interface ConvOptions {
  /** Step of the window, one number or [height, width] (default 1). */
  readonly stride?: number | Pair
  /** Zeros added on each side, one number or [height, width] (default 0). */
  readonly pad?: number | Pair
}

const convAttrs = (op: string, o: ConvOptions) => (checkOptions(op, conv2dOp.attrs, o), { stride: toPair(o.stride ?? 1), pad: toPair(o.pad ?? 0) })

/** 2-D convolution of x [N, C, H, W] with filters w [F, C, KH, KW] → [N, F, OH, OW]. */
export function conv2d(x: Expr, w: Expr, o: ConvOptions = {}): Expr {
  return apply(conv2dOp, [x, w], convAttrs('conv2d', o))
}

/** The gradient of conv2d with respect to its input, for an input of spatial size `size`. */
export function conv2dBackpropInput(g: Expr, w: Expr, size: Pair, o: ConvOptions = {}): Expr {
  return apply(conv2dBackpropInputOp, [g, w], { ...convAttrs('conv2dBackpropInput', o), size: [size[0], size[1]] })
}

/** The gradient of conv2d with respect to its filters of spatial size `kernel`. */
export function conv2dBackpropFilter(x: Expr, g: Expr, kernel: Pair, o: ConvOptions = {}): Expr {
  return apply(conv2dBackpropFilterOp, [x, g], { ...convAttrs('conv2dBackpropFilter', o), kernel: [kernel[0], kernel[1]] })
}
