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
import { checkFolderWritable, checkWritable, loadCheckpoint, loadRunConfig, loadSpec, lockForWriting, readJsonFile, readTextFile, saveCheckpoint, writeFileAtomic } from '../io/atomic.js'
import { currentLimits, loadCifar, loadCsv, loadIdx, loadIdxImages, readBytes, readPng } from '../io/files.js'
import { loadFashionMnist, loadMnistFull } from '../io/standardData.js'
import { loadBundledMnist, loadBundledMnistSplits } from '../io/mnist.js'

export { threadPool } from './threads.js'
export { checkFolderWritable, checkWritable, loadCheckpoint, loadRunConfig, loadSpec, lockForWriting, readJsonFile, readTextFile, saveCheckpoint, writeFileAtomic, writeTarget, staleTempFiles, type WriteTarget } from '../io/atomic.js'
export { currentLimits, loadCifar, loadCsv, loadIdx, loadIdxImages, readBytes, readPng, type ExpectedSize } from '../io/files.js'
export { predictPngFile, predictPngFileOrThrow } from './predict.js'
export { loadMnistFull, loadFashionMnist, DEFAULT_VALIDATION } from '../io/standardData.js'
export { loadBundledMnist, loadBundledMnistSplits } from '../io/mnist.js'
export { encodePng, type RgbaImage } from '../io/pngEncode.js'
export { defaultLimits, limitVars, limitsFromEnv, type Limits } from '../io/limits.js'

export const loadCheckpointOrThrow = orThrowing(loadCheckpoint)
export const saveCheckpointOrThrow = orThrowing(saveCheckpoint)
export const loadRunConfigOrThrow = orThrowing(loadRunConfig)
export const loadSpecOrThrow = orThrowing(loadSpec)
export const readJsonFileOrThrow = orThrowing(readJsonFile)
export const readTextFileOrThrow = orThrowing(readTextFile)
export const writeFileAtomicOrThrow = orThrowing(writeFileAtomic)
export const checkWritableOrThrow = orThrowing(checkWritable)
export const checkFolderWritableOrThrow = orThrowing(checkFolderWritable)
export const lockForWritingOrThrow = orThrowing(lockForWriting)
export const currentLimitsOrThrow = orThrowing(currentLimits)
export const readBytesOrThrow = orThrowing(readBytes)
export const loadIdxOrThrow = orThrowing(loadIdx)
export const loadCifarOrThrow = orThrowing(loadCifar)
export const loadCsvOrThrow = orThrowing(loadCsv)
export const loadMnistFullOrThrow = orThrowing(loadMnistFull)
export const loadFashionMnistOrThrow = orThrowing(loadFashionMnist)
export const loadBundledMnistOrThrow = orThrowing(loadBundledMnist)
export const loadBundledMnistSplitsOrThrow = orThrowing(loadBundledMnistSplits)
export const readPngOrThrow = orThrowing(readPng)
export const loadIdxImagesOrThrow = orThrowing(loadIdxImages)

// ONNX export: a graph (or a trained model's inference form) as an ONNX file's bytes, through an
// open op table (withOnnx adds entries for ops of your own).
export { toOnnx, ONNX_OPSET, ONNX_IR_VERSION, type OnnxGraph, type OnnxModel } from '../onnx/export.js'
export { modelGraph, modelToOnnx } from '../onnx/model.js'
export { builtinOnnx, withOnnx, type OnnxTable, type OnnxEntry, type EmitCtx, type OnnxAttr } from '../onnx/table.js'

// ── more …OrThrow twins ──
import { SymgradError } from '../core/errors.js'
import { writeTarget as writeTarget_ } from '../io/atomic.js'
import { limitsFromEnv as limitsFromEnv_ } from '../io/limits.js'
import { toOnnx as toOnnx_ } from '../onnx/export.js'
import { modelToOnnx as modelToOnnx_ } from '../onnx/model.js'
export const writeTargetOrThrow = orThrowing(writeTarget_)
export const limitsFromEnvOrThrow = orThrowing(limitsFromEnv_)
export const toOnnxOrThrow = orThrowing(toOnnx_)
export const modelToOnnxOrThrow = orThrowing(modelToOnnx_)
