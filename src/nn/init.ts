/**
 * Weight initialization from explicit PRNG keys (bit-for-bit reproducible for the same key):
 *   'small'         W = 0.01·N(0,1)
 *   'xavier'        W = N(0,1)/√fan_in                    (the lecture notes' form: Var = 1/fan_in)
 *   'he'            W = N(0,1)·√(2/fan_in)                (He et al. 2015, for ReLU nets)
 *   'glorotNormal'  W = N(0,1)·√(2/(fan_in+fan_out))      (Glorot & Bengio 2010: Var = 2/(fan_in+fan_out))
 *   'glorotUniform' W = U(−a,a), a = √(6/(fan_in+fan_out)) (the same variance)
 *   {std}           W = std·N(0,1)                        (the assignments' `weight_scale`)
 * 'xavier' is CS231n's 1/√fan_in, not Glorot's 2/(fan_in+fan_out): they agree only when
 * fan_in = fan_out. Biases start at 0. Each scheme is an InitDef record (InitDef.ts); a new one is
 * its record plus a line in `initDefs` below.
 */
import * as t from 'io-ts'
import type { Key } from '../core/Random.js'
import * as R from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'
import { oneOf, PositiveNumber, struct } from '../core/codecs.js'
import { defineInit, type InitDef, type InitRegistry } from './InitDef.js'
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
/** How a layer's weights are drawn: a built-in initializer by name, or `{ std }`. */
export type InitScheme = InitName | { readonly std: number }
/** The names of the built-in initializers. */
export const initNames: readonly InitName[] = initDefs.map((d) => d.name)

const byName: ReadonlyMap<string, InitDef> = new Map(initDefs.map((d) => [d.name, d]))

function lookup(name: InitName): InitDef {
  const d = byName.get(name)
  if (d === undefined) throw new RangeError(`unknown init scheme '${String(name)}' (known: ${initNames.join(', ')})`)
  return d
}

/** The standard deviation a scheme gives a [fanIn, fanOut] weight matrix (fanOut matters for Glorot only). */
export function initStd(scheme: InitScheme, fanIn: number, fanOut = fanIn): number {
  return typeof scheme === 'object' ? scheme.std : lookup(scheme).std(fanIn, fanOut)
}

/** A [fanIn, fanOut] weight matrix drawn from `key` by the scheme. */
export function initWeight(key: Key, scheme: InitScheme, fanIn: number, fanOut: number): Tensor {
  return typeof scheme === 'object' ? R.normal(key, [fanIn, fanOut], scheme.std) : lookup(scheme).draw(key, fanIn, fanOut)
}

export function showScheme(scheme: InitScheme): string {
  return typeof scheme === 'object' ? `std=${scheme.std}` : scheme
}

const InitNameC = oneOf(initNames)
const InitStdC = struct('{ std }', { std: PositiveNumber })

/** A scheme name or { std: positive number }. */
export const InitSchemeC = new t.Type<InitScheme, InitScheme, unknown>(
  `an init scheme (${initNames.map((n) => `'${n}'`).join(' | ')} | { std })`,
  (u): u is InitScheme => InitNameC.is(u) || InitStdC.is(u),
  (u, c) => (typeof u === 'string' ? InitNameC.validate(u, c) : typeof u === 'object' && u !== null && !Array.isArray(u) ? InitStdC.validate(u, c) : t.failure(u, c)),
  (s) => s,
)
