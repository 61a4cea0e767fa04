/**
 * symgrad/queue: search trials and ensemble members as BullMQ jobs on a Redis server (Node). It
 * needs the optional peer dependencies bullmq and ioredis: `npm install bullmq ioredis`.
 *
 *   import { parseRedisUrlOrThrow, startWorker } from 'symgrad/queue'
 *   const w = startWorker(parseRedisUrlOrThrow('redis://127.0.0.1:6379/0'))
 */
import { SymgradError } from '../core/errors.js'
import { parseRedisUrl as parseRedisUrl_, type RedisTarget as RedisTarget_ } from './redis.js'

// The job queue (BullMQ on Redis): queueTrials / queueEnsemble enqueue search trials and ensemble
// members and gather their results; startWorker runs them on any machine that reaches the Redis
// server; parseRedisUrl and unreachable check a redis:// URL before work starts.
export { parseRedisUrl, unreachable, reach, type RedisTarget } from './redis.js'
export { queueTrials, queueEnsemble, type QueueRunOptions, type QueueEnsembleResult } from './search.js'
export { startWorker, describeJob, type WorkerOptions, type RunningWorker } from './worker.js'
export { runJobs, type Outcome, type GatherStatus, type GatherOptions } from './gather.js'
export { jobId, JobC, TrialOutC, MemberOutC, QUEUE_NAME, type Job, type TrialJob, type MemberJob, type TrialOut, type MemberOut } from './jobs.js'

/** parseRedisUrl's twin: the target, or a thrown SymgradError with its message. */
export function parseRedisUrlOrThrow(s: string): RedisTarget_ {
  const r = parseRedisUrl_(s)
  if (r._tag === 'Left') throw new SymgradError('value', r.left)
  return r.right
}
