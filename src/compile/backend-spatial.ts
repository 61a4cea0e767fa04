/**
 * The JavaScript backend's statements for the spatial ops (convolution, pooling, padding): each
 * calls a kernel of kernels/conv.ts or kernels/pool.ts with the dimensions as numbers or bound
 * symbols. Attribute values are integers checked by the ops' codecs and shape rules, and
 * formatted here by the backend's formatter.
 */
import type { AttrValue, Attrs, OpDef } from '../core/Expr.js'
import type { KernelCode, KernelCtx } from './backend.js'
import { format } from './backend.js'
import * as ops from '../ops/builtins.js'

const int = (v: unknown): string => format.int(v as AttrValue)
const pair = (a: Attrs, key: string, fallback: number): [string, string] => {
  const v = a[key] ?? fallback
  return Array.isArray(v) ? [int(v[0]), int(v[1])] : [int(v), int(v)]
}

/** The ConvDims literal of a convolution with input dims x [N,C,H,W] and filter dims [F,C,KH,KW]. */
function convDims(c: KernelCtx, x: readonly string[], w: readonly string[]): string {
  const [sh, sw] = pair(c.eqn.attrs, 'stride', 1)
  const [ph, pw] = pair(c.eqn.attrs, 'pad', 0)
  return `{ n: ${x[0]}, c: ${x[1]}, h: ${x[2]}, w: ${x[3]}, f: ${w[0]}, kh: ${w[2]}, kw: ${w[3]}, sh: ${sh}, sw: ${sw}, ph: ${ph}, pw: ${pw} }`
}

/** The PoolDims literal of a pooling over input dims x [N,C,H,W]. */
function poolDims(c: KernelCtx, x: readonly string[]): string {
  const [kh, kw] = pair(c.eqn.attrs, 'window', 2)
  const [sh, sw] = pair(c.eqn.attrs, 'stride', Number(kh))
  return `{ nc: ${x[0]} * ${x[1]}, h: ${x[2]}, w: ${x[3]}, kh: ${kh}, kw: ${kw}, sh: ${sh}, sw: ${sw} }`
}

const k = (emit: (c: KernelCtx) => string): KernelCode => ({ emit })

const convKernels = (rt: string): readonly (readonly [OpDef, KernelCode])[] => {
  const conv = (fn: string, dims: (c: KernelCtx) => string) => k((c) => {
    const [a, b] = c.args as [number, number]
    return `${rt}.${fn}(${c.arr(a)}, ${c.arr(b)}, ${c.arr(c.eqn.out)}, ${dims(c)});`
  })
  return [
    [ops.conv2dOp, conv('conv2d', (c) => convDims(c, c.dims(c.args[0]!), c.dims(c.args[1]!)))],
    [ops.conv2dBackpropInputOp, conv('conv2dBackpropInput', (c) => convDims(c, c.dims(c.eqn.out), c.dims(c.args[1]!)))],
    [ops.conv2dBackpropFilterOp, conv('conv2dBackpropFilter', (c) => convDims(c, c.dims(c.args[0]!), c.dims(c.eqn.out)))],
  ]
}

const maxPoolKernels = (rt: string): readonly (readonly [OpDef, KernelCode])[] => [
  [ops.maxPool2dOp, k((c) => `${rt}.maxPool2d(${c.arr(c.args[0]!)}, ${c.arr(c.eqn.out)}, ${poolDims(c, c.dims(c.args[0]!))});`)],
  [
    ops.maxPool2dBackpropOp,
    k((c) => `${rt}.maxPool2dBackprop(${c.arr(c.args[0]!)}, ${c.arr(c.args[1]!)}, ${c.arr(c.eqn.out)}, ${poolDims(c, c.dims(c.args[0]!))});`),
  ],
  [
    ops.maxPool2dGatherOp,
    k((c) => `${rt}.maxPool2dGather(${c.arr(c.args[0]!)}, ${c.arr(c.args[1]!)}, ${c.arr(c.eqn.out)}, ${poolDims(c, c.dims(c.args[0]!))});`),
  ],
]

/**
 * Pairs each conv2dBackpropFilter with the latest conv2d emitted before it on the same variable
 * and geometry (emission order is execution order), so the filter gradient can read the column
 * matrices that conv2d kept (kernels/spatial-arena.ts): conv2d gets a cache slot number (`keep`),
 * in order from 0, and the filter gradient the slot of its pair, or −1. The state lives per
 * codegen run, found by its `arr` function (one per run).
 */
const pairing = new WeakMap<KernelCtx['arr'], { next: number; slot: Map<string, number> }>()
const colKey = (c: KernelCtx, kernel: readonly string[]): string => {
  const [sh, sw] = pair(c.eqn.attrs, 'stride', 1)
  const [ph, pw] = pair(c.eqn.attrs, 'pad', 0)
  return `${c.args[0]}|${kernel[2]},${kernel[3]}|${sh},${sw}|${ph},${pw}`
}
const stateOf = (c: KernelCtx) => {
  let st = pairing.get(c.arr)
  if (st === undefined) pairing.set(c.arr, (st = { next: 0, slot: new Map() }))
  return st
}
const arenaConvKernels: readonly (readonly [OpDef, KernelCode])[] = [
  [ops.conv2dOp, k((c) => {
    const st = stateOf(c)
    const slot = st.next++
    st.slot.set(colKey(c, c.dims(c.args[1]!)), slot)
    return `rt.arenaSpatial.conv2d(${c.arr(c.args[0]!)}, ${c.arr(c.args[1]!)}, ${c.arr(c.eqn.out)}, ${convDims(c, c.dims(c.args[0]!), c.dims(c.args[1]!))}, ${int(slot)});`
  })],
  convKernels('rt.arenaSpatial')[1]!,
  [ops.conv2dBackpropFilterOp, k((c) => {
    const slot = stateOf(c).slot.get(colKey(c, c.dims(c.eqn.out))) ?? -1
    return `rt.arenaSpatial.conv2dBackpropFilter(${c.arr(c.args[0]!)}, ${c.arr(c.args[1]!)}, ${c.arr(c.eqn.out)}, ${convDims(c, c.dims(c.args[0]!), c.dims(c.eqn.out))}, ${int(slot)});`
  })],
]

/** The WebAssembly backend's convolutions and max pooling: kernels/spatial-arena.ts on the arena's memory (`rt.arenaSpatial`). */
export const arenaSpatialKernels = [...arenaConvKernels, ...maxPoolKernels('rt.arenaSpatial')]

export const spatialKernels: readonly (readonly [OpDef, KernelCode])[] = [
  ...convKernels('rt.conv'),
  ...maxPoolKernels('rt.spatial'),
  [ops.avgPool2dOp, k((c) => `rt.spatial.avgPool2d(${c.arr(c.args[0]!)}, ${c.arr(c.eqn.out)}, ${poolDims(c, c.dims(c.args[0]!))});`)],
  [ops.avgPool2dBackpropOp, k((c) => `rt.spatial.avgPool2dBackprop(${c.arr(c.args[0]!)}, ${c.arr(c.eqn.out)}, ${poolDims(c, c.dims(c.eqn.out))});`)],
  [
    ops.padOp,
    k((c) => `rt.spatial.pad(${c.arr(c.args[0]!)}, [${c.dims(c.args[0]!).join(', ')}], ${c.arr(c.eqn.out)}, [${c.dims(c.eqn.out).join(', ')}], ${c.f.ints(c.eqn.attrs['pads'])});`),
  ],
]
