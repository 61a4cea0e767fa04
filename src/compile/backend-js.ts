/**
 * The JavaScript backend: its code tables, keyed by op (see backend.ts for how a table works).
 * Elementwise ops are scalar expressions fused into loops over Float64Array buffers; kernels are
 * calls into kernels/ through the runtime `rt`. Attributes reach the source only through `f`.
 */
import type { Backend, KernelCtx, ScalarCode, KernelCode } from './backend.js'
import { opTable } from './backend.js'
import * as ops from '../ops/builtins.js'
import { matmul, matmulScratch, type MatmulScratch } from './kernels/matmul.js'
import { wasmMatmul } from './kernels/matmul-wasm.js'
import { reduce } from './kernels/reduce.js'
import { gatherLabel, oneHot } from './kernels/labels.js'
import * as conv from './kernels/conv.js'
import { wasmConv } from './kernels/conv-wasm.js'
import { privateSpatial } from './kernels/spatial-private.js'
import * as pool from './kernels/pool.js'
import { spatialKernels } from './backend-spatial.js'

const cmp = (js: string): ScalarCode => ([x, y]) => `(${x} ${js} ${y} ? 1 : 0)`

export const jsElementwise = opTable<ScalarCode>([
  [ops.constOp, (_, a, f) => f.num(a['value'])],
  [ops.addOp, ([x, y]) => `(${x} + ${y})`],
  [ops.subOp, ([x, y]) => `(${x} - ${y})`],
  [ops.mulOp, ([x, y]) => `(${x} * ${y})`],
  [ops.divOp, ([x, y]) => `(${x} / ${y})`],
  [ops.maximumOp, ([x, y]) => `Math.max(${x}, ${y})`],
  [ops.minimumOp, ([x, y]) => `Math.min(${x}, ${y})`],
  [ops.negOp, ([x]) => `(-${x})`],
  [ops.squareOp, ([x]) => `(${x} * ${x})`],
  [ops.powOp, ([x], a, f) => `Math.pow(${x}, ${f.num(a['p'])})`],
  [ops.absOp, ([x]) => `Math.abs(${x})`],
  [ops.expOp, ([x]) => `Math.exp(${x})`],
  [ops.logOp, ([x]) => `Math.log(${x})`],
  [ops.sqrtOp, ([x]) => `Math.sqrt(${x})`],
  [ops.log1pOp, ([x]) => `Math.log1p(${x})`],
  [ops.expm1Op, ([x]) => `Math.expm1(${x})`],
  [ops.tanhOp, ([x]) => `Math.tanh(${x})`],
  [ops.sigmoidOp, ([x]) => `(${x} >= 0 ? 1 / (1 + Math.exp(-${x})) : Math.exp(${x}) / (1 + Math.exp(${x})))`],
  [ops.reluOp, ([x]) => `(${x} > 0 ? ${x} : 0)`],
  [ops.gtOp, cmp('>')],
  [ops.geOp, cmp('>=')],
  [ops.ltOp, cmp('<')],
  [ops.leOp, cmp('<=')],
  [ops.eqOp, cmp('===')],
  [ops.stepOp, ([x]) => `(${x} > 0 ? 1 : 0)`],
  [ops.signOp, ([x]) => `(${x} > 0 ? 1 : ${x} < 0 ? -1 : 0)`],
  [ops.whereOp, ([c, a, b]) => `(${c} !== 0 ? ${a} : ${b})`],
])

const reduction = (kind: 'sum' | 'mean' | 'max' | 'logSumExp' | 'norm'): KernelCode => ({
  emit: (c) => `rt.reduce("${kind}", ${c.arr(c.args[0]!)}, [${c.dims(c.args[0]!).join(', ')}], ${c.f.ints(c.eqn.attrs['axes'])}, ${c.arr(c.eqn.out)});`,
})

/** Axes of `from` that sumTo(from → to) sums away: leading axes and stretched 1s. */
function sumToAxes(from: readonly string[], to: readonly unknown[]): number[] {
  const off = from.length - to.length
  return from.map((_, i) => i).filter((i) => i < off || (to[i - off] === 1 && from[i] !== '1'))
}

export const jsKernels = opTable<KernelCode>([
  [ops.sumOp, reduction('sum')],
  [ops.meanOp, reduction('mean')],
  [ops.maxOp, reduction('max')],
  [ops.logSumExpOp, reduction('logSumExp')],
  [ops.normOp, reduction('norm')],
  [
    ops.sumToOp,
    {
      emit: (c) => {
        const x = c.args[0]!
        return `rt.reduce("sum", ${c.arr(x)}, [${c.dims(x).join(', ')}], ${c.f.ints(sumToAxes(c.dims(x), c.eqn.shape))}, ${c.arr(c.eqn.out)});`
      },
    },
  ],
  [
    ops.countOp,
    {
      shapeOnly: true,
      emit: (c) => {
        const d = c.dims(c.args[0]!)
        const axes = c.eqn.attrs['axes'] as readonly number[]
        c.f.ints(axes)
        const n = axes.map((a) => d[a]!).join(' * ') || '1'
        return `${c.arr(c.eqn.out)}[0] = ${n};`
      },
    },
  ],
  [
    ops.matmulOp,
    {
      transposedArgs: true,
      emit: (c: KernelCtx) => {
        const [a, b] = c.args as [number, number]
        const [ta, tb] = c.trans as [boolean, boolean]
        const [m, n] = c.dims(c.eqn.out) as [string, string]
        const k = c.dims(a)[ta ? 0 : 1]!
        return `rt.matmul(${c.arr(a)}, 0, ${ta}, ${c.arr(b)}, 0, ${tb}, ${c.arr(c.eqn.out)}, 0, ${m}, ${n}, ${k}, rt.scratch);`
      },
    },
  ],
  [
    ops.oneHotOp,
    {
      emit: (c) => {
        const [n, k] = c.dims(c.eqn.out) as [string, string]
        return `rt.oneHot(${c.arr(c.args[0]!)}, ${n}, ${k}, ${c.arr(c.eqn.out)});`
      },
    },
  ],
  [
    ops.gatherLabelOp,
    {
      emit: (c) => {
        const [n, k] = c.dims(c.args[0]!) as [string, string]
        return `rt.gatherLabel(${c.arr(c.args[0]!)}, ${c.arr(c.args[1]!)}, ${n}, ${k}, ${c.arr(c.eqn.out)});`
      },
    },
  ],
  ...spatialKernels,
])

type Matmul = typeof matmul

/**
 * The matmul kernel: the WebAssembly SIMD micro-kernel (kernels/matmul-wasm.ts) where the engine
 * has it, else the plain JavaScript one. Both pack the same way and give identical results.
 */
function fastestMatmul(): Matmul {
  const w = wasmMatmul()
  if (w === undefined) return matmul
  return (A, aOff, tA, B, bOff, tB, C, cOff, m, n, k, _scratch: MatmulScratch, accumulate = false) =>
    w.run(A, aOff, tA, B, bOff, tB, C, cOff, m, n, k, accumulate)
}

/**
 * The convolution and max-pooling kernels: the WebAssembly spatial kernels on a private memory
 * where the engine has WebAssembly SIMD (kernels/spatial-private.ts; convolutions too large for
 * its scratch on the SIMD gemm a group of images at a time, kernels/conv-wasm.ts), else im2col +
 * the JavaScript matmul per image (kernels/conv.ts) and the JavaScript pooling loops.
 */
function fastestSpatial(mm: Matmul, scratch: MatmulScratch): { conv: conv.ConvKernels; spatial: typeof pool } {
  const fallback = wasmConv() ?? conv.jsConv(mm, scratch)
  const p = privateSpatial(fallback)
  if (p === undefined) return { conv: fallback, spatial: pool }
  return { conv: p, spatial: { ...pool, maxPool2d: p.maxPool2d, maxPool2dBackprop: p.maxPool2dBackprop, maxPool2dGather: p.maxPool2dGather } }
}

/** Options of the JavaScript backend: `simd: false` keeps every kernel in plain JavaScript. */
export function makeJsBackend(options: { readonly simd?: boolean } = {}): Backend {
  if (options.simd !== false) return jsBackend
  const runtime = () => {
    const scratch = matmulScratch()
    return { ...jsBackend.runtime(), matmul, scratch, conv: conv.jsConv(matmul, scratch) }
  }
  return { ...jsBackend, name: 'js-scalar', runtime }
}

/** The JavaScript backend (float64): fused loops and kernels as generated JavaScript. */
export const jsBackend: Backend = {
  name: 'js',
  elementwise: jsElementwise,
  kernels: jsKernels,
  scalarCalls: true,
  runtime: () => {
    const mm = fastestMatmul()
    const scratch = matmulScratch()
    return { matmul: mm, reduce, oneHot, gatherLabel, scratch, ...fastestSpatial(mm, scratch) }
  },
}
