/**
 * An optimizer kind as one record: its name, the codec of its hyperparameters (each a number or a
 * schedule, with a default), and the builder of its GradientTransformation. The CLI, run configs,
 * search spaces, checkpoints and the optimizer laws all read a registry of these records; adding a
 * kind is one `defineOptimizer` and one entry in a registry (the built-ins' list, or the user's
 * own through `Registries.extend(base, { optimizers: [mine] })`). The learning rate is not among the hyperparameters: every kind
 * takes one, from the run config's learningRate and schedule.
 *
 *   const signSgd = defineOptimizer({
 *     name: 'signSgd', summary: 'x ← x − lr·sign(dx)',
 *     hyper: {}, defaults: {},
 *     build: (lr) => chain(signOfGradient(), scaleByLearningRate(lr)),
 *   })
 *   const registries = Registries.extendOrThrow(Registries.builtins, { optimizers: [signSgd] })
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { Codec } from '../core/codecs.js'
import { decodeWith, isRecord, struct } from '../core/codecs.js'
import { SymgradError } from '../core/errors.js'
import type { GradientTransformation, PlainState } from './GradientTransformation.js'
import { chain } from './GradientTransformation.js'
import { hyperC, hyperOf, type HyperSpec } from './hyper.js'
import type { Hyper } from './schedules.js'
import { clipByGlobalNorm } from './transforms.js'

/** Codecs of the numbers a kind's hyperparameters may take (e.g. `{ momentum: UnitInterval }`). */
export type HyperCodecs = Readonly<Record<string, t.Type<number, number, unknown>>>

/** The hyperparameters a builder receives: every one of them, a number or a schedule. */
export type HyperValues<P extends HyperCodecs> = { readonly [K in keyof P]: Hyper }

/** An optimizer kind as a record: name, summary, hyperparameters with defaults, and how to build it. */
export interface OptimizerDef<P extends HyperCodecs = HyperCodecs, S extends PlainState = PlainState> {
  /** The kind's name in configs, flags and checkpoints (letters, digits, '-' and '_'; starts with a letter). */
  readonly name: string
  /** One line: the update rule (shown by --help and in docs). */
  readonly summary: string
  /** The hyperparameters besides the learning rate, each by the codec of its numbers. */
  readonly hyper: P
  /** A default for each hyperparameter. */
  readonly defaults: { readonly [K in keyof P]: number }
  /**
   * The transformation for a learning rate and a full set of hyperparameters. (A method, so that a
   * record of specific hyperparameters and state is also an AnyOptimizerDef.)
   */
  build(learningRate: Hyper, h: HyperValues<P>): GradientTransformation<S>
  /**
   * For the optimizer laws (laws/optimizerLaws.ts): why zero gradients still move the parameters
   * (AdamW's decoupled weight decay), so that the zero-gradient law is checked at x = 0 only.
   */
  readonly zeroGradientMoves?: string
}

/** A kind with its hyperparameter and state types forgotten (what registries hold). */
export type AnyOptimizerDef = OptimizerDef<HyperCodecs, PlainState>

const reserved = ['kind', 'learningRate', 'lr', 'clipNorm']

/**
 * A kind, checked at definition: a usable name, a default for every hyperparameter that its own
 * codec accepts, no default without a codec, no reserved hyperparameter name. Throws a SymgradError
 * naming the kind and the problem.
 */
export function defineOptimizer<const P extends HyperCodecs, S extends PlainState>(def: OptimizerDef<P, S>): OptimizerDef<P, S> {
  const at = `defineOptimizer '${def.name}'`
  if (typeof def.name !== 'string' || !/^[A-Za-z][\w-]*$/.test(def.name))
    throw new SymgradError('value', `defineOptimizer: the name must start with a letter and hold only letters, digits, '-' and '_', got ${JSON.stringify(def.name)}`)
  if (typeof def.build !== 'function') throw new SymgradError('value', `${at}: build must be a function (learningRate, hyperparameters) => GradientTransformation`)
  for (const k of Object.keys(def.hyper)) {
    if (reserved.includes(k)) throw new SymgradError('value', `${at}: '${k}' is reserved and cannot be a hyperparameter (the learning rate comes from the run config)`)
    if (!Object.prototype.hasOwnProperty.call(def.defaults, k)) throw new SymgradError('value', `${at}: hyperparameter '${k}' has no default`)
    const d = (def.defaults as Readonly<Record<string, number>>)[k]
    if (!def.hyper[k]!.is(d)) throw new SymgradError('value', `${at}: the default of '${k}' is ${String(d)}, expected ${def.hyper[k]!.name}`)
  }
  for (const k of Object.keys(def.defaults))
    if (!Object.prototype.hasOwnProperty.call(def.hyper, k)) throw new SymgradError('value', `${at}: default '${k}' is not one of its hyperparameters (${Object.keys(def.hyper).join(', ') || 'none'})`)
  return def
}

// ── registries ───────────────────────────────────────────────────────────────────────────────

/** Optimizer kinds by name: a value, passed where names are resolved (never a global filled by imports). */
export type OptimizerRegistry = ReadonlyMap<string, AnyOptimizerDef>

/** The part of a `Registries` value that resolves optimizer kinds: what optim/ and train/ read of it. */
export interface OptimizerRegistries {
  readonly optimizers: OptimizerRegistry
}

/** A registry of the given kinds (the built-ins' list; a user's kinds are added with `Registries.extend`); a name listed twice throws. */
export function optimizerRegistry(...defs: readonly AnyOptimizerDef[]): OptimizerRegistry {
  const out = new Map<string, AnyOptimizerDef>()
  for (const d of defs) {
    if (out.has(d.name)) throw new SymgradError('value', `optimizer '${d.name}' is listed twice`)
    out.set(d.name, d)
  }
  return out
}

/** The names of a registry, in registration order. */
export function optimizerNames(r: OptimizerRegistry): string[] {
  return [...r.keys()]
}

// ── hyperparameters as data ──────────────────────────────────────────────────────────────────

/** The codec of a kind's hyperparameters as data: any subset of its fields, nothing else. */
export function hyperCodec(def: AnyOptimizerDef): t.Type<Readonly<Record<string, HyperSpec>>, unknown, unknown> {
  const fields: Record<string, Codec> = {}
  for (const k of Object.keys(def.hyper)) fields[k] = hyperC(def.hyper[k]!)
  return struct(`the hyperparameters of ${def.name}`, {}, fields) as unknown as t.Type<Readonly<Record<string, HyperSpec>>, unknown, unknown>
}

/** Decodes `u` as the hyperparameters of `def`; Left is one line (`config.hyper.b1: expected a number in [0, 1), got 2`). */
export function decodeHyper(def: AnyOptimizerDef, u: unknown, root: string): Either<SymgradError, Readonly<Record<string, HyperSpec>>> {
  if (!isRecord(u)) return E.left(new SymgradError('decode', `${root}: expected the hyperparameters of ${def.name} (a record), got ${Array.isArray(u) ? 'a list' : String(u)}`))
  return decodeWith(hyperCodec(def), u, root)
}

/** What a built optimizer is made of, as data. */
export interface OptimizerChoice {
  /** The kind's name in the registry. */
  readonly kind: string
  readonly learningRate: Hyper
  /** Hyperparameters given (the rest take the kind's defaults). */
  readonly hyper?: Readonly<Record<string, HyperSpec>>
  /** Clip the gradients by global norm first (Pascanu et al. 2013). */
  readonly clipNorm?: number
}

/**
 * The transformation a choice describes: the kind's builder with its defaults overlaid by the
 * given hyperparameters, behind `clipByGlobalNorm` when `clipNorm` is set. An unknown kind or
 * hyperparameter is a SymgradError (data has been decoded before it gets here).
 */
export function optimizerOf(c: OptimizerChoice, o: { readonly registries: OptimizerRegistries }): GradientTransformation<PlainState> {
  const registry = o.registries.optimizers
  const def = registry.get(c.kind)
  if (def === undefined) throw new SymgradError('value', `unknown optimizer '${c.kind}' (registered: ${optimizerNames(registry).join(', ')})`)
  const h: Record<string, Hyper> = { ...def.defaults }
  for (const [k, v] of Object.entries(c.hyper ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(def.hyper, k)) throw new SymgradError('value', `optimizer '${def.name}' has no hyperparameter '${k}' (it has: ${Object.keys(def.hyper).join(', ') || 'none'})`)
    h[k] = hyperOf(v)
  }
  const base = def.build(c.learningRate, h)
  return c.clipNorm !== undefined ? (chain(clipByGlobalNorm(c.clipNorm), base) as unknown as GradientTransformation<PlainState>) : base
}
