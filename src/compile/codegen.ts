/**
 * codegen: Schedule + Plan + Backend → JavaScript source of one function
 * `(rt, I, C, B, D) => void` (I: input arrays in program order, C: tensor constants, B: slot
 * buffers, D: bound symbolic dims). Loop steps are written here from each op's `emit`; kernel
 * steps come from the backend's table. The source is plain data (a string), turned into a
 * function by the linker.
 */
import type { Dim, Shape } from '../core/Shape.js'
import { SymgradError } from '../core/errors.js'
import { lookupOp } from '../ops/index.js'
import { numberLiteral } from '../ops/leaves.js'
import type { Backend, KernelCtx } from './backend.js'
import { isKernelOp } from './backend.js'
import type { Schedule, Step } from './fuse.js'
import { rootOf } from './fuse.js'
import type { Plan } from './plan.js'
import type { Eqn, Var } from './program.js'

export interface Generated {
  readonly source: string
  /** Symbolic dims in the order of the `D_k` names used by the source. */
  readonly symbols: readonly string[]
  readonly tensors: readonly Float64Array[]
}

type Access = { readonly literal: string } | { readonly arr: string; readonly strides: readonly string[] }

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
  const symbols: string[] = []
  const dimExpr = (d: Dim): string => {
    if (typeof d === 'number') return String(d)
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
    if (e.op === 'tensor') tensorIndex.set(e.out, tensors.push(e.value!.data) - 1)

  const arr = (v: Var): string => {
    const r = rootOf(s.storage, v)
    const st = s.storage.get(r)!.kind
    if (st === 'input') return `I${inputIndex.get(r)}`
    if (st === 'tensor') return `C${tensorIndex.get(r)}`
    const slot = pl.slotOf.get(r)
    if (slot === undefined) throw new SymgradError('value', `codegen: v${v} has no buffer (storage ${st})`)
    return `B${slot}`
  }

  /** How to read `v` (in its own shape): a literal, or an array with strides per axis. */
  const access = (v: Var, asView = false): Access => {
    const st = s.storage.get(v)!
    const d = s.defs.get(v)
    if (st.kind === 'literal') return { literal: numberLiteral(d!.attrs['value'] as number) }
    if ((st.kind === 'view' || asView) && d !== undefined && (d.op === 'transpose' || d.op === 'broadcastTo')) {
      const inner = access(d.args[0]!)
      if ('literal' in inner) return inner
      if (d.op === 'transpose') {
        const r = d.shape.length
        const p = (d.attrs['perm'] as readonly number[] | null) ?? Array.from({ length: r }, (_, i) => r - 1 - i)
        return { arr: inner.arr, strides: p.map((i) => inner.strides[i]!) }
      }
      const from = s.shapes.get(d.args[0]!)!
      const off = d.shape.length - from.length
      return { arr: inner.arr, strides: d.shape.map((_, i) => (i < off || from[i - off] === 1 ? '0' : inner.strides[i - off]!)) }
    }
    return { arr: arr(v), strides: rowMajor(dims(v)) }
  }

  const lines: string[] = []
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
    for (const m of members) {
      const op = lookupOp(m.op)!
      const args = m.args.map((a) => (mine.has(a) ? `t${a}` : `x${a}`))
      const code = op.emit !== undefined ? op.emit(args, m.attrs) : args[0]!
      body.push(`const t${m.out} = ${code};`)
    }
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
        lines.push(`// loop ${step.members.map((m) => `v${m.out}=${m.op}`).join(' ')}`)
        return emitLoop(step.shape, step.members, step.stores)
      case 'copy':
        lines.push(`// copy v${step.eqn.out} = ${step.eqn.op} v${step.eqn.args[0]}`)
        return emitLoop(step.eqn.shape, [], [], step.eqn.out)
      case 'fill':
        lines.push(`${arr(step.eqn.out)}.fill(${numberLiteral(step.eqn.attrs['value'] as number)}, 0, ${product(dims(step.eqn.out))});`)
        return
      case 'kernel': {
        const op = step.eqn.op
        if (!isKernelOp(op)) throw new SymgradError('value', `codegen: backend '${backend.name}' has no kernel for op '${op}'`)
        const ctx: KernelCtx = { eqn: step.eqn, args: step.args, trans: step.trans, arr, dims, size: (v) => product(dims(v)) }
        lines.push(`// v${step.eqn.out} = ${op}${step.trans.some((t) => t) ? ` (transposed: ${step.trans.join(',')})` : ''}`)
        lines.push(backend.kernels[op](ctx))
      }
    }
  }
  for (const step of s.steps) emitStep(step)

  const head: string[] = []
  symbols.forEach((sym, k) => head.push(`const D_${k} = D[${JSON.stringify(sym)}];`))
  s.program.inputs.forEach((_, k) => head.push(`const I${k} = I[${k}];`))
  tensors.forEach((_, k) => head.push(`const C${k} = C[${k}];`))
  pl.slots.forEach((_, k) => head.push(`const B${k} = B[${k}];`))
  return { source: [...head, ...lines].join('\n'), symbols, tensors }
}
