/**
 * A registry is a value: the ops whose names can be resolved (decoding a graph, listing, laws),
 * the built-ins plus the user's. There is no global registry; pass the one you mean, as the `ops`
 * of a registries value (records/Registries.ts):
 *
 * ```ts
 * const registries = Registries.extendOrThrow(Registries.builtins, { ops: [swishOp] })
 * io.decodeGraph(json, { registries })
 * ```
 * Names are looked up in a Map: `constructor`, `toString` or `__proto__` are unknown names, never
 * Object.prototype members.
 */
import type { OpDef } from '../core/Expr.js'
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

/** How to register an op, for messages about unknown names. */
export const howToRegister = "define it with defineOp and pass registries that have it (Registries.extend(Registries.builtins, { ops: [yourOp] }))"
