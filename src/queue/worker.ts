/**
 * `symgrad worker`: pulls jobs from the queue, runs each on a worker thread and reports the result.
 * Run as many as you like, on any machines that reach the Redis server and read the same data.
 *
 * A job's lock lasts `lockMs` and is renewed while it trains; a worker that dies mid-job (SIGKILL,
 * power loss) stops renewing, and after the lock expires another worker's stalled-job check puts
 * the job back in the queue (up to `maxStalls` times, then it fails). A job whose data does not
 * decode, or whose thread crashes, fails at once: it is never retried.
 */
import { hostname } from 'node:os'
import type { Worker as Thread } from 'node:worker_threads'
import { UnrecoverableError, Worker, type Job as BullJob } from 'bullmq'
import * as E from 'fp-ts/lib/Either.js'
import { Redis } from 'ioredis'
import { decodeWith } from '../io/codecs.js'
import { bareName } from '../core/codecs.js'
import { decodeRunConfig } from '../io/runConfig.js'
import { startThread } from '../cli/pool.js'
import { defaultRunConfig, type RunConfig } from '../train/config.js'
import { JobC, MemberOutC, QUEUE_NAME, TrialOutC, type Job, type MemberOut, type TrialOut } from './jobs.js'
import type { ThreadRequest } from './jobThread.js'
import { connectionOptions, type RedisTarget } from './redis.js'

export interface WorkerOptions {
  /** How long a job stays locked without renewal before another worker may take it over (default 30 s). */
  readonly lockMs?: number
  /** How often a job may be taken over from a dead worker before it fails (default 3). */
  readonly maxStalls?: number
  readonly log?: (line: string) => void
}

export interface RunningWorker {
  /** Finishes the job in hand, then stops. */
  readonly close: () => Promise<void>
  /** Resolves when the worker has stopped; rejects with one line if Redis is lost for good. */
  readonly stopped: Promise<void>
}

function show(v: number | string): string {
  return typeof v === 'string' ? bareName(v) : Number.isInteger(v) ? String(v) : v.toPrecision(3)
}

/** What a job trains, in one line. */
export function describeJob(job: Job, c: RunConfig): string {
  const run = `${c.epochs} epoch(s) on ${bareName(c.data)}, seed ${c.seed}`
  if (job.kind === 'member') return `ensemble member ${job.member}, mlp hidden [${c.hidden.join(', ')}], ${run}`
  const pt = Object.keys(job.point).sort().map((k) => `${bareName(k)} ${show(job.point[k]!)}`).join(', ')
  return `trial ${pt || '(base config)'}, ${run}`
}

function runOn(thread: () => Thread, req: ThreadRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const t = thread()
    const done = () => (t.off('message', ok), t.off('error', bad), t.off('exit', gone))
    const ok = (m: unknown) => (done(), resolve(m))
    const bad = (e: Error) => (done(), reject(e))
    const gone = (code: number) => (done(), reject(new Error(`the training thread exited with code ${code}`)))
    t.on('message', ok).on('error', bad).on('exit', gone)
    t.postMessage(req)
  })
}

export function startWorker(target: RedisTarget, o: WorkerOptions = {}): RunningWorker {
  const log = o.log ?? ((l: string) => console.log(l))
  const me = `${hostname()} pid ${process.pid}`
  let thread: Thread | undefined
  const getThread = () => (thread ??= startThread(import.meta.url, 'jobThread').on('exit', () => (thread = undefined)))
  const lockDuration = o.lockMs ?? 30_000
  const processor = async (bull: BullJob): Promise<unknown> => {
    const decoded = decodeWith(JobC, bull.data, 'job')
    if (E.isLeft(decoded)) throw new UnrecoverableError(decoded.left.message)
    const job = decoded.right
    const config = decodeRunConfig(job.config, defaultRunConfig, 'job.config')
    if (E.isLeft(config)) throw new UnrecoverableError(config.left.message)
    const id = bull.id ?? '?'
    const shown = bareName(id) // an id from Redis reaches the log only quoted when it is not a plain token
    const retry = bull.stalledCounter > 0 ? ` (again: its previous worker stopped answering ${bull.stalledCounter}×)` : ''
    log(`${me}: ${shown}: ${describeJob(job, config.right)}${retry}`)
    const req: ThreadRequest = job.kind === 'trial'
      ? { kind: 'trial', id, config: config.right, point: job.point, worker: me, ...(job.checkpoints !== undefined ? { checkpoints: job.checkpoints } : {}) }
      : { kind: 'member', id, config: config.right, member: job.member, worker: me }
    let out: unknown
    try {
      out = await runOn(getThread, req)
    } catch (e) {
      thread?.terminate()
      thread = undefined
      throw new UnrecoverableError(e instanceof Error ? e.message : String(e))
    }
    if (job.kind === 'trial') {
      const r = out as TrialOut
      const what = r.error !== undefined ? `failed: ${r.error}` : `validation accuracy ${(r.score * 100).toFixed(1)}%, final loss ${r.finalLoss?.toFixed(4)}`
      log(`${me}: ${shown} done in ${r.seconds.toFixed(1)} s, ${r.epochs} epoch(s): ${what}${r.checkpoint !== undefined ? `, checkpoint ${r.checkpoint}` : ''}`)
      return TrialOutC.encode(r)
    }
    const r = out as MemberOut
    log(`${me}: ${shown} done in ${r.seconds.toFixed(1)} s: ${r.error !== undefined ? `failed: ${r.error}` : `test accuracy ${(r.accuracy * 100).toFixed(1)}%`}`)
    return MemberOutC.encode(r)
  }
  // our own client, so that its 'end' (ioredis gave up reconnecting, about a minute) stops the worker
  const client = new Redis(connectionOptions(target))
  const w = new Worker(QUEUE_NAME, processor, {
    connection: client, concurrency: 1, lockDuration, stalledInterval: lockDuration, maxStalledCount: o.maxStalls ?? 3,
  })
  let fail: (e: Error) => void = () => {}
  let stop: () => void = () => {}
  const stopped = new Promise<void>((resolve, reject) => ((stop = resolve), (fail = reject)))
  let lastError = ''
  const onError = (e: Error) => {
    if (e.message !== lastError) log(`${me}: Redis at ${target.shown}: ${e.message} (retrying)`)
    lastError = e.message
  }
  client.on('error', onError)
  w.on('error', onError)
  client.on('ready', () => (lastError = ''))
  client.on('end', () => {
    fail(new Error(`lost Redis at ${target.shown}${lastError !== '' ? `: ${lastError}` : ''}`))
    void w.close(true)
    void thread?.terminate()
  })
  w.on('closed', () => (stop(), client.disconnect()))
  log(`${me}: waiting for jobs on ${target.shown} (queue ${QUEUE_NAME}, lock ${lockDuration} ms)`)
  return {
    close: async () => {
      await w.close()
      await thread?.terminate()
    },
    stopped,
  }
}
