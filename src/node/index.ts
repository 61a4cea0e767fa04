/**
 * symgrad/node: the pieces that need Node's APIs (kept out of the browser-safe core): file helpers
 * for checkpoints, configs, specs and data sets, atomic writes, the size limits' environment
 * variables, and the worker-thread pool.
 *
 * Every reader returns `Either<SymgradError, T>` with a one-line Left; each has an `…OrThrow` twin
 * that returns the value or throws the SymgradError:
 *
 *   import { loadCheckpointOrThrow, saveCheckpointOrThrow } from 'symgrad/node'
 *   const { model, state } = loadCheckpointOrThrow('run.json')
 */
import { orThrowing } from '../core/errors.js'
import { checkFolderWritable, checkWritable, loadCheckpoint, loadConfig, loadSpec, loadTrainConfig, lockForWriting, readJsonFile, readTextFile, saveCheckpoint, writeFileAtomic } from '../io/atomic.js'
import { currentLimits, loadCifar, loadCsv, loadIdx, readBytes } from '../io/files.js'

export { threadPool } from './threads.js'
export { checkFolderWritable, checkWritable, loadCheckpoint, loadConfig, loadSpec, loadTrainConfig, lockForWriting, readJsonFile, readTextFile, saveCheckpoint, writeFileAtomic, writeTarget, staleTempFiles, type WriteTarget } from '../io/atomic.js'
export { currentLimits, loadCifar, loadCsv, loadIdx, readBytes, type ExpectedSize } from '../io/files.js'
export { defaultLimits, limitVars, limitsFromEnv, type Limits } from '../io/limits.js'

export const loadCheckpointOrThrow = orThrowing(loadCheckpoint)
export const saveCheckpointOrThrow = orThrowing(saveCheckpoint)
export const loadConfigOrThrow = orThrowing(loadConfig)
export const loadTrainConfigOrThrow = orThrowing(loadTrainConfig)
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
