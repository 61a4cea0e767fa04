/**
 * A worker and a coordinator that trust nothing Redis holds: hostile jobs are written straight
 * into a real redis-server (on a free port), a real `symgrad worker` process runs them, and each
 * must be failed at once (never retried, never left active) or refused, with nothing written
 * outside the worker's own checkpoint folder and no file contents in what goes back to Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Queue } from 'bullmq'
import * as E from 'fp-ts/lib/Either.js'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/main.js'
import { defaultLimits } from '../src/io/limits.js'
import { decodeRunConfig } from '../src/records/runConfig.js'
import { runJobs } from '../src/queue/gather.js'
import { jobConfig, jobId, JobC, QUEUE_NAME, type Job } from '../src/queue/jobs.js'
import { parseRedisUrl, type RedisTarget } from '../src/queue/redis.js'
import { queueTrials } from '../src/queue/search.js'
import { startWorker } from '../src/queue/worker.js'
import { defaultRunConfig, pointFields, type RunConfig } from '../src/train/config.js'
import { startRedis, type TestRedis } from './support/redis.js'

let redis: TestRedis
let root: string
let worker: { p: ChildProcess; out: string; exited: Promise<number | null> }

const key = (id: string) => `bull:${QUEUE_NAME}:${id}`
const target = (db: number): RedisTarget => {
  const t = parseRedisUrl(redis.url(db))
  if (E.isLeft(t)) throw new Error(t.left)
  return t.right
}

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(relative(dir, p))
    }
  }
  walk(dir)
  return out.sort()
}

const tiny: Partial<RunConfig> = { data: 'spiral', hidden: [16], epochs: 3, batchSize: 32, optimizer: 'adam', learningRate: 0.01, schedule: 'constant', preprocess: 'none', shift: 0 }
const config = (over: Partial<RunConfig> = {}): RunConfig => {
  const c = decodeRunConfig({ ...tiny, ...over }, { base: defaultRunConfig, root: 'test' })
  if (E.isLeft(c)) throw c.left
  return c.right
}
const trial = (over: Partial<RunConfig> = {}): Job => ({ kind: 'trial', config: jobConfig(config(over)), point: {} })

const DB = 5
const WORKER_SECONDS = 8
/** id → [why the job is hostile, the failure expected in Redis]. */
const hostile = new Map<string, [string, RegExp]>()
let good = ''

beforeAll(async () => {
  redis = await startRedis()
  root = mkdtempSync(join(tmpdir(), 'symgrad-qhostile-'))
  mkdirSync(join(root, 'worker'))
  const secret = join(root, 'secret.csv')
  writeFileSync(secret, 'SECRET-TOKEN-123,4\n1,2\n')

  const q = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port: redis.port, db: DB } })
  const raw = new Redis({ host: '127.0.0.1', port: redis.port, db: DB })
  // a hostile writer asks for retries: none may happen
  const add = async (id: string, data: unknown, why: string, expected: RegExp) => {
    await q.add('trial', data, { jobId: id, attempts: 3 })
    hostile.set(id, [why, expected])
  }
  const ok = trial()
  good = jobId(ok)
  await q.add('trial', JobC.encode(ok), { jobId: good })

  await add('trial-notjson', {}, 'data that is not JSON', /^the job's data in Redis is not JSON$/)
  await raw.hset(key('trial-notjson'), 'data', '{"kind": "trial", "config": ')
  const opts = trial({ seed: 11 })
  await add(jobId(opts), JobC.encode(opts), 'BullMQ options that are not JSON', /^the job's options in Redis are not JSON$/)
  await raw.hset(key(jobId(opts)), 'opts', '{not json')
  await add('trial-badfields', { kind: 'trial', config: { epochs: -1 }, point: {} }, 'a field out of range', /^job\.config\.epochs: expected a positive integer, got -1$/)
  await add('trial-extra', { kind: 'trial', config: JSON.parse(JSON.stringify(ok.config)), point: {}, checkpoints: join(root, 'evil') }, "a job naming its own checkpoint folder", /^unknown field job\.checkpoints \(known fields: kind, config, point\)$/)
  await add('../../somewhere', JobC.encode(trial({ seed: 9 })), 'a traversal id', /does not match its id/)
  await add('../../' + jobId(trial({ seed: 10 })), JobC.encode(trial({ seed: 10 })), 'a traversal id ending in a real hash', /does not match its id/)
  const edited = trial({ learningRate: 0.02 })
  await add(jobId(edited), JobC.encode(edited), 'a waiting job edited in Redis', /does not match its id/)
  await raw.hset(key(jobId(edited)), 'data', JSON.stringify({ ...JobC.encode(edited), config: { ...JobC.encode(edited).config, learningRate: 0.9 } }))
  await add('trial-2mb', { kind: 'trial', config: JobC.encode(ok).config, point: { x: 'a'.repeat(2 << 20) } }, 'data of 2 MB', /^the job's data in Redis is \d+ characters, over the limit of 1048576 for a job \(raise it with SYMGRAD_MAX_CONFIG_BYTES=<n>\)$/)
  const huge = trial({ hidden: [20000, 20000] })
  await add(jobId(huge), JobC.encode(huge), 'hidden [20000, 20000]', /^job\.config\.hidden: the model \[2, 20000, 20000, 3\] has 400140003 parameters, over the limit of 10000000/)
  const forever = trial({ epochs: 1e9 })
  await add(jobId(forever), JobC.encode(forever), 'epochs 1e9', new RegExp(`^job: training 99 parameters takes at least 832 s .*over the time budget of ${WORKER_SECONDS} s \\(--max-job-seconds\\)$`))
  const wide = trial({ hidden: [2000, 2000], epochs: 1 })
  await add(jobId(wide), JobC.encode(wide), 'a model over the memory limit', /^job: training \d+ parameters needs about [\d.]+ MB of memory, over the limit of 50000000 \(raise it with SYMGRAD_MAX_MEMORY_BYTES=<n>\)$/)
  // under the lower-bound estimate (0.17 s) but far over the budget in fact (each epoch takes milliseconds, not the estimate's microseconds)
  const slow = trial({ epochs: 200_000 })
  await add(jobId(slow), JobC.encode(slow), 'a job past its time budget while training', new RegExp(`^stopped: still training after this worker's time budget of ${WORKER_SECONDS} s`))
  const leak = trial({ data: `csv:${secret}` })
  await add(jobId(leak), JobC.encode(leak), 'a data file whose contents would be quoted', /^the data "csv:.*secret\.csv" was refused by this worker's reader \(a decode error; the worker's log has the reason\)$/)
  const missing = trial({ data: `csv:${join(root, 'missing.csv')}` })
  await add(jobId(missing), JobC.encode(missing), 'a data file that does not exist', /^cannot read .*missing\.csv: no such file or folder \(ENOENT\)$/)
  const member: Job = { kind: 'member', config: jobConfig(config({ data: `idx:${secret},${secret}` })), member: 0 }
  await add(jobId(member), JobC.encode(member), 'an ensemble member on a file that is not IDX', /^the data "idx:.*was refused by this worker's reader \(a decode error/)
  await q.close()
  raw.disconnect()

  const before = files(root)
  const p = spawn(process.execPath, ['bin/symgrad.mjs', 'worker', '--queue', redis.url(DB), '--lock-ms', '1000', '--checkpoints', join(root, 'worker', 'ck'), '--max-job-seconds', String(WORKER_SECONDS)], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SYMGRAD_MAX_MEMORY_BYTES: '50000000' },
  })
  worker = { p, out: '', exited: new Promise((r) => p.on('exit', (code) => r(code))) }
  p.stdout!.on('data', (d: Buffer) => (worker.out += d.toString()))
  p.stderr!.on('data', (d: Buffer) => (worker.out += d.toString()))
  expect(before).toEqual(['secret.csv'])
}, 60_000)

afterAll(async () => {
  worker?.p.kill('SIGKILL')
  await worker?.exited
  await redis?.stop()
  if (root) rmSync(root, { recursive: true, force: true })
})

describe('a worker fed hostile jobs through Redis', () => {
  it('fails each at once with one line (never retried, never left active), runs the good one, and writes only into its own folder', async () => {
    const q = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port: redis.port, db: DB } })
    const raw = new Redis({ host: '127.0.0.1', port: redis.port, db: DB })
    try {
      const ids = [good, ...hostile.keys()]
      const t0 = Date.now()
      for (;;) {
        const states = await Promise.all(ids.map((id) => q.getJobState(id)))
        if (states.every((s) => s === 'completed' || s === 'failed')) break
        if (Date.now() - t0 > 150_000) throw new Error(`still waiting: ${ids.map((id, i) => `${id} ${states[i]}`).join(', ')}\n${worker.out}`)
        await new Promise((r) => setTimeout(r, 200))
      }
      expect(await q.getJobState(good), worker.out).toBe('completed')
      const table: string[] = []
      for (const [id, [why, expected]] of hostile) {
        const [reason, stalls, attempts] = await raw.hmget(key(id), 'failedReason', 'stc', 'atm')
        table.push(`${why}: ${await q.getJobState(id)}: ${reason}`)
        expect({ why, state: await q.getJobState(id) }).toEqual({ why, state: 'failed' })
        expect(reason, why).toMatch(expected)
        expect(reason!.split('\n'), why).toHaveLength(1)
        expect(reason, why).not.toContain('SECRET')
        // started at most once, never taken over after a stall
        expect({ why, stalls: Number(stalls ?? 0), retried: Number(attempts ?? 0) > 1 }).toEqual({ why, stalls: 0, retried: false })
      }
      // the worker's own checkpoint folder holds the good trial under its hash, and nothing else was written
      expect(files(root)).toEqual(['secret.csv', `worker/ck/${good}.json`])
      expect(existsSync(join(root, 'evil'))).toBe(false)
      console.log(table.join('\n'))
      // the time budget stopped the slow job, and the worker went on to run the next ones
      expect(worker.out).toMatch(/still training after this worker's time budget/)
      expect(worker.p.exitCode).toBeNull()
    } finally {
      await q.close()
      raw.disconnect()
    }
  }, 180_000)
})

describe('a coordinator that re-checks what Redis says', () => {
  /** A finished job written into Redis by hand, as BullMQ stores one. */
  async function forge(raw: Redis, id: string, data: string, state: 'completed' | 'failed', value: string) {
    const now = Date.now()
    await raw.hset(key(id), { name: 'trial', data, opts: '{}', timestamp: String(now), processedOn: String(now), finishedOn: String(now), ...(state === 'completed' ? { returnvalue: value } : { failedReason: value }) })
    await raw.zadd(`bull:${QUEUE_NAME}:${state}`, now, id)
  }

  it('an edited job, forged or oversized results, data that is not JSON and a job delayed by hand are refused rows, never results, and it does not wait for ever', async () => {
    const db = 6
    const raw = new Redis({ host: '127.0.0.1', port: redis.port, db })
    const base = config()
    const points = [{ learningRate: 0.011 }, { learningRate: 0.012 }, { learningRate: 0.013 }, { learningRate: 0.014 }, { learningRate: 0.015 }, { learningRate: 0.016 }]
    const jobs = points.map((point): Job => {
      const c = decodeRunConfig(pointFields(point), { base, root: 'trial' })
      if (E.isLeft(c)) throw c.left
      return { kind: 'trial', config: jobConfig(c.right), point }
    })
    const ids = jobs.map(jobId)
    const forged = (i: number) => JSON.stringify({ job: ids[i], score: 0.999, epochs: 1, seconds: 1, worker: 'nobody' })
    const other = { ...JobC.encode(jobs[0]!), config: { ...JobC.encode(jobs[0]!).config, hidden: [1] } }
    await forge(raw, ids[0]!, JSON.stringify(other), 'completed', forged(0))
    await forge(raw, ids[1]!, JSON.stringify(JobC.encode(jobs[1]!)), 'completed', JSON.stringify({ job: 'trial-0', score: 0.999, epochs: 1, seconds: 1, worker: 'nobody' }))
    await forge(raw, ids[2]!, '{"kind": "tri', 'failed', 'whatever')
    await forge(raw, ids[3]!, JSON.stringify({ ...JobC.encode(jobs[3]!), pad: 'a'.repeat(2 << 20) }), 'completed', forged(3))
    await forge(raw, ids[4]!, JSON.stringify(JobC.encode(jobs[4]!)), 'completed', JSON.stringify({ job: ids[4], score: 0.999, epochs: 1, seconds: 1, worker: 'x', pad: Array(300_000).fill(1) }))
    // a job moved to the delayed set for a thousand years
    await raw.hset(key(ids[5]!), { name: 'trial', data: JSON.stringify(JobC.encode(jobs[5]!)), opts: '{}', timestamp: String(Date.now()), delay: String(3e13) })
    await raw.zadd(`bull:${QUEUE_NAME}:delayed`, (Date.now() + 3e13) * 4096, ids[5]!)
    raw.disconnect()
    const t0 = Date.now()
    const results = await queueTrials(target(db), base, points, { pollMs: 50, limits: { ...defaultLimits, memoryBytes: 2 ** 23 } })
    expect(Date.now() - t0).toBeLessThan(10_000)
    expect(results.map((r) => [r.score, r.error])).toEqual([
      [NaN, 'job failed: refused: the job stored under this id holds other data (changed in Redis after it was enqueued)'],
      [NaN, 'job failed: refused: the result stored for this job does not name it (not written by a symgrad worker that ran this job)'],
      [NaN, "job failed: refused: the job's data in Redis is not JSON"],
      [NaN, expect.stringMatching(/^job failed: refused: the job's data in Redis is \d+ bytes, over the limit of 1048576 for a job$/)],
      [NaN, expect.stringMatching(/^job failed: refused: the result of 600\d{3} bytes stored for this job needs about 9\.60 MB of memory, over the limit of 8388608 \(raise it with SYMGRAD_MAX_MEMORY_BYTES=<n>\)$/)],
      [NaN, 'job failed: refused: the job is delayed in Redis, which symgrad never asks for'],
    ])
  }, 60_000)

  it('an out-of-range or non-integer database is one line, for the worker and the coordinator (on the command line and in code)', async () => {
    const bad = redis.url(99999)
    const cases: [string[], RegExp][] = [
      [['worker', '--queue', bad], /^symgrad: worker: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/99999: database 99999 cannot be selected \(this server has 16: 0\.\.15\): ERR DB index is out of range$/],
      [['search', '--data', 'xor', '--queue', bad], /^symgrad: search: cannot reach Redis at .*\/99999: database 99999 cannot be selected/],
      [['ensemble', '--data', 'xor', '--queue', bad], /^symgrad: ensemble: cannot reach Redis at .*\/99999: database 99999 cannot be selected/],
      [['worker', '--queue', redis.url(0).replace(/0$/, '1.5')], /^symgrad: worker: --queue: the path must be a database number/],
      [['worker', '--queue', redis.url(0).replace(/0$/, '-1')], /^symgrad: worker: --queue: the path must be a database number/],
    ]
    for (const [args, expected] of cases) {
      const r = await runCli(args)
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(r.stderr.trimEnd()).toMatch(expected)
    }
    await expect(runJobs(target(99999), [])).rejects.toThrow(/^Redis at .*\/99999: database 99999 cannot be selected \(this server has 16: 0\.\.15\)/)
    const w = startWorker(target(99999), { log: () => undefined })
    await expect(w.stopped).rejects.toThrow(/database 99999 cannot be selected/)
  }, 60_000)
})
