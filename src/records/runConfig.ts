/**
 * The run config (src/train/config.ts's RunConfig, the one shape of a run) as JSON, decoded once
 * here for every source: `symgrad train --config`, the flags, search-space points, the best config
 * a search saves, and a checkpoint's `run`. The same codecs as every trust boundary: unknown fields
 * are refused with the nearest known name, and the first error is one line naming the path,
 * expected and found:
 *
 *   config.learningRate: expected a positive number, got -0.1
 *   unknown field config.optimzer (did you mean optimizer?)
 *   config.hyper.b1: expected a number in [0, 1) or a schedule { kind, … }, got 2
 *
 * Every field is optional in the JSON; the decoded fields are laid over a base (the defaults, or
 * the run a checkpoint records). `optimizer` names a kind of the optimizers of the registries given
 * (`{ registries }`, the built-ins by default) and `init` one of their inits; `hyper` is checked by
 * that kind's codec after the merge. To add a
 * field, see the note at the top of src/train/config.ts.
 */
import { dtypes } from '../compile/arena.js'
import { MAX_THREADS } from '../compile/threads.js'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { activationNames } from '../nn/activations.js'
import type { SymgradError } from '../core/errors.js'
import { SymgradError as Err } from '../core/errors.js'
import { hyperC } from '../optim/hyper.js'
import { decodeHyper, optimizerNames, type OptimizerRegistries } from '../optim/OptimizerDef.js'
import { builtinOptimizers } from '../optim/registry.js'
import type { InitRegistries } from '../nn/InitDef.js'
import { builtinInits } from '../nn/init.js'
import { defaultRunConfig, runLosses, runPreprocess, runSchedules, runModels, type RunConfig } from '../train/config.js'
import type { LayerJson } from '../nn/layerCodec.js'
import { decodeWith, describe, isRecord, own, NonEmptyString, FiniteNumber, KeepProbability, listOf, NonNegativeInt, NonNegativeNumber, num, oneOf, PositiveInt, PositiveNumber, recordOf, struct, UnitInterval } from '../core/codecs.js'

const dataName = "'mnist' | 'mnist-sample' | 'fashion' | 'spiral' | 'xor' | 'idx:<images>,<labels>' | 'cifar:<file>[,<file>…]' | 'csv:<file>'"

/** Where the data comes from: a bundled set, a pair of IDX files, CIFAR-10 batch files or a CSV file. */
export const DataSourceC = new t.Type<string, string, unknown>(
  dataName,
  (u): u is string => typeof u === 'string' && dataProblem(u) === undefined,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c)
    const p = dataProblem(u)
    return p === undefined ? t.success(u) : t.failure(u, c, `{path}: ${p}`)
  },
  (s) => s,
)

function dataProblem(s: string): string | undefined {
  if (['mnist', 'mnist-sample', 'fashion', 'spiral', 'xor'].includes(s)) return undefined
  const files = s.slice(s.indexOf(':') + 1).split(',')
  if (s.startsWith('idx:')) return files.length === 2 && files.every((f) => f !== '') ? undefined : `expected idx:<images>,<labels> (two files), got ${describe(s)}`
  if (s.startsWith('csv:')) return s.length > 4 ? undefined : `expected csv:<file>, got ${describe(s)}`
  if (s.startsWith('cifar:')) return files.every((f) => f !== '') ? undefined : `expected cifar:<file>[,<file>…], got ${describe(s)}`
  return `expected ${dataName}, got ${describe(s)}`
}

/**
 * A layer of a run's `layers` as JSON: a record with a string `kind`. Its kind and options are
 * checked by the kind's record in the registries the model is built with (a user's kind is known
 * only there), so a bad option is one line naming `config.layers[i]` when the model is built.
 */
const RunLayerC = new t.Type<LayerJson, LayerJson, unknown>(
  'a layer { kind, …options }',
  (u): u is LayerJson => isRecord(u) && typeof own(u, 'kind') === 'string' && !Object.hasOwn(u, '__proto__'),
  (u, c) => (isRecord(u) && typeof own(u, 'kind') === 'string' && !Object.hasOwn(u, '__proto__') ? t.success(u as LayerJson) : t.failure(u, c)),
  (l) => l,
)

/** What a run config's names resolve through: the optimizers and inits of a registries value. */
export type RunRegistries = OptimizerRegistries & InitRegistries

const builtinRunRegistries: RunRegistries = { optimizers: builtinOptimizers, inits: builtinInits }

/** The fields of a run config as JSON, with `optimizer` and `init` names the registries hold. */
function runConfigFields(registries: RunRegistries) {
  return {
    data: DataSourceC,
    hidden: listOf(PositiveInt, 'a list of positive integers'),
    init: oneOf([...registries.inits.keys()]),
    loss: oneOf(runLosses),
    optimizer: oneOf(optimizerNames(registries.optimizers)),
    learningRate: PositiveNumber,
    momentum: UnitInterval,
    schedule: oneOf(runSchedules),
    decay: num('a number in (0, 1]', (x) => x > 0 && x <= 1),
    decayEvery: PositiveInt,
    epochs: PositiveInt,
    batchSize: PositiveInt,
    l2: NonNegativeNumber,
    keep: KeepProbability,
    shift: NonNegativeInt,
    preprocess: oneOf(runPreprocess),
    seed: NonNegativeInt,
    hyper: recordOf(hyperC(FiniteNumber), 'a record of hyperparameters (numbers or schedules)'),
    clipNorm: PositiveNumber,
    maxSteps: NonNegativeInt,
    patience: PositiveInt,
    evalTrainSize: PositiveInt,
    compiled: t.boolean,
    activation: oneOf(activationNames),
    batchNorm: t.boolean,
    dtype: oneOf(dtypes),
    threads: num(`a whole number of threads in 1 … ${MAX_THREADS}`, (x) => Number.isInteger(x) && x >= 1 && x <= MAX_THREADS),
    model: oneOf(runModels),
    examples: PositiveInt,
    freeze: listOf(NonEmptyString, 'a list of layer names'),
    lrMult: recordOf(PositiveNumber, 'a record of learning-rate multipliers by layer name'),
    layers: listOf(RunLayerC, 'a list of layers { kind, …options }'),
  }
}

/** Where a run config's names are resolved: `{ registries }` (default: the built-ins). */
export interface RunConfigOptions {
  readonly registries?: RunRegistries
}

/** The codec of a run config naming the optimizers and inits of `o.registries` (any subset of the fields, nothing else). */
export function runConfigCodec(o: RunConfigOptions = {}) {
  return struct('a run config', {}, runConfigFields(o.registries ?? builtinRunRegistries))
}

/** The fields of a run config, in order. */
export const runConfigFieldNames: readonly string[] = Object.keys(runConfigFields(builtinRunRegistries))

/** A run config as JSON with the built-in optimizers. */
export const RunConfigC = runConfigCodec()
/** A run config as JSON (what --config files and checkpoints hold). */
export type RunConfigJson = t.TypeOf<typeof RunConfigC>

// every field of RunConfig has a codec, and every codec a field (checked at compile time)
const _complete = (c: RunConfigJson): Partial<RunConfig> => c
const _noExtra = (c: RunConfig): RunConfigJson => c
const _required = (c: Required<RunConfigJson>): Required<RunConfig> => c
void _complete
void _noExtra
void _required

/** How `decodeRunConfig` reads: the run it lays the fields over, the name in messages, the registries. */
export interface DecodeRunConfigOptions extends RunConfigOptions {
  /** The run the decoded fields are laid over (default: defaultRunConfig). */
  readonly base?: RunConfig
  /** The name of the value in messages (default 'config'). */
  readonly root?: string
}

/**
 * Decodes a (partial) run config and lays it over `o.base`; Left is one line (`config.learningRate: …`).
 * `hyper` is then checked against the merged run's optimizer kind (`config.hyper.b1: …`).
 */
export function decodeRunConfig(u: unknown, o: DecodeRunConfigOptions = {}): Either<SymgradError, RunConfig> {
  const root = o.root ?? 'config'
  const optimizers = (o.registries ?? builtinRunRegistries).optimizers
  const d = decodeWith(o.registries === undefined ? RunConfigC : runConfigCodec(o), u, root)
  if (E.isLeft(d)) return d
  const c: RunConfig = { ...(o.base ?? defaultRunConfig), ...d.right }
  if (c.hyper === undefined) return E.right(c)
  const def = optimizers.get(c.optimizer)
  if (def === undefined) return E.left(new Err('decode', `${root}.optimizer: unknown optimizer '${c.optimizer}' (registered: ${optimizerNames(optimizers).join(', ')})`))
  return E.map((hyper: RunConfig['hyper']): RunConfig => ({ ...c, hyper }))(decodeHyper(def, c.hyper, `${root}.hyper`))
}

/** A RunConfig as JSON (every field it has). */
export function encodeRunConfig(c: RunConfig): unknown {
  return RunConfigC.encode(c)
}
