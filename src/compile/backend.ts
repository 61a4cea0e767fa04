/**
 * Backends: what the compiler knows how to write for each op, as tables keyed by op record.
 *
 * How a backend table works:
 * - `elementwise`: for an op lowered 'elementwise', a scalar expression over its arguments'
 *   expressions (`([a, b]) => `(${a} + ${b})``); codegen fuses these into loops. Attributes reach
 *   the source only through the formatter `f` (`f.num(attrs.p)`), which refuses anything but a
 *   checked number, so no attribute can inject code.
 * - `kernels`: for an op lowered 'kernel' (or an elementwise op the backend cannot fuse), one
 *   statement over whole buffers (`rt.matmul(B0, …)`), given a KernelCtx: the buffers' array
 *   expressions, their dims and the formatter. `transposedArgs` lets fuse feed transposed matrices
 *   without a copy; `shapeOnly` says the kernel reads only its arguments' shapes (count).
 * - An elementwise op with no entry but a `scalar` function is fused as a call to it (`S_k(x)`)
 *   when the backend sets `scalarCalls` (the JavaScript backend does); otherwise an op with no
 *   entry runs through its own `eval` as a kernel call (`F[k](…)`): slow, never refused.
 *   Views, aliases and data need no code: they are strides, shared buffers and inputs.
 * - `vector` (WebAssembly): for an elementwise op, its code in the fused SIMD loops, in the closed
 *   vocabulary of `lanes` (kernels/vector-code.ts). fuse keeps ops without an entry out of vector
 *   loops: a loop holding one is split around it (vector loops and a JavaScript loop for that op,
 *   through a buffer), so one user op does not send its neighbours back to JavaScript.
 * - `loops` (optional): writes whole fused loops in native code (WebAssembly) from `vector`; codegen
 *   hands it each loop as data (LoopSpec) and writes in JavaScript the loops it declines.
 * - `runtime(native)`: a fresh object handed to the generated function as `rt` (kernels, scratch,
 *   the native loops, `memory` on the WebAssembly backend), plus the named `parts` built on it.
 *
 * Tables are keyed by the op record (two ops sharing a name are different ops). Give a user op fast
 * code with `withCode(jsBackend, { elementwise: [[swishOp, ([x]) => `(${x} / (1 + Math.exp(-${x})))`]] })`
 * and pass that backend to `compile`. A second backend (WebAssembly, float32) supplies its own
 * tables and runtime; simplify, linearize, fuse and plan produce backend-neutral data.
 */
import type { AttrValue, Attrs, OpDef } from '../core/Expr.js'
import { SymgradError } from '../core/errors.js'
import { quote } from '../core/codecs.js'
import type { Eqn, Var } from './program.js'
import type { Arena } from './arena.js'
import { hasVector, type VectorCode, type VectorOps } from './kernels/vector-code.js'

/** Formats values into generated source; the only way attributes get there. */
export interface Formatter {
  /** A number literal (NaN, ±Infinity and −0 spelled out); throws on anything but a number. */
  readonly num: (v: AttrValue | undefined) => string
  /** A safe integer literal; throws on anything else. */
  readonly int: (v: AttrValue | undefined) => string
  /** `[0, 2]` from a list of safe integers; throws on anything else. */
  readonly ints: (v: AttrValue | undefined) => string
}

function bad(what: string, v: unknown): never {
  throw new SymgradError('value', `codegen: expected ${what}, got ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v}`)
}

export const format: Formatter = {
  num: (v) => {
    if (typeof v !== 'number') return bad('a number', v)
    if (Number.isNaN(v)) return 'NaN'
    if (v === Infinity) return 'Infinity'
    if (v === -Infinity) return '(-Infinity)'
    if (Object.is(v, -0)) return '(-0)'
    return v < 0 ? `(${String(v)})` : String(v)
  },
  int: (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? (v < 0 ? `(${String(v)})` : String(v)) : bad('an integer', v)),
  ints: (v) => (Array.isArray(v) ? `[${v.map((x) => format.int(x as AttrValue)).join(', ')}]` : bad('a list of integers', v)),
}

/** How a backend writes one elementwise op inside a fused loop: an expression over its arguments' scalars. */
export type ScalarCode = (args: readonly string[], attrs: Attrs, f: Formatter) => string

/** What a kernel emitter receives: the equation, its (folded) arguments, which are read transposed, and the names of their arrays, dimensions, sizes and offsets. */
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
  /** Byte offset expression of a variable's buffer in the runtime's memory (`rt.memory`). */
  readonly offset: (v: Var) => string
  readonly f: Formatter
}

/** How a backend runs one non-elementwise op: an emitter of a statement over whole buffers. */
export interface KernelCode {
  /** The JavaScript statement computing `c.eqn`'s output buffer from its arguments' buffers. */
  readonly emit: (c: KernelCtx) => string
  /** 2-D arguments may be read transposed in place (`trans[i]`), so a transpose feeding it is not copied. */
  readonly transposedArgs?: boolean
  /** Reads only its arguments' shapes: they need no buffer. */
  readonly shapeOnly?: boolean
}

/** Code for ops, keyed by op record. */
export type OpTable<C> = ReadonlyMap<OpDef, C>

/** A table from [op, code] pairs; an op listed twice is an error. */
export function opTable<C>(entries: readonly (readonly [OpDef, C])[]): OpTable<C> {
  const m = new Map<OpDef, C>()
  for (const [op, c] of entries) {
    if (m.has(op)) throw new SymgradError('value', `backend table: op '${op.name}' is listed twice`)
    m.set(op, c)
  }
  return m
}

/** A compiler backend: its name, scalar code for fused elementwise loops, kernels for whole-buffer ops, and how it writes loops. */
export interface Backend {
  readonly name: string
  readonly elementwise: OpTable<ScalarCode>
  readonly kernels: OpTable<KernelCode>
  /** Elementwise ops without an entry but with a `scalar` function are fused as calls to it. */
  readonly scalarCalls?: boolean
  /**
   * Writes whole fused loops in native code (the WebAssembly backend): a fresh writer per compiled
   * function, given the backend itself (its `vector` table and `lanes`). A loop the writer declines
   * is written from the scalar code above.
   */
  readonly loops?: (b: Backend) => LoopWriter
  /** Vector code per elementwise op, in the vocabulary of `lanes` (what `loops` writes). */
  readonly vector?: OpTable<VectorCode>
  /** The lane instructions (dtype) vector code is written with. */
  readonly lanes?: VectorOps
  /** A fresh runtime (kernels' scratch included) for one compiled function, with its native loops. */
  readonly runtime: (native?: NativeCode) => Runtime
  /** Named parts added to each runtime (`rt.<name>`), built on it: a user kernel's module (`withCode(b, { runtime })`). */
  readonly parts?: ReadonlyMap<string, RuntimePart>
}

/** How a fused loop reads a value it does not compute. */
export type LoopRead =
  /** A literal: an elementwise op without arguments (const). */
  | { readonly v: Var; readonly literal: Eqn }
  /** An array in the loop's own layout, read at the loop's flat index. */
  | { readonly v: Var; readonly arr: string }
  /** An array read through element strides per loop axis (`'0'` on broadcast axes). */
  | { readonly v: Var; readonly arr: string; readonly strides: readonly string[] }

/** A fused elementwise loop as data: what codegen hands a LoopWriter. */
export interface LoopSpec {
  /** Dimension expressions of the loop's shape (numbers or bound symbols). */
  readonly dims: readonly string[]
  /** The equations computed per element, in order (their arguments: members or reads). */
  readonly members: readonly Eqn[]
  readonly reads: readonly LoopRead[]
  /** Members stored, each into an array in the loop's layout. */
  readonly stores: readonly { readonly v: Var; readonly arr: string }[]
}

/** Native code for the runtime (a WebAssembly module's bytes). */
export interface NativeCode {
  readonly wasm: Uint8Array<ArrayBuffer>
}

export interface LoopWriter {
  /** A statement running the loop (through `rt`), or undefined: codegen writes it in JavaScript. */
  readonly loop: (l: LoopSpec) => string | undefined
  /** The native code of every loop written, handed to the backend's `runtime`. */
  readonly finish: () => NativeCode | undefined
}

/**
 * What the generated function gets as `rt`: the backend's kernels and scratch, and, when the
 * function keeps its numbers in one memory (float32, WebAssembly), the arena laying them out.
 */
export interface Runtime {
  readonly arena?: Arena
  /**
   * The one memory every buffer lives in (WebAssembly backend): a kernel's own module is
   * instantiated on it (a runtime part, `withCode(b, { runtime: … })`) and reads a buffer at
   * `KernelCtx.offset(v)`; `arr(v)` is the typed view of the same bytes.
   */
  readonly memory?: WebAssembly.Memory
  readonly [kernel: string]: unknown
}

/** Entries `withCode` adds to a backend: scalar code, kernels, vector code, runtime parts, each keyed by op record. */
export interface ExtraCode {
  readonly elementwise?: readonly (readonly [OpDef, ScalarCode])[]
  readonly kernels?: readonly (readonly [OpDef, KernelCode])[]
  /** Vector code for the backend's fused SIMD loops (a backend with `lanes`: WebAssembly). */
  readonly vector?: readonly (readonly [OpDef, VectorCode])[]
  /** Named runtime parts (`rt.<name>` in kernel code), each built once per compiled function from its runtime. */
  readonly runtime?: readonly (readonly [string, RuntimePart])[]
}

/** A part of the runtime built from the rest of it (its `memory` and `arena` included): e.g. a user kernel's module instance. */
export type RuntimePart = (rt: Runtime) => unknown

const PART_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/

/** `parts` with `extra` added; a name that is not identifier-like, or listed already, throws. */
function withParts(parts: ReadonlyMap<string, RuntimePart> | undefined, extra: readonly (readonly [string, RuntimePart])[]): ReadonlyMap<string, RuntimePart> {
  const m = new Map(parts)
  for (const [name, part] of extra) {
    if (!PART_NAME.test(name) || m.has(name)) throw new SymgradError('value', `withCode: runtime part ${quote(name)} must be a new identifier-like name (letters and digits)`)
    m.set(name, part)
  }
  return m
}

/** The runtime of one compiled function: the backend's own, then its named parts built on it (a name the runtime has throws). */
export function buildRuntime(b: Backend, native?: NativeCode): Runtime {
  const rt = b.runtime(native)
  if (b.parts === undefined || b.parts.size === 0) return rt
  const added: Record<string, unknown> = {}
  for (const [name, part] of b.parts) {
    if (Object.hasOwn(rt, name)) throw new SymgradError('value', `withCode: backend '${b.name}' already has a runtime part '${name}'`)
    added[name] = part(rt)
  }
  return { ...rt, ...added }
}

/**
 * A backend with more (or replaced) code: e.g. a user op's scalar expression and vector code. An
 * op given new scalar code but no new vector code loses its old vector code (both say what the op
 * computes; a loop never mixes the two meanings).
 */
export function withCode(b: Backend, extra: ExtraCode): Backend {
  for (const [op] of [...(extra.elementwise ?? []), ...(extra.vector ?? [])])
    if (op.lowering !== 'elementwise') throw new SymgradError('value', `withCode: op '${op.name}' is lowered '${op.lowering}', not 'elementwise'`)
  if (extra.vector !== undefined && extra.vector.length > 0 && (b.lanes === undefined || b.vector === undefined))
    throw new SymgradError('value', `withCode: backend '${b.name}' has no vector loops (vector code is for the WebAssembly backend)`)
  const vector = opTable(extra.vector ?? [])
  const scalar = opTable(extra.elementwise ?? [])
  return {
    ...b,
    elementwise: new Map([...b.elementwise, ...scalar]),
    kernels: new Map([...b.kernels, ...opTable(extra.kernels ?? [])]),
    ...(b.vector !== undefined ? { vector: new Map([...[...b.vector].filter(([op]) => !scalar.has(op) || vector.has(op)), ...vector]) } : {}),
    ...(extra.runtime !== undefined && extra.runtime.length > 0 ? { parts: withParts(b.parts, extra.runtime) } : {}),
  }
}

/** Whether `op` is fused into loops by this backend (elementwise, with scalar code or a scalar function it calls). */
export function fusable(b: Backend, op: OpDef): boolean {
  return op.lowering === 'elementwise' && (b.elementwise.has(op) || (b.scalarCalls === true && op.scalar !== undefined))
}

/**
 * For a backend writing vector loops: whether an equation's op has vector code for these
 * attributes in the backend's dtype (undefined: the backend writes no vector loops, nothing to split).
 */
export function vectorizable(b: Backend, op: OpDef, attrs: Attrs): boolean | undefined {
  if (b.loops === undefined || b.vector === undefined || b.lanes === undefined) return undefined
  const code = b.vector.get(op)
  return code !== undefined && hasVector(code, attrs, b.lanes)
}
