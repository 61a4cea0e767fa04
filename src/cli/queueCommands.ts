/**
 * The job-queue side of the command line: `--queue redis://…` for search and ensemble, and
 * `symgrad worker`. Redis is reached once, with a bounded timeout, before any work starts: a wrong
 * URL or an unreachable server is one line and exit status 2. The queue modules (BullMQ, ioredis)
 * are loaded only when a command uses the queue.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { RedisTarget } from '../queue/redis.js'
import { MissingPeerError, importPeer } from '../io/peers.js'
import { checkFolderWritable } from '../io/atomic.js'
import { ArgError, type ParsedArgs } from './args.js'
import { cliLimits } from '../runner/checks.js'
import type { CommandOptions } from './context.js'

/** A queue module, loaded on first use; without bullmq or ioredis installed, an ArgError (exit 2) saying how to install them. */
export async function loadQueue<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await importPeer('--queue', ['bullmq', 'ioredis'], load)
  } catch (e) {
    throw e instanceof MissingPeerError ? new ArgError(e.message) : e
  }
}

/** The --queue target, checked to answer; undefined without --queue. Throws ArgError (exit 2) otherwise. */
export async function queueTarget(a: ParsedArgs, command: string): Promise<RedisTarget | undefined> {
  const url = a.flags['queue']
  if (url === undefined) return undefined
  if (typeof url !== 'string') throw new ArgError(`${command}: --queue needs a redis:// URL`)
  const { parseRedisUrl, unreachable } = await loadQueue(() => import('../queue/redis.js'))
  const t = parseRedisUrl(url)
  if (E.isLeft(t)) throw new ArgError(`${command}: ${t.left}`)
  const why = await unreachable(t.right)
  if (why !== undefined) throw new ArgError(`${command}: ${why}`)
  return t.right
}

/**
 * `symgrad worker --queue redis://…`: runs jobs until SIGINT/SIGTERM (the job in hand is finished
 * first; a second signal stops at once). The worker's own flags say where checkpoints go
 * (--checkpoints), how long a job may train (--max-job-seconds), which records its jobs may name
 * (--with, loaded by the worker and its training thread) and, through SYMGRAD_MAX_*, the limits.
 */
export async function workerCommand(a: ParsedArgs, o: CommandOptions): Promise<number> {
  if (a.flags['queue'] === undefined) throw new ArgError('worker: --queue redis://host[:port][/db] is required')
  const lockMs = a.flags['lock-ms']
  if (lockMs !== undefined && !(typeof lockMs === 'number' && Number.isInteger(lockMs) && lockMs >= 100)) throw new ArgError(`worker: --lock-ms must be an integer ≥ 100, got ${String(lockMs)}`)
  const seconds = a.flags['max-job-seconds']
  if (seconds !== undefined && !(typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0)) throw new ArgError(`worker: --max-job-seconds must be a positive number, got ${String(seconds)}`)
  const checkpoints = a.flags['checkpoints']
  if (checkpoints !== undefined && typeof checkpoints !== 'string') throw new ArgError('worker: --checkpoints needs a folder')
  const folder = typeof checkpoints === 'string' ? checkFolderWritable(checkpoints) : E.right(undefined)
  if (E.isLeft(folder)) throw new ArgError(`worker: --checkpoints: ${folder.left.message}`)
  const limits = cliLimits()
  if (E.isLeft(limits)) throw new ArgError(limits.left.message)
  const target = (await queueTarget(a, 'worker'))!
  const { startWorker } = await loadQueue(() => import('../queue/worker.js'))
  const w = startWorker(target, {
    limits: limits.right, with: o.withModules, ...(lockMs !== undefined ? { lockMs } : {}), ...(seconds !== undefined ? { maxJobSeconds: seconds } : {}), ...(typeof checkpoints === 'string' ? { checkpoints } : {}),
  })
  let signals = 0
  const onSignal = () => {
    if (++signals > 1) process.exit(130)
    console.log('stopping after the job in hand (send the signal again to stop now)')
    void w.close()
  }
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
  try {
    await w.stopped
    return 0
  } catch (e) {
    console.error(`symgrad: worker: ${e instanceof Error ? e.message : String(e)}`)
    // nothing is left to run, and BullMQ's reconnecting connections would only add noise
    process.exit(1)
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
  }
}
