/**
 * Per-op code that travels in a `Registries` value (`registries.backends`): scalar expressions,
 * kernels, vector code and runtime parts keyed by op record, applied by `compile` to whichever
 * backend the options select (JavaScript float64, WebAssembly float32 or float64 with threads, the
 * JavaScript float32 fallback). So a user op's JavaScript and vector code reach the chosen backend
 * without the caller naming one. Vector code reaches only a backend that writes vector loops.
 */
import type { OpDef } from '../core/Expr.js'
import type { Backend, KernelCode, OpTable, RuntimePart, ScalarCode } from './backend.js'
import { withCode } from './backend.js'
import type { VectorCode } from './kernels/vector-code.js'

/** Code tables for ops, by op record, added to the backend `compile` uses. */
export interface BackendCode {
  readonly elementwise: OpTable<ScalarCode>
  readonly kernels: OpTable<KernelCode>
  /** Vector code for the fused SIMD loops (applied only to a backend with `lanes`: WebAssembly). */
  readonly vector: OpTable<VectorCode>
  /** Named runtime parts (`rt.<name>` in kernel code). */
  readonly runtime: ReadonlyMap<string, RuntimePart>
}

/** The part of a `Registries` value the compiler reads: the code tables it applies to its backend. */
export interface CodeRegistries {
  readonly backends: BackendCode
}

/** No code beyond each backend's own (the built-ins live in the backends). */
export const noCode: BackendCode = Object.freeze({ elementwise: new Map(), kernels: new Map(), vector: new Map(), runtime: new Map() })

const entries = <C>(m: ReadonlyMap<OpDef, C>): (readonly [OpDef, C])[] => [...m]

/** `b` with the registries' code added (vector code only when `b` writes vector loops); `b` itself when there is none. */
export function withBackendCode(b: Backend, code: BackendCode): Backend {
  const vector = b.lanes !== undefined && b.vector !== undefined ? entries(code.vector) : []
  if (code.elementwise.size === 0 && code.kernels.size === 0 && vector.length === 0 && code.runtime.size === 0) return b
  return withCode(b, { elementwise: entries(code.elementwise), kernels: entries(code.kernels), vector, runtime: [...code.runtime] })
}
