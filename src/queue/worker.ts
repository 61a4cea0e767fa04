/**
 * `symgrad worker`: pulls jobs from the queue, runs each on a worker thread and reports the result.
 * Run as many as you like, on any machines that reach the Redis server and read the same data.
 *
 * A job's lock lasts `lockMs` and is renewed while it trains; a worker that dies mid-job (SIGKILL,
 * power loss) stops renewing, and after the lock expires another worker's stalled-job check puts
 * the job back in the queue (up to `maxStalls` times, then it fails). A job whose data is not JSON,
 * does not decode, or does not hash to its id, one over the limits, memory estimate or time budget,
 * one still training when its time budget runs out, and one whose thread crashes fail at once: they
 * are never retried. File names come from the hash of the job's data and folders from this
 * worker's own options, never from the job. A job never makes a worker load code: its run config
 * names records (optimizer, layer kinds, inits), resolved in this worker's registries (the built-ins
 * plus its own `with` modules, which its thread loads too); a name it lacks fails the job at once.
 */
import { hostname } from 'node:os'
import type { Worker as Thread } from 'node:worker_threads'
import { UnrecoverableError, Worker, type Job as BullJob } from 'bullmq'
import * as E from 'fp-ts/lib/Either.js'
import { Redis } from 'ioredis'
import { bareName, decodeWith, quote } from '../core/codecs.js'
import { decodeRunConfig } from '../records/runConfig.js'
import { startThread } from '../runner/thread.js'
import { loadRegistries } from '../runner/records.js'
import { missingRecord } from '../records/recordNames.js'
import { defaultRunConfig, describeArchitecture, type RunConfig } from '../train/config.js'
import { limitsFromEnv, limitVars, type Limits } from '../io/limits.js'
import { JobC, jobId, MemberOutC, QUEUE_NAME, TrialOutC, type Job, type MemberOut, type TrialOut } from './jobs.js'
import type { JobRules, ThreadReply, ThreadRequest } from './jobThread.js'
import { connectionOptions, selectDatabase, type RedisTarget } from './redis.js'
import { failUnreadableOptions, UNREADABLE_OPTIONS } from './unreadable.js'

/** Options of `startWorker`: lock time, takeovers, limits, checkpoint folder, log. */
export interface WorkerOptions {
  /** How long a job stays locked without renewal before another worker may take it over (default 30 s). */
  readonly lockMs?: number
  /** How often a job may be taken over from a dead worker before it fails (default 3). */
  readonly maxStalls?: number
  /** Where the worker's one-line reports go (jobs taken, done, refused; Redis retries); default console.log. */
  readonly log?: (line: string) => void
  /** This worker's folder for each finished trial's checkpoint, `<folder>/<job id>.json` (a job never names one); absent: none saved. */
  readonly checkpoints?: string
  /** The limits every job is checked against before it trains (default: the command line's, from SYMGRAD_MAX_* variables). */
  readonly limits?: Limits
  /** Seconds a job may train: a job whose least time is longer is refused, one still running then is stopped and failed (default a day). */
  readonly maxJobSeconds?: number
  /**
   * This worker's records modules (`symgrad worker --with`), added to the built-ins in order: jobs
   * may name their records (optimizer, layer kinds, inits). A job naming one the worker lacks is
   * failed at once, never retried; nothing a job holds is ever imported.
   */
  readonly with?: readonly string[]
}

export const DEFAULT_MAX_JOB_SECONDS = 86_400

/** A started worker: `close` finishes the job in hand and stops; `stopped` settles when it has. */
export interface RunningWorker {
  /** Finishes the job in hand, then stops. */
  readonly close: () => Promise<void>
  /** Resolves when the worker has stopped; rejects with one line if Redis is lost for good. */
  readonly stopped: Promise<void>
}

/** The key of the data standing for a job's stored data that cannot be read: its value says why. */
const UNREADABLE = '\u0000unreadable'

/**
 * A BullMQ worker that fetches a job whose stored data is not JSON (BullMQ would throw while
 * fetching it and leave it active for ever) or is larger than a job can be (a run config and a
 * point: the config file limit) as data the processor fails at once, without parsing it.
 */
class GuardedWorker extends Worker {
  maxDataBytes = Infinity
  protected override createJob(data: Parameters<Worker['createJob']>[0], jobId: string): BullJob {
    const stand = (why: string) => super.createJob({ ...data, data: JSON.stringify({ [UNREADABLE]: why }) }, jobId)
    const n = typeof data.data === 'string' ? data.data.length : 0
    if (n > this.maxDataBytes) return stand(`the job's data in Redis is ${n} characters, over the limit of ${this.maxDataBytes} for a job (raise it with ${limitVars.configBytes}=<n>)`)
    try {
      return super.createJob(data, jobId)
    } catch {
      return stand(`the job's data in Redis is not JSON`)
    }
  }
}

function show(v: number | string): string {
  return typeof v === 'string' ? bareName(v) : Number.isInteger(v) ? String(v) : v.toPrecision(3)
}

/** What a job trains, in one line. */
export function describeJob(job: Job, c: RunConfig): string {
  const run = `${c.epochs} epoch(s) on ${bareName(c.data)}, seed ${c.seed}`
  if (job.kind === 'member') return `ensemble member ${job.member}, ${c.layers !== undefined ? describeArchitecture(c, 0, 0) : `mlp hidden [${c.hidden.join(', ')}]`}, ${run}`
  const pt = Object.keys(job.point).sort().map((k) => `${bareName(k)} ${show(job.point[k]!)}`).join(', ')
  return `trial ${pt || '(base config)'}, ${run}`
}

/** Runs the request on the thread; rejects when the thread fails, exits, or is still busy after `seconds`. */
function runOn(thread: () => Thread, req: ThreadRequest, seconds: number): Promise<ThreadReply> {
  return new Promise((resolve, reject) => {
    const t = thread()
    const timer = setTimeout(() => (done(), reject(new Error(`stopped: still training after this worker's time budget of ${seconds} s (--max-job-seconds)`))), Math.min(seconds * 1000, 2 ** 31 - 1))
    const done = () => (clearTimeout(timer), t.off('message', ok), t.off('error', bad), t.off('exit', gone))
    const ok = (m: ThreadReply) => (done(), resolve(m))
    const bad = (e: Error) => (done(), reject(e))
    const gone = (code: number) => (done(), reject(new Error(`the training thread exited with code ${code}`)))
    t.on('message', ok).on('error', bad).on('exit', gone)
    t.postMessage(req)
  })
}

/** Starts a worker that runs trials and ensemble members from the queue on the Redis server at `target`, one job at a time in a worker thread. */
export function startWorker(target: RedisTarget, o: WorkerOptions = {}): RunningWorker {
  const log = o.log ?? ((l: string) => console.log(l))
  const me = `${hostname()} pid ${process.pid}`
  let thread: Thread | undefined
  const withModules = o.with ?? []
  // the records of this worker's --with modules: loaded here to decode jobs, and by its thread (the same paths) to train them
  const registries = loadRegistries(withModules)
  const getThread = () => (thread ??= startThread(import.meta.url, 'jobThread', withModules).on('exit', () => (thread = undefined)))
  const lockDuration = o.lockMs ?? 30_000
  const fromEnv = o.limits === undefined ? limitsFromEnv(process.env) : undefined
  if (fromEnv !== undefined && E.isLeft(fromEnv)) throw fromEnv.left
  const limits = o.limits ?? (fromEnv as E.Right<Limits>).right
  const rules: JobRules = { limits, maxSeconds: o.maxJobSeconds ?? DEFAULT_MAX_JOB_SECONDS, ...(o.checkpoints !== undefined ? { checkpoints: o.checkpoints } : {}) }
  const processor = async (bull: BullJob): Promise<unknown> => {
    const shown = quote(bull.id ?? '?', 60)
    // a job is refused for good (never retried) when its data is not one this worker would enqueue itself
    const refuse = (why: string): never => {
      log(`${me}: ${shown}: refused: ${why}`)
      throw new UnrecoverableError(why)
    }
    if (typeof bull.data === 'object' && bull.data !== null && Object.hasOwn(bull.data, UNREADABLE)) refuse(String((bull.data as Record<string, unknown>)[UNREADABLE]))
    const decoded = decodeWith(JobC, bull.data, 'job')
    if (E.isLeft(decoded)) return refuse(decoded.left.message)
    const job = decoded.right
    // the job names records; this worker's own registries resolve them (a job never makes it load code)
    const reg = await registries
    if (E.isLeft(reg)) return refuse(reg.left.message)
    const missing = missingRecord(job.config, reg.right, 'job.config', 'this worker')
    if (missing !== undefined) return refuse(missing.message)
    const config = decodeRunConfig(job.config, { base: defaultRunConfig, root: 'job.config', registries: reg.right })
    if (E.isLeft(config)) return refuse(config.left.message)
    const id = jobId(job)
    if (bull.id !== id) refuse(`the job's data does not match its id (changed in Redis after it was enqueued, or not enqueued by symgrad)`)
    const retry = bull.stalledCounter > 0 ? ` (again: its previous worker stopped answering ${bull.stalledCounter}×)` : ''
    log(`${me}: ${id}: ${describeJob(job, config.right)}${retry}`)
    const req: ThreadRequest = job.kind === 'trial'
      ? { kind: 'trial', id, config: config.right, point: job.point, worker: me, rules }
      : { kind: 'member', id, config: config.right, member: job.member, worker: me, rules }
    let reply: ThreadReply
    try {
      reply = await runOn(getThread, req, rules.maxSeconds)
    } catch (e) {
      void thread?.terminate()
      thread = undefined
      return refuse(e instanceof Error ? e.message.split('\n')[0]! : String(e))
    }
    if (reply.kind === 'refused') {
      if (reply.detail !== reply.reason) log(`${me}: ${id}: ${reply.detail}`)
      return refuse(reply.reason)
    }
    if (job.kind === 'trial') {
      const r = reply.out as TrialOut
      const what = r.error !== undefined ? `failed: ${r.error}` : `validation accuracy ${(r.score * 100).toFixed(1)}%, final loss ${r.finalLoss?.toFixed(4)}`
      log(`${me}: ${id} done in ${r.seconds.toFixed(1)} s, ${r.epochs} epoch(s): ${what}${r.checkpoint !== undefined ? `, checkpoint ${r.checkpoint}` : ''}`)
      return TrialOutC.encode(r)
    }
    const r = reply.out as MemberOut
    log(`${me}: ${id} done in ${r.seconds.toFixed(1)} s: ${r.error !== undefined ? `failed: ${r.error}` : `test accuracy ${(r.accuracy * 100).toFixed(1)}%`}`)
    return MemberOutC.encode(r)
  }
  // our own client, so that its 'end' (ioredis gave up reconnecting, about a minute) stops the worker
  const client = new Redis(connectionOptions(target))
  const w = new GuardedWorker(QUEUE_NAME, processor, {
    connection: client, concurrency: 1, lockDuration, stalledInterval: lockDuration, maxStalledCount: o.maxStalls ?? 3, autorun: false,
  })
  w.maxDataBytes = limits.configBytes
  let fail: (e: Error) => void = () => {}
  let stop: () => void = () => {}
  const stopped = new Promise<void>((resolve, reject) => ((stop = resolve), (fail = reject)))
  let lastError = ''
  const onError = (e: Error) => {
    // a job whose options do not parse cannot be fetched: fail it rather than retry for ever
    if (e.name === 'SyntaxError')
      return void failUnreadableOptions(client, { keys: { active: w.keys['active']!, failed: w.keys['failed']! }, toKey: (k) => w.toKey(k) })
        .then((ids) => ids.forEach((id) => log(`${me}: ${quote(id, 60)}: refused: ${UNREADABLE_OPTIONS}`)))
        .catch(() => undefined)
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
  // no job is fetched before the database is known to be the one asked for
  void selectDatabase(client, target).then((bad) => {
    if (bad === undefined) return void w.run().catch(onError)
    fail(new Error(`Redis at ${target.shown}: ${bad}`))
    void w.close(true)
  })
  log(`${me}: waiting for jobs on ${target.shown} (queue ${QUEUE_NAME}, lock ${lockDuration} ms)`)
  return {
    close: async () => {
      await w.close()
      await thread?.terminate()
    },
    stopped,
  }
}
