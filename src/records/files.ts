/**
 * Run records as files (Node): checkpoints saved atomically and decoded back before the rename,
 * checkpoints, run configs and model specs loaded with messages that name the file. The writing,
 * locking and bounded reading are io/atomic.ts's.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { readJsonFile, writeFileAtomic } from '../io/atomic.js'
import type { ModelSpec } from '../nn/model.js'
import type { LayerRegistry } from '../nn/LayerDef.js'
import type { OptimizerRegistry } from '../optim/OptimizerDef.js'
import { builtinOptimizers } from '../optim/registry.js'
import { defaultRunConfig, type RunConfig } from '../train/config.js'
import type { Checkpoint, DecodeCheckpointOptions, Loaded } from './checkpoint.js'
import { checkpointToText, decodeCheckpoint } from './checkpoint.js'
import { decodeRunConfig } from './runConfig.js'
import { decodeSpec } from './spec.js'

/**
 * Saves a checkpoint atomically: refuses non-finite parameters, decodes the exact text back
 * (checked against its own spec and optimizer) before anything is written, then writes it. Pass
 * the registries (`layers`, `optimizers`) a checkpoint of your own kinds needs to load back.
 */
export function saveCheckpoint(path: string, c: Checkpoint, o: Omit<DecodeCheckpointOptions, 'root' | 'spec'> = {}): Either<SymgradError, void> {
  const text = checkpointToText(c)
  if (E.isLeft(text)) return text
  const back = decodeCheckpoint(JSON.parse(text.right) as unknown, { ...o, spec: c.spec })
  if (E.isLeft(back)) return E.left(new SymgradError('value', `refusing to write ${path}: it would not load back: ${back.left.message}`))
  return writeFileAtomic(path, text.right)
}

/** Prefixes a decoding error with the file it came from. */
function inFile<A>(path: string, r: Either<SymgradError, A>): Either<SymgradError, A> {
  return E.isLeft(r) ? E.left(new SymgradError(r.left.kind, `${path}: ${r.left.message}`)) : r
}

/** Loads a checkpoint; messages name the file (`run.json: checkpoint.state.params['dense0.W']: …`). */
export function loadCheckpoint(path: string, o: Omit<DecodeCheckpointOptions, 'root'> = {}): Either<SymgradError, Loaded> {
  const json = readJsonFile(path, 'checkpoint')
  return E.isLeft(json) ? json : inFile(path, decodeCheckpoint(json.right, o))
}

/** A run config file laid over `base`, decoded (`run.json: config.learningRate: expected a positive number, got -0.1`). */
export function loadRunConfig(path: string, base: RunConfig = defaultRunConfig, optimizers: OptimizerRegistry = builtinOptimizers): Either<SymgradError, RunConfig> {
  const json = readJsonFile(path, 'config')
  return E.isLeft(json) ? json : inFile(path, decodeRunConfig(json.right, base, 'config', optimizers))
}

/** A model spec file, decoded (layer kinds from `layers`, default the built-ins). */
export function loadSpec(path: string, layers?: LayerRegistry): Either<SymgradError, ModelSpec> {
  const json = readJsonFile(path, 'spec')
  return E.isLeft(json) ? json : inFile(path, decodeSpec(json.right, 'spec', layers))
}
