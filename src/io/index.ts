/**
 * io: models, graphs, configs and checkpoints as data, decoded with io-ts at every trust boundary.
 * Everything exported here is pure and browser-safe. Files are read and written by `atomic.ts`
 * (Node only, so not exported here; the CLI imports it directly): `saveCheckpoint`,
 * `loadCheckpoint`, `loadRunConfig`, `loadSpec`, `readJsonFile`, `writeFileAtomic`.
 *
 * Every decoder returns `Either<SymgradError, T>` whose Left is one line naming the path and the
 * expected vs found value (`config.learningRate: expected a positive number, got -0.1`). Unknown fields are refused with the nearest known name. Floats
 * round-trip exactly: tensors as base64 of little-endian float64 bytes, single numbers as JSON
 * numbers or "NaN" / "Infinity" / "-Infinity" / "-0" (see floats.ts).
 */
export { parseJson } from './json.js'
export { decodeWith, describe, report, formatError, closest, struct, tagged, oneOf, num, listOf, recordOf, TensorC, FiniteTensorC, AnyNumber, FiniteNumber, PositiveNumber, PositiveInt, UnitInterval, KeepProbability } from './codecs.js'
export { encodeTensor, encodeNumber, decodeNumber, encodeFloat64, decodeFloat64, toBase64, fromBase64, type TensorJson, type NumberJson } from './floats.js'
export { decodeSpec, decodeModel, encodeSpec, specFromJson, checkLayerKinds, modelSpecCodec, diffSpecs, diffJson, formatDiff, checkDataFits, ModelSpecC, LayerC, InitSchemeC, type ModelSpecJson, type LayerJson, type Difference } from './spec.js'
export { encodeGraph, decodeGraph, GraphC, GRAPH_FORMAT, GRAPH_VERSION, type GraphJson, type DecodeGraphOptions } from './graph.js'
export { encodeCheckpoint, decodeCheckpoint, checkpointToText, checkStructure, CheckpointC, checkpointCodec, TrainStateC, PixelInputC, pixelInputOf, preprocessingNote, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Checkpoint, type Loaded, type DecodeCheckpointOptions } from './checkpoint.js'
export { decodeRunConfig, encodeRunConfig, runConfigCodec, RunConfigC, DataSourceC, type RunConfigJson } from './runConfig.js'
export { decodeSpace, SpaceC, DimC, spaceFields } from './searchSpace.js'
export { fromCsv } from './csv.js'
export { pngHeader, colorTypeName, PNG_SIGNATURE, type PngHeader } from './png.js'

// ── …OrThrow twins (the error rule: see orThrowing in core/errors.ts) ─────────────────────────
import { orThrowing } from '../core/errors.js'
import { parseJson as parseJson_ } from './json.js'
import { decodeSpec as decodeSpec_, decodeModel as decodeModel_, specFromJson as specFromJson_, checkDataFits as checkDataFits_ } from './spec.js'
import { decodeGraph as decodeGraph_ } from './graph.js'
import { encodeCheckpoint as encodeCheckpoint_, decodeCheckpoint as decodeCheckpoint_, checkpointToText as checkpointToText_ } from './checkpoint.js'
import { decodeRunConfig as decodeRunConfig_ } from './runConfig.js'
import { decodeSpace as decodeSpace_ } from './searchSpace.js'
import { fromCsv as fromCsv_ } from './csv.js'
/** `parseJson`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const parseJsonOrThrow = orThrowing(parseJson_)
/** `decodeSpec`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const decodeSpecOrThrow = orThrowing(decodeSpec_)
/** `decodeModel`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const decodeModelOrThrow = orThrowing(decodeModel_)
/** `specFromJson`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const specFromJsonOrThrow = orThrowing(specFromJson_)
/** `checkDataFits`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkDataFitsOrThrow = orThrowing(checkDataFits_)
/** `decodeGraph`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const decodeGraphOrThrow = orThrowing(decodeGraph_)
/** `encodeCheckpoint`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const encodeCheckpointOrThrow = orThrowing(encodeCheckpoint_)
/** `decodeCheckpoint`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const decodeCheckpointOrThrow = orThrowing(decodeCheckpoint_)
/** `checkpointToText`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkpointToTextOrThrow = orThrowing(checkpointToText_)
/** `decodeRunConfig`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const decodeRunConfigOrThrow = orThrowing(decodeRunConfig_)
/** `decodeSpace`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const decodeSpaceOrThrow = orThrowing(decodeSpace_)
/** `fromCsv`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fromCsvOrThrow = orThrowing(fromCsv_)
export { defaultLimits, limitVars, limitsFromEnv, checkMlpSize, mlpParameters, maxDepth, type Limits } from './limits.js'
import { decodeWith as decodeWith_ } from '../core/codecs.js'
import { checkStructure as checkStructure_ } from './checkpoint.js'
import { limitsFromEnv as limitsFromEnv_, checkMlpSize as checkMlpSize_ } from './limits.js'
import type * as t from 'io-ts'
/** `checkStructure`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkStructureOrThrow = orThrowing(checkStructure_)
/** `limitsFromEnv`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const limitsFromEnvOrThrow = orThrowing(limitsFromEnv_)
/** `checkMlpSize`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkMlpSizeOrThrow = orThrowing(checkMlpSize_)
/** decodeWith's twin (generic, so written out): the decoded value, or a thrown SymgradError. */
export function decodeWithOrThrow<A, O>(codec: t.Type<A, O, unknown>, u: unknown, root: string): A {
  return orThrowing(decodeWith_<A, O>)(codec, u, root)
}
import { pngHeader as pngHeader_ } from './png.js'
import { checkLayerKinds as checkLayerKinds_ } from './spec.js'
/** `pngHeader`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const pngHeaderOrThrow = orThrowing(pngHeader_)
/** `checkLayerKinds`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkLayerKindsOrThrow = orThrowing(checkLayerKinds_)
