/**
 * link: generated source → CompiledFn. Builds the function once, owns its buffers (one per plan
 * slot, grown when a new binding of the symbolic dims needs more room, reused across calls) and
 * the backend runtime. Calls are pure as seen from outside: inputs are only read, outputs are
 * fresh tensors (unless the caller asks for the function's own buffers, see `runOwned`).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DimEnv } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { errorMessage, SymgradError } from '../core/errors.js'
import type { Bindings } from '../eval/evaluate.js'
import type { Backend } from './backend.js'
import type { Generated } from './codegen.js'
import type { Schedule } from './fuse.js'
import { rootOf } from './fuse.js'
import { bindInputs } from './interpret.js'
import type { Plan } from './plan.js'

export interface CompiledFn {
  /** Output tensors, fresh on every call; bad bindings or bad labels give a Left. */
  (bindings: Bindings): E.Either<SymgradError, Tensor[]>
  /** Like the call, throwing the error instead (for training loops). */
  readonly runOrThrow: (bindings: Bindings) => Tensor[]
  /**
   * The fastest form: outputs are views of the function's own buffers, valid until its next call
   * (the caller must not keep or write them). Throws on bad bindings.
   */
  readonly runOwned: (bindings: Bindings) => Tensor[]
  readonly source: string
}

type Kernel = (rt: object, I: Float64Array[], C: readonly Float64Array[], B: Float64Array[], D: readonly number[], F: Generated['calls']) => void

export function link(s: Schedule, pl: Plan, g: Generated, backend: Backend): CompiledFn {
  const fn = new Function('rt', 'I', 'C', 'B', 'D', 'F', `"use strict";\n${g.source}`) as Kernel
  const rt = backend.runtime()
  const bufs: Float64Array[] = pl.slots.map(() => new Float64Array(0))
  const p = s.program
  let lastKey = ''
  let outShapes: number[][] = []
  let D: number[] = []
  const inputIndex = new Map(p.inputs.map((inp, k) => [inp.v, k]))
  const tensorIndex = new Map<number, number>()
  let t = 0
  for (const e of p.eqns) if (e.op.lowering === 'data') tensorIndex.set(e.out, t++)
  const I: Float64Array[] = new Array(p.inputs.length)

  const prepare = (env: DimEnv): void => {
    const dims = g.symbols.map((sym) => (Object.hasOwn(env, sym) ? env[sym]! : NaN))
    const key = dims.join(',')
    if (key === lastKey && outShapes.length === p.outputs.length) return
    D = dims
    pl.slots.forEach((shapes, k) => {
      const need = Math.max(0, ...shapes.map((sh) => S.size(S.resolve(sh, env))))
      if (bufs[k]!.length < need) bufs[k] = new Float64Array(need)
    })
    outShapes = p.outputs.map((o) => S.resolve(s.shapes.get(o)!, env))
    lastKey = key
  }
  const source = (o: number): Float64Array => {
    const r = rootOf(s.storage, o)
    const kind = s.storage.get(r)!.kind
    if (kind === 'input') return I[inputIndex.get(r)!]!
    if (kind === 'tensor') return g.tensors[tensorIndex.get(r)!]!
    return bufs[pl.slotOf.get(r)!]!
  }
  const exec = (bindings: Bindings, owned: boolean): Tensor[] => {
    const envE = bindInputs(p.inputs, bindings)
    if (E.isLeft(envE)) throw envE.left
    const env = envE.right
    prepare(env)
    p.inputs.forEach((inp, k) => (I[k] = bindings[inp.name]!.data))
    fn(rt, I, g.tensors, bufs, D, g.calls)
    return p.outputs.map((o, k) => {
      const shape = outShapes[k]!
      const n = S.size(shape)
      const src = source(o)
      return { shape, data: owned ? src.subarray(0, n) : src.slice(0, n) }
    })
  }
  const call = (bindings: Bindings): E.Either<SymgradError, Tensor[]> => {
    try {
      return E.right(exec(bindings, false))
    } catch (e) {
      return E.left(e instanceof SymgradError ? e : new SymgradError('value', `compiled function: ${errorMessage(e)}`))
    }
  }
  return Object.assign(call, {
    runOrThrow: (b: Bindings) => exec(b, false),
    runOwned: (b: Bindings) => exec(b, true),
    source: g.source,
  })
}
