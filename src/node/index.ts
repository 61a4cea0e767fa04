/**
 * symgrad/node: the pieces that need Node's APIs (kept out of the browser-safe core): file helpers
 * for checkpoints, configs, specs and data sets, atomic writes, the size limits' environment
 * variables, the worker-thread pool and ONNX export. The job queue is
 * `symgrad/queue` (it needs the optional packages bullmq and ioredis).
 *
 * Every reader returns `Either<SymgradError, T>` with a one-line Left; each has an `…OrThrow` twin
 * that returns the value or throws the SymgradError:
 *
 *   import { loadCheckpointOrThrow, saveCheckpointOrThrow } from 'symgrad/node'
 *   const { model, state } = loadCheckpointOrThrow('run.json')
 */
import { orThrowing } from '../core/errors.js'
import { checkFolderWritable, checkWritable, lockForWriting, readJsonFile, readTextFile, writeFileAtomic } from '../io/atomic.js'
import { loadCheckpoint, loadRunConfig, loadSpec, saveCheckpoint } from '../records/files.js'
import { currentLimits, loadCifar, loadCsv, loadIdx, loadIdxImages, readBytes, readPng } from '../io/files.js'
import { loadFashionMnist, loadMnistFull } from '../io/standardData.js'
import { loadBundledMnist, loadBundledMnistSplits } from '../io/mnist.js'

export { threadPool } from '../runner/threads.js'
export { enableRelaxedSimd } from '../runner/relaxedSimd.js'
export { checkFolderWritable, checkWritable, lockForWriting, readJsonFile, readTextFile, writeFileAtomic, writeTarget, staleTempFiles, type WriteTarget } from '../io/atomic.js'
export { loadCheckpoint, loadRunConfig, loadSpec, saveCheckpoint } from '../records/files.js'
export { currentLimits, loadCifar, loadCsv, loadIdx, loadIdxImages, readBytes, readPng, type ExpectedSize } from '../io/files.js'
export { predictPngFile, predictPngFileOrThrow } from './predict.js'
export { loadMnistFull, loadFashionMnist, DEFAULT_VALIDATION } from '../io/standardData.js'
export { loadBundledMnist, loadBundledMnistSplits } from '../io/mnist.js'
export { encodePng, type RgbaImage } from '../io/pngEncode.js'
export { defaultLimits, limitVars, limitsFromEnv, type Limits } from '../io/limits.js'

/** `loadCheckpoint`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadCheckpointOrThrow = orThrowing(loadCheckpoint)
/** `saveCheckpoint`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const saveCheckpointOrThrow = orThrowing(saveCheckpoint)
/** `loadRunConfig`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadRunConfigOrThrow = orThrowing(loadRunConfig)
/** `loadSpec`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadSpecOrThrow = orThrowing(loadSpec)
/** `readJsonFile`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const readJsonFileOrThrow = orThrowing(readJsonFile)
/** `readTextFile`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const readTextFileOrThrow = orThrowing(readTextFile)
/** `writeFileAtomic`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const writeFileAtomicOrThrow = orThrowing(writeFileAtomic)
/** `checkWritable`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkWritableOrThrow = orThrowing(checkWritable)
/** `checkFolderWritable`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkFolderWritableOrThrow = orThrowing(checkFolderWritable)
/** `lockForWriting`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const lockForWritingOrThrow = orThrowing(lockForWriting)
/** `currentLimits`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const currentLimitsOrThrow = orThrowing(currentLimits)
/** `readBytes`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const readBytesOrThrow = orThrowing(readBytes)
/** `loadIdx`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadIdxOrThrow = orThrowing(loadIdx)
/** `loadCifar`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadCifarOrThrow = orThrowing(loadCifar)
/** `loadCsv`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadCsvOrThrow = orThrowing(loadCsv)
/** `loadMnistFull`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadMnistFullOrThrow = orThrowing(loadMnistFull)
/** `loadFashionMnist`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadFashionMnistOrThrow = orThrowing(loadFashionMnist)
/** `loadBundledMnist`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadBundledMnistOrThrow = orThrowing(loadBundledMnist)
/** `loadBundledMnistSplits`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadBundledMnistSplitsOrThrow = orThrowing(loadBundledMnistSplits)
/** `readPng`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const readPngOrThrow = orThrowing(readPng)
/** `loadIdxImages`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const loadIdxImagesOrThrow = orThrowing(loadIdxImages)

// ONNX export: a graph (or a trained model's inference form) as an ONNX file's bytes, through an
// open op table (the `onnx` of a registries value: `Registries.extend` adds entries for ops of your own).
export { toOnnx, ONNX_OPSET, ONNX_IR_VERSION, type OnnxGraph, type OnnxModel, type OnnxOptions } from '../onnx/export.js'
export { modelGraph, modelToOnnx } from '../onnx/model.js'
export { builtinOnnx, onnxTable, type OnnxTable, type OnnxEntry, type EmitCtx, type OnnxAttr, type OnnxRegistries } from '../onnx/table.js'

// ── more …OrThrow twins ──
import { SymgradError } from '../core/errors.js'
import { writeTarget as writeTarget_ } from '../io/atomic.js'
import { limitsFromEnv as limitsFromEnv_ } from '../io/limits.js'
import { toOnnx as toOnnx_ } from '../onnx/export.js'
import { modelToOnnx as modelToOnnx_ } from '../onnx/model.js'
/** `writeTarget`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const writeTargetOrThrow = orThrowing(writeTarget_)
/** `limitsFromEnv`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const limitsFromEnvOrThrow = orThrowing(limitsFromEnv_)
/** `toOnnx`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const toOnnxOrThrow = orThrowing(toOnnx_)
/** `modelToOnnx`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const modelToOnnxOrThrow = orThrowing(modelToOnnx_)
