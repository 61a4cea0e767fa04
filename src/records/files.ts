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
import type { RunConfig } from '../train/config.js'
import type { Checkpoint, DecodeCheckpointOptions, Loaded } from './checkpoint.js'
import { checkpointToText, decodeCheckpoint } from './checkpoint.js'
import { decodeRunConfig, type DecodeRunConfigOptions } from './runConfig.js'
import { decodeSpec, type SpecOptions } from './spec.js'

/**
 * Saves a checkpoint atomically: refuses non-finite parameters, decodes the exact text back
 * (checked against its own spec and optimizer) before anything is written, then writes it. Pass
 * `{ registries }` when the checkpoint names records of your own (layers, inits, optimizers).
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

/** A run config file laid over `o.base` (`run.json: config.learningRate: expected a positive number, got -0.1`); names resolve through `o.registries`. */
export function loadRunConfig(path: string, o: Omit<DecodeRunConfigOptions, 'root'> = {}): Either<SymgradError, RunConfig> {
  const json = readJsonFile(path, 'config')
  return E.isLeft(json) ? json : inFile(path, decodeRunConfig(json.right, o))
}

/** A model spec file, decoded (layer kinds and inits from `o.registries`, default the built-ins). */
export function loadSpec(path: string, o: SpecOptions = {}): Either<SymgradError, ModelSpec> {
  const json = readJsonFile(path, 'spec')
  return E.isLeft(json) ? json : inFile(path, decodeSpec(json.right, o))
}
