/**
 * plan: Schedule → buffer plan. Every value that lives in a buffer gets a slot; a slot is reused
 * by a later value once the last step reading the earlier one has run (liveness over the steps in
 * execution order), and slots persist across calls. Slot sizes depend on the symbolic dims, so
 * the plan records the shapes sharing a slot and the linker sizes them for each binding.
 */
import type { Shape } from '../core/Shape.js'
import * as S from '../core/Shape.js'
import type { Schedule, Step } from './fuse.js'
import { isView, rootOf } from './fuse.js'
import type { Var } from './program.js'

export interface Plan {
  readonly slotOf: ReadonlyMap<Var, number>
  /** The shapes of the values sharing each slot (its size is the largest of them). */
  readonly slots: readonly (readonly Shape[])[]
  /** Per variable: [step defining it, last step reading it] (outputs read at the end). */
  readonly live: ReadonlyMap<Var, readonly [number, number]>
}

/** Variables written by a step. */
export function writes(step: Step): Var[] {
  switch (step.kind) {
    case 'loop':
      return [...step.stores]
    default:
      return [step.eqn.out]
  }
}

/** Buffer roots read by a step (through views and aliases). */
export function reads(s: Schedule, step: Step): Var[] {
  const out = new Set<Var>()
  const add = (v: Var): void => {
    const d = s.defs.get(v)
    const st = s.storage.get(v)!
    if (st.kind === 'view' && isView(d)) add(d!.args[0]!)
    else if (st.kind !== 'literal' && st.kind !== 'local') out.add(rootOf(s.storage, v))
  }
  if (step.kind === 'loop') {
    const mine = new Set(step.members.map((m) => m.out))
    for (const m of step.members) for (const a of m.args) if (!mine.has(a)) add(a)
  } else if (step.kind === 'kernel') step.args.forEach(add)
  else if (step.kind === 'copy') add(step.eqn.args[0]!)
  return [...out]
}

export function plan(s: Schedule): Plan {
  const live = new Map<Var, [number, number]>()
  const end = s.steps.length
  s.steps.forEach((st, i) => {
    for (const w of writes(st)) live.set(w, [i, i])
    for (const r of reads(s, st)) {
      const l = live.get(r)
      if (l !== undefined) l[1] = Math.max(l[1], i)
    }
  })
  for (const o of s.program.outputs) {
    const l = live.get(rootOf(s.storage, o))
    if (l !== undefined) l[1] = end
  }
  const slotOf = new Map<Var, number>()
  const slots: Shape[][] = []
  const free: number[] = []
  const dying = new Map<number, Var[]>()
  for (const [v, [, last]] of live) dying.set(last, [...(dying.get(last) ?? []), v])
  s.steps.forEach((st, i) => {
    for (const w of writes(st)) {
      const shape = s.shapes.get(w)!
      // prefer a free slot already holding this shape, then any free slot
      let k = free.findIndex((f) => slots[f]!.some((x) => S.equal(x, shape)))
      if (k < 0 && free.length > 0) k = 0
      const slot = k >= 0 ? free.splice(k, 1)[0]! : slots.push([]) - 1
      slots[slot]!.push(shape)
      slotOf.set(w, slot)
    }
    for (const v of dying.get(i) ?? []) free.push(slotOf.get(v)!)
  })
  return { slotOf, slots, live }
}
