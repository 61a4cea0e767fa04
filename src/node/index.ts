/** symgrad/node: the pieces that need Node's APIs (kept out of the browser-safe core). */
export { threadPool } from './threads.js'

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
export { builtinOnnx, withOnnx, type OnnxTable, type OnnxEntry, type EmitCtx, type OnnxAttr } from '../onnx/table.js'
