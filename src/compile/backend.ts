/**
 * Backends: the table of kernels for the ops that are not elementwise, typed against the op
 * registry's names. Code generation asks the backend for a statement per kernel step and hands the
 * backend's runtime object to the generated function as `rt`.
 *
 * A second backend (WebAssembly SIMD) plugs in here without touching anything above codegen:
 * simplify, linearize, fuse and plan produce backend-neutral data (steps, storage, slots). A wasm
 * backend supplies its own `kernels` (statements calling its module's exports, with the plan's
 * slots as offsets into the module's memory) and its own `runtime()` (the instantiated module);
 * loop steps can stay JavaScript over Float64Array views of that same memory.
 */
import type { Eqn, Var } from './program.js'
import type { OpName } from '../ops/index.js'

/** Ops that run as backend kernels (reshape is an alias, const/tensor are data, views are strides). */
export type KernelOp =
  | 'sum' | 'mean' | 'max' | 'logSumExp' | 'count' | 'matmul' | 'sumTo' | 'oneHot' | 'gatherLabel'
  | 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter'
  | 'maxPool2d' | 'maxPool2dBackprop' | 'maxPool2dGather' | 'avgPool2d' | 'avgPool2dBackprop' | 'pad'
/** Compile-time check that every kernel op is a registered op name. */
export type KernelOpsAreOps = KernelOp extends OpName ? true : never
export const kernelOps: readonly KernelOp[] = [
  'sum', 'mean', 'max', 'logSumExp', 'count', 'matmul', 'sumTo', 'oneHot', 'gatherLabel',
  'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter',
  'maxPool2d', 'maxPool2dBackprop', 'maxPool2dGather', 'avgPool2d', 'avgPool2dBackprop', 'pad',
]

export interface KernelCtx {
  readonly eqn: Eqn
  /** Arguments after folding (a transposed matmul operand is the transpose's argument). */
  readonly args: readonly Var[]
  readonly trans: readonly boolean[]
  /** The array expression holding a variable's buffer. */
  readonly arr: (v: Var) => string
  /** Dimension expressions of a variable's shape (numbers or bound symbols). */
  readonly dims: (v: Var) => readonly string[]
  /** Element count expression of a variable. */
  readonly size: (v: Var) => string
}

export interface Backend {
  readonly name: string
  readonly kernels: Readonly<Record<KernelOp, (c: KernelCtx) => string>>
  /** A fresh runtime (kernels' scratch included) for one compiled function. */
  readonly runtime: () => object
}

export function isKernelOp(op: string): op is KernelOp {
  return (kernelOps as readonly string[]).includes(op)
}
