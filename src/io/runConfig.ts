/**
 * The run config of `symgrad train` / `search` / `ensemble` (src/train's RunConfig) as JSON, decoded
 * with the same codecs as every trust boundary (codecs.ts): unknown fields are refused with the
 * nearest known name, and the first error is one line naming the path, expected and found:
 *
 *   config.learningRate: expected a positive number, got -0.1
 *   unknown field config.optimzer (did you mean optimizer?)
 *
 * Every field is optional in the JSON; the decoded fields are laid over a base (the defaults, or
 * the run a checkpoint records). `toConfigJson` states the same run as a training config
 * (config.ts), which is what a checkpoint's `config` holds.
 */
import { dtypes } from '../compile/arena.js'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { SymgradError } from '../core/errors.js'
import { defaultRunConfig, runInits, runLosses, runOptimizers, runPreprocess, runSchedules, type RunConfig } from '../train/config.js'
import { decodeWith, describe, KeepProbability, listOf, NonNegativeInt, NonNegativeNumber, num, oneOf, PositiveInt, PositiveNumber, struct, UnitInterval } from './codecs.js'
import type { ConfigJson } from './config.js'

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

/** A run config as JSON: any subset of RunConfig's fields, nothing else. */
export const RunConfigC = struct('a run config', {}, {
  data: DataSourceC,
  hidden: listOf(PositiveInt, 'a list of positive integers'),
  init: oneOf(runInits),
  loss: oneOf(runLosses),
  optimizer: oneOf(runOptimizers),
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
  dtype: oneOf(dtypes),
})
export type RunConfigJson = t.TypeOf<typeof RunConfigC>

// every field of RunConfig has a codec, and every codec a field (checked at compile time)
const _complete = (c: Required<RunConfigJson>): RunConfig => c
const _noExtra = (c: RunConfig): Required<RunConfigJson> => c
void _complete
void _noExtra

/** Decodes a (partial) run config and lays it over `base`; Left is one line (`config.learningRate: …`). */
export function decodeRunConfig(u: unknown, base: RunConfig = defaultRunConfig, root = 'config'): Either<SymgradError, RunConfig> {
  return E.map((o: RunConfigJson): RunConfig => ({ ...base, ...o }))(decodeWith(RunConfigC, u, root))
}

/** A RunConfig as JSON (every field). */
export function encodeRunConfig(c: RunConfig): unknown {
  return RunConfigC.encode(c)
}

/**
 * The same run as a training config (config.ts): optimizer with its schedule in steps, epochs,
 * batch size, seed, loss and L2 — what a checkpoint's `config` holds, so loading it checks the
 * optimizer state against the optimizer. `batchesPerEpoch` turns the epoch-based schedule into steps.
 */
export function toConfigJson(c: RunConfig, batchesPerEpoch: number): ConfigJson {
  const every = c.decayEvery * batchesPerEpoch
  const lr =
    c.schedule === 'constant' ? c.learningRate
    : c.schedule === 'step' ? { kind: 'stepDecay' as const, init: c.learningRate, factor: c.decay, every }
    : { kind: 'exponentialDecay' as const, init: c.learningRate, rate: c.decay, decaySteps: every }
  const optimizer: ConfigJson['optimizer'] =
    c.optimizer === 'momentum' || c.optimizer === 'nesterov' ? { kind: c.optimizer, lr, momentum: c.momentum } : { kind: c.optimizer, lr }
  return {
    optimizer, epochs: c.epochs, batchSize: c.batchSize, seed: c.seed, loss: c.loss,
    regularization: c.l2 > 0 ? { kind: 'l2', lambda: c.l2 } : { kind: 'none' },
  }
}
