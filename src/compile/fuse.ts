/**
 * fuse: Program → Schedule. Decides what runs as one loop and what is only a way of reading,
 * from each op's `lowering` and what the backend has code for (never from op names):
 *
 * - Elementwise equations of one shape that feed each other become one loop group: each element
 *   is computed start to finish in registers, from the backend's scalar code for each op. This is
 *   where the compiler relies on elementwise Jacobians being diagonal: the vjp of an elementwise op
 *   is itself elementwise (cot·f'(x)), so the backward pass fuses into the same kind of loops and
 *   no Jacobian is ever materialized.
 * - View ops (broadcastTo, transpose) are read through strides (0 on broadcast axes), so
 *   broadcasts are index arithmetic, not copies. A view is copied into a buffer only when a kernel
 *   or an output needs it contiguous.
 * - A kernel whose backend code reads transposed arguments (matmul) gets a 2-D transposing view's
 *   argument directly, with its `trans` flag set.
 * - Alias ops (reshape) share their argument's buffer; an elementwise op without arguments (const)
 *   is a literal inside loops.
 * - Kernel ops, and elementwise ops the backend has no scalar code for, are kernel steps (the
 *   latter run through their `eval`).
 * - On a backend writing vector loops (WebAssembly), an op with vector code and one without never
 *   share a loop: a chain relu·2 → mish → +1 becomes a vector loop, a JavaScript loop for mish and
 *   a vector loop, the values between them in buffers, instead of one JavaScript loop.
 *
 * Groups are placed at their last member; a group stops growing ("sealed") once anything outside
 * it has read one of its values, so moving it later never breaks a dependence.
 */
import type { Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Backend } from './backend.js'
import { fusable, vectorizable } from './backend.js'
import type { Eqn, Program, Var } from './program.js'
import { shapes } from './program.js'

export type Step =
  /** One loop over `shape` computing `members` (in order), storing `stores`. */
  | { readonly kind: 'loop'; readonly shape: Shape; readonly members: readonly Eqn[]; readonly stores: readonly Var[] }
  /** A backend kernel for a non-elementwise op; `trans[i]` = argument i is read transposed. */
  | { readonly kind: 'kernel'; readonly eqn: Eqn; readonly args: readonly Var[]; readonly trans: readonly boolean[] }
  /** Copy a view into its own buffer. */
  | { readonly kind: 'copy'; readonly eqn: Eqn }
  /** Fill a buffer with a literal (an elementwise op without arguments). */
  | { readonly kind: 'fill'; readonly eqn: Eqn }

export interface Schedule {
  readonly program: Program
  readonly steps: readonly Step[]
  /** How each variable exists at run time. */
  readonly storage: ReadonlyMap<Var, Storage>
  readonly shapes: ReadonlyMap<Var, Shape>
  readonly defs: ReadonlyMap<Var, Eqn>
}

/**
 * input/tensor: a caller's or constant array (never written); buffer: a planned buffer;
 * alias: shares the buffer of `of` (reshape); view: read through strides; literal: a const;
 * local: a scalar inside its loop only.
 */
export type Storage =
  | { readonly kind: 'input' | 'tensor' | 'buffer' | 'local' | 'literal' }
  | { readonly kind: 'alias'; readonly of: Var }
  | { readonly kind: 'view' }

export const isView = (e: Eqn | undefined): boolean => e !== undefined && e.op.lowering === 'view'
/** An elementwise op without arguments: a literal. */
export const isLiteral = (e: Eqn | undefined): boolean => e !== undefined && e.op.lowering === 'elementwise' && e.op.arity === 0

/** The argument axis each output axis of a view walks (null: repeated). */
export function viewAxes(e: Eqn, argShape: Shape): readonly (number | null)[] {
  return e.op.view!(argShape, e.shape, e.attrs)
}

/** A view that swaps the two axes of a matrix. */
function isMatrixTranspose(e: Eqn | undefined, sh: ReadonlyMap<Var, Shape>): boolean {
  if (!isView(e) || e!.shape.length !== 2 || sh.get(e!.args[0]!)!.length !== 2) return false
  const ax = viewAxes(e!, sh.get(e!.args[0]!)!)
  return ax[0] === 1 && ax[1] === 0
}

export function fuse(p: Program, backend: Backend): Schedule {
  const isElementwise = (e: Eqn): boolean => fusable(backend, e.op)
  const literal = (e: Eqn | undefined): boolean => isLiteral(e) && isElementwise(e!)
  const sh = shapes(p)
  const defs = new Map<Var, Eqn>(p.eqns.map((e) => [e.out, e]))
  const pos = new Map<Var, number>(p.eqns.map((e, i) => [e.out, i]))

  // ── which values must live in a buffer (read by a kernel, an output, a reshape or a view) ──
  const needBuf = new Set<Var>(p.outputs)
  const kernelTrans = new Map<Var, boolean[]>()
  const bufferable = (v: Var) => {
    const d = defs.get(v)
    return !(isView(d) || literal(d))
  }
  for (let i = p.eqns.length - 1; i >= 0; i--) {
    const e = p.eqns[i]!
    const code = backend.kernels.get(e.op)
    if (isView(e)) {
      if (bufferable(e.args[0]!)) needBuf.add(e.args[0]!)
    } else if (code?.transposedArgs === true) {
      const trans = e.args.map((a) => {
        const d = defs.get(a)
        if (isMatrixTranspose(d, sh) && bufferable(d!.args[0]!)) {
          needBuf.add(d!.args[0]!)
          return true
        }
        needBuf.add(a)
        return false
      })
      kernelTrans.set(e.out, trans)
    } else if (!isElementwise(e) && !(code?.shapeOnly === true)) e.args.forEach((a) => needBuf.add(a))
  }

  // ── grouping ──
  const groupOf = new Map<Var, number>()
  /** `vector`: the members have vector code (undefined on a backend without vector loops). */
  const groups: { members: Eqn[]; sealed: boolean; last: number; alive: boolean; vector: boolean | undefined }[] = []
  /** The buffers a read of `v` touches: v itself, or the bases under a chain of views. */
  const readsOf = (v: Var): Var[] => {
    const d = defs.get(v)
    return isView(d) ? readsOf(d!.args[0]!) : [v]
  }
  const seal = (v: Var) => {
    for (const b of readsOf(v)) {
      const g = groupOf.get(b)
      if (g !== undefined) groups[g]!.sealed = true
    }
  }
  const steps: { at: number; step: Step }[] = []
  for (const [i, e] of p.eqns.entries()) {
    if (literal(e)) {
      if (needBuf.has(e.out)) steps.push({ at: i, step: { kind: 'fill', eqn: e } })
      continue
    }
    if (isView(e)) {
      if (needBuf.has(e.out)) {
        seal(e.out)
        steps.push({ at: i, step: { kind: 'copy', eqn: e } })
      }
      continue
    }
    if (!isElementwise(e)) {
      const trans = kernelTrans.get(e.out) ?? e.args.map(() => false)
      const args = e.args.map((a, k) => (trans[k] ? defs.get(a)!.args[0]! : a))
      args.forEach(seal)
      if (e.op.lowering !== 'alias' && e.op.lowering !== 'data') steps.push({ at: i, step: { kind: 'kernel', eqn: e, args, trans } })
      continue
    }
    // elementwise: join the open groups of same-shaped direct arguments, seal everything else read
    const join = new Set<number>()
    const vector = vectorizable(backend, e.op, e.attrs)
    for (const a of e.args) {
      const g = groupOf.get(a)
      if (g !== undefined && !groups[g]!.sealed && groups[g]!.vector === vector && S.equal(sh.get(a)!, e.shape)) join.add(g)
    }
    for (const a of e.args) {
      const g = groupOf.get(a)
      if (g === undefined || !join.has(g) || isView(defs.get(a))) seal(a)
    }
    const live = [...join].filter((g) => !groups[g]!.sealed)
    let g: number
    if (live.length === 0) {
      g = groups.length
      groups.push({ members: [], sealed: false, last: i, alive: true, vector })
    } else {
      g = Math.min(...live)
      for (const o of live)
        if (o !== g) {
          groups[g]!.members.push(...groups[o]!.members)
          for (const m of groups[o]!.members) groupOf.set(m.out, g)
          groups[o]!.alive = false
          groups[o]!.members = []
        }
    }
    groups[g]!.members.push(e)
    groups[g]!.last = i
    groupOf.set(e.out, g)
  }

  // ── storage ──
  const storage = new Map<Var, Storage>()
  for (const inp of p.inputs) storage.set(inp.v, { kind: 'input' })
  const crossReads = new Set<Var>()
  for (const e of p.eqns)
    for (const a of e.args) {
      const ga = groupOf.get(a)
      if (ga !== undefined && (groupOf.get(e.out) !== ga || !isElementwise(e))) crossReads.add(a)
    }
  for (const e of p.eqns) {
    const v = e.out
    if (e.op.lowering === 'data') storage.set(v, { kind: 'tensor' })
    else if (literal(e)) storage.set(v, needBuf.has(v) ? { kind: 'buffer' } : { kind: 'literal' })
    else if (isView(e)) storage.set(v, needBuf.has(v) ? { kind: 'buffer' } : { kind: 'view' })
    else if (e.op.lowering === 'alias') storage.set(v, { kind: 'alias', of: rootOf(storage, e.args[0]!) })
    else if (isElementwise(e)) storage.set(v, needBuf.has(v) || crossReads.has(v) ? { kind: 'buffer' } : { kind: 'local' })
    else storage.set(v, { kind: 'buffer' })
  }

  for (const g of groups) {
    if (!g.alive) continue
    g.members.sort((x, y) => pos.get(x.out)! - pos.get(y.out)!)
    const stores = g.members.filter((m) => storage.get(m.out)!.kind === 'buffer').map((m) => m.out)
    steps.push({ at: g.last, step: { kind: 'loop', shape: g.members[g.members.length - 1]!.shape, members: g.members, stores } })
  }
  // stable sort: a loop placed at its last member runs after the kernels before that member
  steps.sort((x, y) => x.at - y.at)
  return { program: p, steps: steps.map((s) => s.step), storage, shapes: sh, defs }
}

/** The variable owning the buffer `v` lives in (following reshape aliases). */
export function rootOf(storage: ReadonlyMap<Var, Storage>, v: Var): Var {
  const s = storage.get(v)
  return s !== undefined && s.kind === 'alias' ? s.of : v
}
