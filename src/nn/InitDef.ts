/**
 * A weight-initialization scheme is one record: its name (as specs, JSON and the CLI spell it), the
 * standard deviation it gives a [fanIn, fanOut] weight matrix, and how it draws one from a PRNG key
 * (bit-for-bit reproducible for the same key). init.ts lists the built-in schemes.
 */
import type { Key } from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'

/** An initializer as a record: its name, formula, standard deviation from the fan-in, and draw. */
export interface InitDef<N extends string = string> {
  readonly name: N
  /** The formula, for docs and summaries (`N(0,1)/√fan_in`). */
  readonly formula: string
  /** Standard deviation of the entries of a [fanIn, fanOut] matrix. */
  std(fanIn: number, fanOut: number): number
  /** A [fanIn, fanOut] matrix from `key`. */
  draw(key: Key, fanIn: number, fanOut: number): Tensor
}

/** Checks and returns an initializer record (name, formula, std, draw); throws naming what is wrong. */
export function defineInit<const N extends string>(def: InitDef<N>): InitDef<N> {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(def.name)) throw new RangeError(`defineInit: name must be an identifier, got ${JSON.stringify(def.name)}`)
  return Object.freeze({ ...def })
}

/** Initializers by name: a value passed where init names are resolved (never a global filled by imports). */
export type InitRegistry = ReadonlyMap<string, InitDef>

/** The part of a `Registries` value that resolves init names. */
export interface InitRegistries {
  readonly inits: InitRegistry
}
