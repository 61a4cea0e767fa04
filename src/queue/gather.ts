/**
 * The coordinator's side: enqueue jobs (each under the hash of its data, so a job already in Redis —
 * finished, running or waiting — is found rather than added twice) and gather their outcomes by
 * polling their states. A restarted coordinator that enqueues the same jobs picks up every result
 * already there and waits only for the rest. A finished job counts only when its data still hashes to
 * its id and its result names it (`verified`). Node only.
 */
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { connectionOptions, selectDatabase, type RedisTarget } from './redis.js'
import * as E from 'fp-ts/lib/Either.js'
import { decodeWith } from '../core/codecs.js'
import { defaultLimits, withinMemory, type Limits } from '../io/limits.js'
import { jobId, JobC, QUEUE_NAME, type Job } from './jobs.js'

/** A job's outcome: the worker's return value, or why the job failed (its data was refused, its thread crashed, its workers kept dying). */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string }

export interface GatherStatus {
  readonly total: number
  readonly running: number
  /** Jobs that were already finished in Redis when this coordinator enqueued them. */
  readonly found: number
}

export interface GatherOptions {
  /** Called with each outcome as it arrives (in arrival order). */
  readonly onOutcome?: (index: number, outcome: Outcome) => void
  /** Called after each poll. */
  readonly onStatus?: (s: GatherStatus) => void
  readonly pollMs?: number
  /** Bounds what is read back from Redis (a job's data: the config file limit); default `defaultLimits`. */
  readonly limits?: Limits
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Redis went away for good while gathering (the message is one line naming the server). */
export class QueueError extends Error {
  override name = 'QueueError'
}

type Stored = { readonly data: unknown; readonly returnvalue: unknown; readonly failedReason: string } | { readonly unreadable: string }

/**
 * A finished job as Redis holds it; undefined when gone. Data larger than a job can be (a run
 * config and a point: the config file limit) and a result too large to parse within the memory
 * limit are not parsed, and data that is not JSON is told apart.
 */
async function storedJob(queue: Queue, client: Redis, id: string, limits: Limits): Promise<Stored | undefined> {
  const n = await client.hstrlen(queue.toKey(id), 'data')
  if (n > limits.configBytes) return { unreadable: `the job's data in Redis is ${n} bytes, over the limit of ${limits.configBytes} for a job` }
  // parsing JSON costs many times its length (about 16× for numbers): a result is read only when that fits the memory limit
  const r = await client.hstrlen(queue.toKey(id), 'returnvalue')
  const mem = withinMemory(limits, 16 * r, 'refused', `the result of ${r} bytes stored for this job`)
  if (E.isLeft(mem)) return { unreadable: mem.left.message.replace(/^refused: /, '') }
  try {
    const job = await queue.getJob(id)
    return job === undefined ? undefined : { data: job.data as unknown, returnvalue: job.returnvalue as unknown, failedReason: job.failedReason ?? '' }
  } catch (e) {
    if (e instanceof SyntaxError) return { unreadable: `the job's data in Redis is not JSON` }
    throw e
  }
}

/**
 * The outcome of a finished job, trusted only when its data still hashes to its id and its result
 * names that id: a job edited in Redis after it was enqueued, or a result written there by hand,
 * is a failure saying so, never a result.
 */
function verified(id: string, state: 'completed' | 'failed', s: Stored): Outcome {
  if ('unreadable' in s) return { ok: false, reason: `refused: ${s.unreadable}` }
  const job = decodeWith(JobC, s.data, 'job')
  if (E.isLeft(job) || jobId(job.right) !== id) return { ok: false, reason: 'refused: the job stored under this id holds other data (changed in Redis after it was enqueued)' }
  if (state === 'failed') return { ok: false, reason: s.failedReason.split('\n')[0]!.slice(0, 300) || 'failed' }
  const named = typeof s.returnvalue === 'object' && s.returnvalue !== null ? (s.returnvalue as { job?: unknown }).job : undefined
  if (named !== id) return { ok: false, reason: 'refused: the result stored for this job does not name it (not written by a symgrad worker that ran this job)' }
  return { ok: true, value: s.returnvalue }
}

/** Enqueues the jobs and waits for every outcome; `outcomes[i]` is job i's. */
export async function runJobs(target: RedisTarget, jobs: readonly Job[], o: GatherOptions = {}): Promise<Outcome[]> {
  const client = new Redis(connectionOptions(target))
  client.on('error', () => undefined) // reported through the queue's 'error' (a shared connection's errors reach both)
  const queue = new Queue(QUEUE_NAME, { connection: client })
  let lastError = ''
  queue.on('error', (e: Error) => (lastError = e.message))
  try {
    const wrongDb = await selectDatabase(client, target)
    if (wrongDb !== undefined) throw new QueueError(`Redis at ${target.shown}: ${wrongDb}`)
    const ids = jobs.map(jobId)
    const outcomes: (Outcome | undefined)[] = new Array(jobs.length).fill(undefined)
    const enqueue = async (which: readonly number[]) => {
      const fresh = [...new Map(which.map((i) => [ids[i]!, i])).values()]
      await queue.addBulk(fresh.map((i) => ({ name: jobs[i]!.kind, data: JobC.encode(jobs[i]!), opts: { jobId: ids[i]!, attempts: 1, removeOnComplete: false, removeOnFail: false } })))
    }
    const settle = async (i: number, state: string): Promise<boolean> => {
      if (state === 'delayed' || state === 'waiting-children') {
        // symgrad never delays a job nor gives it children (no retries, no flows): a job in such a state was changed in Redis, and could wait for ever
        const out: Outcome = { ok: false, reason: `refused: the job is ${state} in Redis, which symgrad never asks for` }
        outcomes[i] = out
        o.onOutcome?.(i, out)
        return true
      }
      if (state !== 'completed' && state !== 'failed') return false
      const stored = await storedJob(queue, client, ids[i]!, o.limits ?? defaultLimits)
      if (stored === undefined) return false
      const out: Outcome = verified(ids[i]!, state, stored)
      outcomes[i] = out
      o.onOutcome?.(i, out)
      return true
    }
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)))
    let found = 0
    for (let i = 0; i < jobs.length; i++) if (await settle(i, states[i]!)) found++
    await enqueue(states.flatMap((s, i) => (s === 'unknown' ? [i] : [])))
    for (;;) {
      const pending = outcomes.flatMap((x, i) => (x === undefined ? [i] : []))
      const now = await Promise.all(pending.map((i) => queue.getJobState(ids[i]!)))
      let running = 0
      const gone: number[] = []
      for (let k = 0; k < pending.length; k++) {
        const s = now[k]!
        if (s === 'active') running++
        else if (s === 'unknown') gone.push(pending[k]!)
        else await settle(pending[k]!, s)
      }
      if (gone.length > 0) await enqueue(gone) // removed from Redis meanwhile (e.g. by hand): enqueue again
      o.onStatus?.({ total: jobs.length, running, found })
      if (outcomes.every((x) => x !== undefined)) return outcomes as Outcome[]
      await sleep(o.pollMs ?? 250)
    }
  } catch (e) {
    if (e instanceof QueueError) throw e
    throw new QueueError(`lost Redis at ${target.shown}: ${lastError || (e instanceof Error ? e.message : String(e))}`)
  } finally {
    await queue.close().catch(() => undefined)
    client.disconnect()
  }
}
