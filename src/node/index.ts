/**
 * symgrad/node: the pieces that need Node's APIs (kept out of the browser-safe core): file helpers
 * for checkpoints, configs, specs and data sets, atomic writes, the size limits' environment
 * variables, the worker-thread pool and the job queue.
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

export { threadPool } from '../runner/threads.js'
export { checkFolderWritable, checkWritable, lockForWriting, readJsonFile, readTextFile, writeFileAtomic, writeTarget, staleTempFiles, type WriteTarget } from '../io/atomic.js'
export { loadCheckpoint, loadRunConfig, loadSpec, saveCheckpoint } from '../records/files.js'
export { currentLimits, loadCifar, loadCsv, loadIdx, loadIdxImages, readBytes, readPng, type ExpectedSize } from '../io/files.js'
export { predictPngFile, predictPngFileOrThrow } from './predict.js'
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
export const readPngOrThrow = orThrowing(readPng)
export const loadIdxImagesOrThrow = orThrowing(loadIdxImages)

// The job queue (BullMQ on Redis): queueTrials / queueEnsemble enqueue search trials and ensemble
// members and gather their results; startWorker runs them on any machine that reaches the Redis
// server; parseRedisUrl and unreachable check a redis:// URL before work starts.
export { parseRedisUrl, unreachable, reach, type RedisTarget } from '../queue/redis.js'
export { queueTrials, queueEnsemble, type QueueRunOptions, type QueueEnsembleResult } from '../queue/search.js'
export { startWorker, describeJob, type WorkerOptions, type RunningWorker } from '../queue/worker.js'
export { runJobs, type Outcome, type GatherStatus, type GatherOptions } from '../queue/gather.js'
export { jobId, JobC, TrialOutC, MemberOutC, QUEUE_NAME, type Job, type TrialJob, type MemberJob, type TrialOut, type MemberOut } from '../queue/jobs.js'

// ONNX export: a graph (or a trained model's inference form) as an ONNX file's bytes, through an
// open op table (withOnnx adds entries for ops of your own).
export { toOnnx, ONNX_OPSET, ONNX_IR_VERSION, type OnnxGraph, type OnnxModel } from '../onnx/export.js'
export { modelGraph, modelToOnnx } from '../onnx/model.js'
export { builtinOnnx, withOnnx, onnxTable, type OnnxTable, type OnnxEntry, type EmitCtx, type OnnxAttr } from '../onnx/table.js'

// ── more …OrThrow twins ──
import { SymgradError } from '../core/errors.js'
import { writeTarget as writeTarget_ } from '../io/atomic.js'
import { limitsFromEnv as limitsFromEnv_ } from '../io/limits.js'
import { toOnnx as toOnnx_ } from '../onnx/export.js'
import { modelToOnnx as modelToOnnx_ } from '../onnx/model.js'
import { parseRedisUrl as parseRedisUrl_, type RedisTarget as RedisTarget_ } from '../queue/redis.js'
export const writeTargetOrThrow = orThrowing(writeTarget_)
export const limitsFromEnvOrThrow = orThrowing(limitsFromEnv_)
export const toOnnxOrThrow = orThrowing(toOnnx_)
export const modelToOnnxOrThrow = orThrowing(modelToOnnx_)
/** parseRedisUrl's twin: the target, or a thrown SymgradError with its message. */
export function parseRedisUrlOrThrow(s: string): RedisTarget_ {
  const r = parseRedisUrl_(s)
  if (r._tag === 'Left') throw new SymgradError('value', r.left)
  return r.right
}
