/**
 * Weight initialization from explicit PRNG keys (bit-for-bit reproducible for the same key):
 *   'small'         W = 0.01·N(0,1)
 *   'xavier'        W = N(0,1)/√fan_in                    (the lecture notes' form: Var = 1/fan_in)
 *   'he'            W = N(0,1)·√(2/fan_in)                (He et al. 2015, for ReLU nets)
 *   'glorotNormal'  W = N(0,1)·√(2/(fan_in+fan_out))      (Glorot & Bengio 2010: Var = 2/(fan_in+fan_out))
 *   'glorotUniform' W = U(−a,a), a = √(6/(fan_in+fan_out)) (the same variance)
 *   {std}           W = std·N(0,1)                        (the assignments' `weight_scale`)
 * 'xavier' is CS231n's 1/√fan_in, not Glorot's 2/(fan_in+fan_out): they agree only when
 * fan_in = fan_out. Biases start at 0. Each scheme is an InitDef record (InitDef.ts); a new built-in
 * is its record plus a line in `initDefs` below, a user's is `Registries.extend(base, { inits: [mine] })`
 * and reaches layers through the model's registries (`initWeight(…, { registries })`).
 */
import * as t from 'io-ts'
import type { Key } from '../core/Random.js'
import * as R from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import { PositiveNumber, quoteName, struct } from '../core/codecs.js'
import { SymgradError } from '../core/errors.js'
import { defineInit, type InitDef, type InitRegistries, type InitRegistry } from './InitDef.js'
import { glorotNormal, glorotUniform } from './initGlorot.js'

const fixed = (std: (fanIn: number) => number) => ({
  std,
  draw: (key: Key, fanIn: number, fanOut: number) => R.normal(key, [fanIn, fanOut], std(fanIn)),
})
export const small = defineInit({ name: 'small', formula: '0.01·N(0,1)', ...fixed(() => 0.01) })
export const xavier = defineInit({ name: 'xavier', formula: 'N(0,1)/√fan_in', ...fixed((n) => 1 / Math.sqrt(n)) })
export const he = defineInit({ name: 'he', formula: 'N(0,1)·√(2/fan_in)', ...fixed((n) => Math.sqrt(2 / n)) })

/** The built-in schemes, by name. */
export const initDefs = [small, xavier, he, glorotNormal, glorotUniform] as const

/** The registry of built-in initializers (a user's are added through `Registries.extend`). */
export const builtinInits: InitRegistry = new Map(initDefs.map((d) => [d.name, d]))

/** The name of a built-in initializer. */
export type InitName = (typeof initDefs)[number]['name']
/** How a layer's weights are drawn: an initializer by name (a built-in, or one in the registries), or `{ std }`. */
export type InitScheme = InitName | (string & {}) | { readonly std: number }
/** The names of the built-in initializers. */
export const initNames: readonly InitName[] = initDefs.map((d) => d.name)

/** Where a name is resolved: `{ registries }` holding `inits` (default: the built-ins). */
export interface InitOptions {
  readonly registries?: InitRegistries
}

/** The initializer a name resolves to; a SymgradError listing the registered names when there is none. */
export function lookupInit(name: string, o: InitOptions = {}): InitDef {
  const inits = o.registries?.inits ?? builtinInits
  const d = inits.get(name)
  if (d === undefined) throw new SymgradError('value', unknownInit(name, inits))
  return d
}

/** The one line for an init name that is not registered. */
export function unknownInit(name: string, inits: InitRegistry): string {
  return `unknown init ${quoteName(name)} (registered: ${[...inits.keys()].join(', ')})`
}

/** The standard deviation a scheme gives a [fanIn, fanOut] weight matrix (fanOut matters for Glorot only). */
export function initStd(scheme: InitScheme, fanIn: number, fanOut = fanIn, o: InitOptions = {}): number {
  return typeof scheme === 'object' ? scheme.std : lookupInit(scheme, o).std(fanIn, fanOut)
}

/** A [fanIn, fanOut] weight matrix drawn from `key` by the scheme. */
export function initWeight(key: Key, scheme: InitScheme, fanIn: number, fanOut: number, o: InitOptions = {}): Tensor {
  return typeof scheme === 'object' ? R.normal(key, [fanIn, fanOut], scheme.std) : lookupInit(scheme, o).draw(key, fanIn, fanOut)
}

export function showScheme(scheme: InitScheme): string {
  return typeof scheme === 'object' ? `std=${scheme.std}` : scheme
}

const InitStdC = struct('{ std }', { std: PositiveNumber })
const INIT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/

/**
 * An init scheme as data: a name (an identifier; checked against the model's registries when the
 * model is built, so a user's init decodes) or { std: positive number }.
 */
export const InitSchemeC = new t.Type<InitScheme, InitScheme, unknown>(
  `an init scheme (${initNames.map((n) => `'${n}'`).join(' | ')} | a registered init's name | { std })`,
  (u): u is InitScheme => (typeof u === 'string' && INIT_NAME.test(u)) || InitStdC.is(u),
  (u, c) => (typeof u === 'string' ? (INIT_NAME.test(u) ? t.success(u) : t.failure(u, c)) : typeof u === 'object' && u !== null && !Array.isArray(u) ? InitStdC.validate(u, c) : t.failure(u, c)),
  (s) => s,
)
