/**
 * The `io` namespace of symgrad: the formats of io/index.ts and the run records, pure and
 * browser-safe — model specs, checkpoints, run configs, search spaces — decoded with io-ts at every
 * trust boundary, each decoder with its …OrThrow twin. Files are saved and loaded by `files.ts`
 * (Node only, exported from symgrad/node): `saveCheckpoint`, `loadCheckpoint`, `loadRunConfig`, `loadSpec`.
 */
export * from '../io/index.js'
export { decodeSpec, decodeModel, encodeSpec, specFromJson, checkLayerKinds, modelSpecCodec, diffSpecs, diffJson, formatDiff, checkDataFits, ModelSpecC, LayerC, InitSchemeC, type ModelSpecJson, type LayerJson, type Difference, type SpecOptions, type DecodeSpecOptions } from './spec.js'
export { encodeCheckpoint, decodeCheckpoint, checkpointToText, checkStructure, CheckpointC, checkpointCodec, TrainStateC, PixelInputC, pixelInputOf, preprocessingNote, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Checkpoint, type Loaded, type DecodeCheckpointOptions, type CheckpointRegistries } from './checkpoint.js'
export { decodeRunConfig, encodeRunConfig, runConfigCodec, RunConfigC, DataSourceC, type RunConfigJson, type RunConfigOptions, type DecodeRunConfigOptions, type RunRegistries } from './runConfig.js'
export { decodeSpace, SpaceC, DimC, spaceFields } from './searchSpace.js'

// ── …OrThrow twins (the error rule: see orThrowing in core/errors.ts) ─────────────────────────
import { orThrowing } from '../core/errors.js'
import { decodeSpec as decodeSpec_, decodeModel as decodeModel_, specFromJson as specFromJson_, checkDataFits as checkDataFits_ } from './spec.js'
import { encodeCheckpoint as encodeCheckpoint_, decodeCheckpoint as decodeCheckpoint_, checkpointToText as checkpointToText_ } from './checkpoint.js'
import { decodeRunConfig as decodeRunConfig_ } from './runConfig.js'
import { decodeSpace as decodeSpace_ } from './searchSpace.js'
import { checkStructure as checkStructure_ } from './checkpoint.js'
import { checkLayerKinds as checkLayerKinds_ } from './spec.js'
/** `decodeSpec`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const decodeSpecOrThrow = orThrowing(decodeSpec_)
/** `decodeModel`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const decodeModelOrThrow = orThrowing(decodeModel_)
/** `specFromJson`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const specFromJsonOrThrow = orThrowing(specFromJson_)
/** `checkDataFits`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkDataFitsOrThrow = orThrowing(checkDataFits_)
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
/** `checkStructure`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkStructureOrThrow = orThrowing(checkStructure_)
/** `checkLayerKinds`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkLayerKindsOrThrow = orThrowing(checkLayerKinds_)
