/**
 * codegen: Schedule + Plan + Backend → JavaScript source of one function
 * `(rt, I, C, B, D, F) => void` (I: input arrays in program order, C: tensor constants, B: slot
 * buffers, D: the bound symbolic dims in `symbols` order, F: calls into ops' own `eval` for ops
 * the backend has no code for). Loop steps are written here from the backend's scalar code for
 * each op; kernel steps come from its kernel table. The source is plain data (a string), turned
 * into a function by the linker.
 *
 * The source holds only what this module and the backend's tables write: generated identifiers
 * (I0, B3, D_0, v7), numbers through the formatter, and op names that are identifier-like. No
 * input name, symbol or attribute string of a (possibly decoded, untrusted) graph is spliced in.
 */
import type { Dim, DimEnv, Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import { evalOp, type Expr, type OpDef } from '../core/Expr.js'
import type { Tensor } from '../core/Tensor.js'
import { errorMessage, ShapeError, SymgradError } from '../core/errors.js'
import { OP_NAME } from '../ops/Op.js'
import type { Backend, KernelCtx, LoopRead, NativeCode } from './backend.js'
import { format } from './backend.js'
import type { Schedule, Step } from './fuse.js'
import { rootOf, viewAxes } from './fuse.js'
import type { Plan } from './plan.js'
import type { Eqn, Var } from './program.js'

/** A call into an op's `eval` (arguments' arrays, the output buffer, the bound dims). */
export type EvalCall = (args: readonly Float64Array[], out: Float64Array, D: readonly number[]) => void
/** An elementwise op's scalar function with its attributes bound. */
export type ScalarFn = (...xs: number[]) => number

export interface Generated {
  readonly source: string
  /** Symbolic dims in the order of `D` (the source reads `D[k]`). */
  readonly symbols: readonly string[]
  readonly tensors: readonly Float64Array[]
  /** `F[k]` of the source: ops without backend code, run through their `eval` or their scalar function. */
  readonly calls: readonly (EvalCall | ScalarFn)[]
  /** Native code of the loops the backend wrote itself (its runtime gets it). */
  readonly native?: NativeCode
  /** Each fused loop of the schedule, in order: its members' ops and whether the backend wrote it natively (WebAssembly). */
  readonly loops: readonly { readonly ops: readonly OpDef[]; readonly native: boolean }[]
}

/** An op name for comments in the source (names are identifier-like; anything else is not printed). */
const safeName = (n: string): string => (OP_NAME.test(n) ? n : 'op')

type Access = { readonly literal: string; readonly eqn: Eqn } | { readonly arr: string; readonly strides: readonly string[] }

/** Product of dimension expressions, numbers folded. */
export function product(parts: readonly string[]): string {
  let k = 1
  const syms: string[] = []
  for (const p of parts) {
    if (/^\d+$/.test(p)) k *= Number(p)
    else syms.push(p)
  }
  if (k === 0) return '0'
  if (syms.length === 0) return String(k)
  return (k === 1 ? syms : [String(k), ...syms]).join(' * ')
}

function rowMajor(dims: readonly string[]): string[] {
  return dims.map((_, i) => product(dims.slice(i + 1)))
}

export function codegen(s: Schedule, pl: Plan, backend: Backend): Generated {
  // kernels read attributes with their defaults (a pool's window 2): one they do not declare is refused, not ignored
  for (const e of s.program.eqns) {
    const bad = e.op.attrs.check(e.attrs)
    if (bad !== undefined) throw new ShapeError(`${e.op.name}: ${bad}`)
  }
  const symbols: string[] = []
  const dimExpr = (d: Dim): string => {
    if (typeof d === 'number') return format.int(d)
    let k = symbols.indexOf(d)
    if (k < 0) k = symbols.push(d) - 1
    return `D_${k}`
  }
  const dims = (v: Var): string[] => s.shapes.get(v)!.map(dimExpr)
  const dimsOf = (sh: Shape): string[] => sh.map(dimExpr)
  const inputIndex = new Map(s.program.inputs.map((inp, k) => [inp.v, k]))
  const tensors: Float64Array[] = []
  const tensorIndex = new Map<Var, number>()
  for (const e of s.program.eqns)
    if (e.op.lowering === 'data') tensorIndex.set(e.out, tensors.push(e.value!.data) - 1)

  const arr = (v: Var): string => {
    const r = rootOf(s.storage, v)
    const st = s.storage.get(r)!.kind
    if (st === 'input') return `I${inputIndex.get(r)}`
    if (st === 'tensor') return `C${tensorIndex.get(r)}`
    const slot = pl.slotOf.get(r)
    if (slot === undefined) throw new SymgradError('value', `codegen: v${v} has no buffer (storage ${st})`)
    return `B${slot}`
  }

  const calls: (EvalCall | ScalarFn)[] = []
  const scalarCalls: number[] = []
  const scalar = (e: Eqn, args: readonly string[]): string => {
    const code = backend.elementwise.get(e.op)
    if (code !== undefined) return code(args, e.attrs, format)
    if (backend.scalarCalls !== true || e.op.scalar === undefined)
      throw new SymgradError('value', `codegen: backend '${backend.name}' has no scalar code for op '${safeName(e.op.name)}' in a loop`)
    const k = calls.push(e.op.scalar(e.attrs)) - 1
    scalarCalls.push(k)
    return `S_${k}(${args.join(', ')})`
  }

  /** How to read `v` (in its own shape): a literal, or an array with strides per axis. */
  const access = (v: Var, asView = false): Access => {
    const st = s.storage.get(v)!
    const d = s.defs.get(v)
    if (st.kind === 'literal') return { literal: scalar(d!, []), eqn: d! }
    if ((st.kind === 'view' || asView) && d !== undefined && d.op.lowering === 'view') {
      const inner = access(d.args[0]!)
      if ('literal' in inner) return inner
      const axes = viewAxes(d, s.shapes.get(d.args[0]!)!)
      return { arr: inner.arr, strides: axes.map((a) => (a === null ? '0' : inner.strides[a]!)) }
    }
    return { arr: arr(v), strides: rowMajor(dims(v)) }
  }

  /** A call into the op's own eval: resolves the shapes from D, checks what eval returns. */
  const evalCall = (eqn: Eqn, args: readonly Var[]): string => {
    const op = eqn.op
    const argShapes = args.map((a) => s.shapes.get(a)!)
    const node = { id: -1 - eqn.out, op, args: [], attrs: eqn.attrs, shape: eqn.shape, ...(eqn.value ? { value: eqn.value } : {}) } as Expr
    const call: EvalCall = (ins, out, D) => {
      const env: Record<string, number> = Object.create(null) as Record<string, number>
      symbols.forEach((sym, k) => (env[sym] = D[k]!))
      const outShape = S.resolve(eqn.shape, env as DimEnv)
      const tensors: Tensor[] = ins.map((a, i) => {
        const shape = S.resolve(argShapes[i]!, env)
        return { shape, data: a.subarray(0, S.size(shape)) }
      })
      let r: Tensor
      try {
        r = evalOp(op, tensors, { node, attrs: eqn.attrs, outShape, env, binding: (n) => { throw new SymgradError('value', `${op.name}: eval asked for the binding of '${n}' inside a compiled function`) } })
      } catch (e) {
        throw e instanceof SymgradError ? e : new SymgradError('value', `${op.name}: ${errorMessage(e)}`)
      }
      out.set(r.data)
    }
    const k = calls.push(call) - 1
    return `F[${k}]([${args.map(arr).join(', ')}], ${arr(eqn.out)}, D);`
  }

  const writer = backend.loops?.(backend)
  const lines: string[] = []
  const loops: { ops: OpDef[]; native: boolean }[] = []
  /** One loop over `shape`; with `copy`, the loop copies that view into its own buffer. */
  const emitLoop = (shape: Shape, members: readonly Eqn[], stores: readonly Var[], copy?: Var): void => {
    const od = dimsOf(shape)
    const contiguous = rowMajor(od)
    const mine = new Set(members.map((m) => m.out))
    const ins: Var[] = []
    for (const m of members) for (const a of m.args) if (!mine.has(a) && !ins.includes(a)) ins.push(a)
    if (copy !== undefined) ins.push(copy)
    const acc = new Map(ins.map((v) => [v, access(v, v === copy)]))
    const strided = ins.filter((v) => {
      const a = acc.get(v)!
      return 'arr' in a && a.strides.some((x, i) => x !== contiguous[i] && od[i] !== '1')
    })
    if (writer !== undefined && copy === undefined) {
      const reads = ins.map((v): LoopRead => {
        const a = acc.get(v)!
        return 'literal' in a ? { v, literal: a.eqn } : strided.includes(v) ? { v, arr: a.arr, strides: a.strides } : { v, arr: a.arr }
      })
      const native = writer.loop({ dims: od, members, reads, stores: stores.map((v) => ({ v, arr: arr(v) })) })
      if (native !== undefined) {
        lines.push(native)
        loops.push({ ops: members.map((m) => m.op), native: true })
        return
      }
    }
    if (copy === undefined) loops.push({ ops: members.map((m) => m.op), native: false })
    const body: string[] = []
    for (const v of ins) {
      const a = acc.get(v)!
      if ('literal' in a) body.push(`const x${v} = ${a.literal};`)
      else if (!strided.includes(v)) body.push(`const x${v} = ${a.arr}[o];`)
      else {
        const k = strided.indexOf(v)
        const r = od.length
        const last = a.strides[r - 1]!
        const base = r >= 2 ? `q${k}_${r - 2}` : '0'
        const term = last === '0' ? '' : last === '1' ? ` + j${r - 1}` : ` + j${r - 1} * ${last}`
        body.push(`const x${v} = ${a.arr}[${base}${term}];`)
      }
    }
    for (const m of members) body.push(`const t${m.out} = ${scalar(m, m.args.map((a) => (mine.has(a) ? `t${a}` : `x${a}`)))};`)
    for (const v of stores) body.push(`${arr(v)}[o] = t${v};`)
    if (copy !== undefined) body.push(`${arr(copy)}[o] = x${copy};`)
    if (strided.length === 0) {
      lines.push(`for (let o = 0, n = ${product(od)}; o < n; o++) {`, ...body.map((b) => '  ' + b), '}')
      return
    }
    const r = od.length
    lines.push('{', 'let o = 0;')
    for (let i = 0; i < r; i++) {
      const ind = '  '.repeat(i)
      lines.push(`${ind}for (let j${i} = 0; j${i} < ${od[i]}; j${i}++${i === r - 1 ? ', o++' : ''}) {`)
      if (i < r - 1)
        strided.forEach((v, k) => {
          const a = acc.get(v) as { strides: readonly string[] }
          const prev = i === 0 ? '0' : `q${k}_${i - 1}`
          const st = a.strides[i]!
          lines.push(`${ind}  const q${k}_${i} = ${st === '0' ? prev : `${prev} + j${i} * ${st === '1' ? '1' : `(${st})`}`};`)
        })
    }
    lines.push(...body.map((b) => '  '.repeat(r) + b))
    for (let i = r - 1; i >= 0; i--) lines.push(`${'  '.repeat(i)}}`)
    lines.push('}')
  }

  const emitStep = (step: Step): void => {
    switch (step.kind) {
      case 'loop':
        lines.push(`// loop ${step.members.map((m) => `v${m.out}=${safeName(m.op.name)}`).join(' ')}`)
        return emitLoop(step.shape, step.members, step.stores)
      case 'copy':
        lines.push(`// copy v${step.eqn.out} = ${safeName(step.eqn.op.name)} v${step.eqn.args[0]}`)
        return emitLoop(step.eqn.shape, [], [], step.eqn.out)
      case 'fill':
        lines.push(`${arr(step.eqn.out)}.fill(${scalar(step.eqn, [])}, 0, ${product(dims(step.eqn.out))});`)
        return
      case 'kernel': {
        const name = safeName(step.eqn.op.name)
        const code = backend.kernels.get(step.eqn.op)
        const ctx: KernelCtx = { eqn: step.eqn, args: step.args, trans: step.trans, arr, dims, size: (v) => product(dims(v)), offset: (v) => `${arr(v)}.byteOffset`, f: format }
        lines.push(`// v${step.eqn.out} = ${name}${step.trans.some((t) => t) ? ` (transposed: ${step.trans.join(',')})` : ''}${code === undefined ? ' (through its eval)' : ''}`)
        lines.push(code !== undefined ? code.emit(ctx) : evalCall(step.eqn, step.args))
      }
    }
  }
  for (const step of s.steps) emitStep(step)

  const head: string[] = []
  symbols.forEach((_, k) => head.push(`const D_${k} = D[${k}];`))
  s.program.inputs.forEach((_, k) => head.push(`const I${k} = I[${k}];`))
  tensors.forEach((_, k) => head.push(`const C${k} = C[${k}];`))
  pl.slots.forEach((_, k) => head.push(`const B${k} = B[${k}];`))
  for (const k of scalarCalls) head.push(`const S_${k} = F[${k}];`)
  const native = writer?.finish()
  return { source: [...head, ...lines].join('\n'), symbols, tensors, calls, loops, ...(native !== undefined ? { native } : {}) }
}
