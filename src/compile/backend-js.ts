/** The JavaScript backend: kernels over Float64Array buffers (see kernels/). */
import type { Backend, KernelCtx } from './backend.js'
import { matmul, matmulScratch, type MatmulScratch } from './kernels/matmul.js'
import { wasmMatmul } from './kernels/matmul-wasm.js'
import { reduce } from './kernels/reduce.js'
import { gatherLabel, oneHot } from './kernels/labels.js'
import * as conv from './kernels/conv.js'
import * as pool from './kernels/pool.js'
import { spatialKernels } from './backend-spatial.js'

const axesOf = (c: KernelCtx): number[] => ((c.eqn.attrs['axes'] as readonly number[] | undefined) ?? []).slice()
const reduction = (kind: string) => (c: KernelCtx) =>
  `rt.reduce(${JSON.stringify(kind)}, ${c.arr(c.args[0]!)}, [${c.dims(c.args[0]!).join(', ')}], ${JSON.stringify(axesOf(c))}, ${c.arr(c.eqn.out)});`

/** Axes of `from` that sumTo(from → to) sums away: leading axes and stretched 1s. */
function sumToAxes(from: readonly string[], to: readonly unknown[]): number[] {
  const off = from.length - to.length
  return from.map((_, i) => i).filter((i) => i < off || (to[i - off] === 1 && from[i] !== '1'))
}

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

/** Options of the JavaScript backend: `simd: false` keeps every kernel in plain JavaScript. */
export function makeJsBackend(options: { readonly simd?: boolean } = {}): Backend {
  return options.simd === false ? { ...jsBackend, name: 'js-scalar', runtime: () => ({ ...jsBackend.runtime(), matmul }) } : jsBackend
}

export const jsBackend: Backend = {
  name: 'js',
  kernels: {
    sum: reduction('sum'),
    mean: reduction('mean'),
    max: reduction('max'),
    logSumExp: reduction('logSumExp'),
    sumTo: (c) => {
      const x = c.args[0]!
      const axes = sumToAxes(c.dims(x), c.eqn.shape)
      return `rt.reduce("sum", ${c.arr(x)}, [${c.dims(x).join(', ')}], ${JSON.stringify(axes)}, ${c.arr(c.eqn.out)});`
    },
    count: (c) => {
      const d = c.dims(c.args[0]!)
      const n = axesOf(c).map((a) => d[a]!).join(' * ') || '1'
      return `${c.arr(c.eqn.out)}[0] = ${n};`
    },
    matmul: (c) => {
      const [a, b] = c.args as [number, number]
      const [ta, tb] = c.trans as [boolean, boolean]
      const [m, n] = c.dims(c.eqn.out) as [string, string]
      const k = c.dims(a)[ta ? 0 : 1]!
      return `rt.matmul(${c.arr(a)}, 0, ${ta}, ${c.arr(b)}, 0, ${tb}, ${c.arr(c.eqn.out)}, 0, ${m}, ${n}, ${k}, rt.scratch);`
    },
    oneHot: (c) => {
      const [n, k] = c.dims(c.eqn.out) as [string, string]
      return `rt.oneHot(${c.arr(c.args[0]!)}, ${n}, ${k}, ${c.arr(c.eqn.out)});`
    },
    gatherLabel: (c) => {
      const [n, k] = c.dims(c.args[0]!) as [string, string]
      return `rt.gatherLabel(${c.arr(c.args[0]!)}, ${c.arr(c.args[1]!)}, ${n}, ${k}, ${c.arr(c.eqn.out)});`
    },
    ...spatialKernels,
  },
  runtime: () => ({
    matmul: fastestMatmul(), reduce, oneHot, gatherLabel, scratch: matmulScratch(),
    spatial: { ...conv, ...pool }, convScratch: conv.convScratch(),
  }),
}
