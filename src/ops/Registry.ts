/**
 * A registry is a value: the ops whose names can be resolved (decoding a graph, listing, laws),
 * the built-ins plus the user's. There is no global registry; pass the one you mean.
 *
 * ```ts
 * const reg = Registry.extendOrThrow(Registry.builtins, [swishOp])
 * io.decodeGraph(json, { registry: reg })
 * ```
 * Names are looked up in a Map: `constructor`, `toString` or `__proto__` are unknown names, never
 * Object.prototype members.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { OpDef } from '../core/Expr.js'
import { SymgradError } from '../core/errors.js'
import { builtinOps } from './builtins.js'

/** Ops by name, as a value passed where names are resolved (graph decoding). */
export interface Registry {
  /** Ops by name, in the order they were added. */
  readonly ops: ReadonlyMap<string, OpDef>
}

function fromList(ops: readonly OpDef[]): Registry {
  return Object.freeze({ ops: new Map(ops.map((o) => [o.name, o])) })
}

/** The part of a `Registries` value that resolves op names (graph decoding): what ops/ and io/ read of it. */
export interface OpRegistries {
  readonly ops: Registry
}

/** The built-in ops. */
export const builtins: Registry = fromList(builtinOps)

/** The op of that name, if the registry has one. */
export function lookup(reg: Registry, name: string): OpDef | undefined {
  return reg.ops.get(name)
}

/** The op names of a registry, in the order they were added. */
export function names(reg: Registry): string[] {
  return [...reg.ops.keys()]
}

/** The ops of a registry, in the order they were added. */
export function list(reg: Registry): OpDef[] {
  return [...reg.ops.values()]
}

/** Whether `op` is the op the registry resolves its name to (the same record, not a namesake). */
export function has(reg: Registry, op: OpDef): boolean {
  return reg.ops.get(op.name) === op
}

/**
 * A new registry with `ops` added; a Left naming the op when its name is taken (by a built-in or
 * another op) by a different record. Adding the same record twice is harmless.
 */
export function extend(reg: Registry, ops: readonly OpDef[]): E.Either<SymgradError, Registry> {
  const m = new Map(reg.ops)
  for (const op of ops) {
    const prev = m.get(op.name)
    if (prev !== undefined && prev !== op)
      return E.left(new SymgradError('value', `Registry.extend: an op named '${op.name}' is already registered${builtins.ops.get(op.name) === prev ? ' (a built-in)' : ''}: give yours another name`))
    m.set(op.name, op)
  }
  return E.right(Object.freeze({ ops: m }))
}

/** `extend`, throwing its error (for registries built once at start-up). */
export function extendOrThrow(reg: Registry, ops: readonly OpDef[]): Registry {
  const r = extend(reg, ops)
  if (E.isLeft(r)) throw r.left
  return r.right
}

/** How to register an op, for messages about unknown names. */
export const howToRegister = "define it with defineOp and pass a registry that has it (Registry.extendOrThrow(Registry.builtins, [yourOp]))"
