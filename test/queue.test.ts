/**
 * Search and ensembles through the Redis job queue, end to end: a real redis-server on a free port,
 * real `symgrad worker` processes and coordinators spawned as users run them (no mocks).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import * as E from 'fp-ts/lib/Either.js'
import { loadCheckpoint } from '../src/records/files.js'
import { join } from 'node:path'
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main, runCli } from '../src/cli/main.js'
import { freePort, startRedis, type TestRedis } from './support/redis.js'
import { start, stopAll, type Proc } from './support/cliProcess.js'

async function run(...args: string[]): Promise<{ code: number | null; out: string }> {
  const p = start(...args)
  const code = await p.exited
  return { code, out: p.out }
}

let inProcess: Promise<unknown> = Promise.resolve()

/** The command run in this process (one at a time), its stdout lines joined: the local reference runs. */
function local(...args: string[]): Promise<{ code: number; out: string }> {
  const go = async () => {
    const lines: string[] = []
    const spy = vi.spyOn(console, 'log').mockImplementation((...xs: unknown[]) => void lines.push(xs.join(' ')))
    try {
      const code = await main(args)
      return { code, out: lines.join('\n') }
    } finally {
      spy.mockRestore()
    }
  }
  const r = inProcess.then(go)
  inProcess = r.catch(() => undefined)
  return r
}

async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const t0 = Date.now()
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The ranked tables and the best line of a search's output (no timings, no progress lines). */
function tables(out: string): string[] {
  return out.split('\n').filter((l) => /^(rank|────|\d+ +\d+ )|^best: /.test(l))
}

/** How often each job id was started in the workers' logs. */
function starts(...logs: string[]): Map<string, number> {
  const m = new Map<string, number>()
  for (const l of logs.join('\n').split('\n')) {
    const id = /: ((?:trial|member)-[0-9a-f]+): /.exec(l)?.[1]
    if (id !== undefined) m.set(id, (m.get(id) ?? 0) + 1)
  }
  return m
}

let redis: TestRedis
let dir: string
const workers: Proc[] = []
const stopWorkers = stopAll

beforeAll(async () => {
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'symgrad-queue-'))
  for (let i = 0; i < 3; i++) workers.push(start('worker', '--queue', redis.url(0), '--lock-ms', '1000'))
}, 60_000)

afterAll(async () => {
  await stopWorkers(workers)
  await redis?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('search on the job queue', () => {
  it('3 workers give the local table; refine rounds are enqueued after the previous round is finished; every trial runs once', async () => {
    const args = ['search', '--data', 'spiral', '--trials', '5', '--rounds', '2', '--seed', '3']
    const [here, dist] = await Promise.all([local(...args, '--workers', '1', '--out', join(dir, 'a.json')), run(...args, '--queue', redis.url(0), '--out', join(dir, 'b.json'))])
    expect(here.code, here.out).toBe(0)
    expect(dist.code, dist.out).toBe(0)
    expect(tables(dist.out).length).toBe(2 * 7 + 1)
    expect(tables(dist.out).join('\n').replaceAll(join(dir, 'b.json'), 'OUT')).toBe(tables(here.out).join('\n').replaceAll(join(dir, 'a.json'), 'OUT'))
    expect(dist.out).toMatch(/round 2\/2: 5\/5 trials done, 0 running, 0 failed, best \d+\.\d% \(trial \d\)/)
    const counts = starts(...workers.map((w) => w.out))
    expect(counts.size).toBe(10)
    expect([...counts.values()].every((n) => n === 1)).toBe(true)
    expect(new Set(workers.filter((w) => /: trial-/.test(w.out)).map((w) => w.p.pid)).size).toBeGreaterThan(1)
    // round 2's jobs were created after every job of round 1 had finished
    const q = new Queue('symgrad-jobs', { connection: { host: '127.0.0.1', port: redis.port } })
    const jobs = (await q.getJobs(['completed'])).filter((j) => j.data.config.seed === 3).sort((a, b) => a.timestamp - b.timestamp)
    await q.close()
    expect(jobs.length).toBe(10)
    const round1Finished = Math.max(...jobs.slice(0, 5).map((j) => j.finishedOn!))
    expect(Math.min(...jobs.slice(5).map((j) => j.timestamp))).toBeGreaterThanOrEqual(round1Finished)
  }, 180_000)

  it('a diverging trial is one failed row, run once and not retried; a worker saves checkpoints in its own --checkpoints folder', async () => {
    const space = join(dir, 'diverge.json')
    writeFileSync(space, JSON.stringify({ learningRate: { kind: 'choice', values: [0.05, 1e300] } }))
    const url = redis.url(4)
    const saver = start('worker', '--queue', url, '--lock-ms', '1000', '--checkpoints', join(dir, 'ck'))
    try {
      const r = await run('search', '--data', 'spiral', '--grid', '1', '--space', space, '--seed', '4', '--queue', url, '--out', join(dir, 'c.json'))
      expect(r.code, r.out).toBe(0)
      // the worker saved the good trial's checkpoint under its job id (and reported where); the diverged one has none
      const saved = new RegExp(`^its checkpoint: ${hostname()}:(${join(dir, 'ck')}/trial-[0-9a-f]{32}\\.json)$`, 'm').exec(r.out)
      expect(saved, r.out).not.toBeNull()
      const ck = loadCheckpoint(saved![1]!)
      expect(E.isRight(ck) && ck.right.run).toMatchObject({ learningRate: 0.05, seed: 4, data: 'spiral' })
      expect(readdirSync(join(dir, 'ck')).filter((f) => f.endsWith('.json'))).toHaveLength(1)
      expect(r.out).toMatch(/^2 +1 +1e\+300 +— +— +non-finite at step \d+$/m)
      expect(r.out).toContain('1 failed')
      const diverged = [...starts(saver.out).entries()].filter(([id]) => new RegExp(`${id} done .*non-finite`).test(saver.out))
      expect(diverged.map(([, n]) => n)).toEqual([1])
      // the coordinator names no folder: its --checkpoints is refused, pointing at the workers' flag
      const moved = await runCli(['search', '--data', 'spiral', '--queue', url, '--checkpoints', join(dir, 'elsewhere')])
      expect(moved.code).toBe(2)
      expect(moved.stderr).toMatch(/^symgrad: search: --checkpoints is a worker's flag: start the workers with symgrad worker --queue … --checkpoints <folder>/)
    } finally {
      await stopWorkers([saver])
    }
  }, 180_000)

  it('ensemble members on 3 workers: the local ensemble, line for line', async () => {
    const args = ['ensemble', '--data', 'spiral', '--models', '3', '--epochs', '2', '--seed', '5']
    const [here, dist] = await Promise.all([local(...args), run(...args, '--queue', redis.url(0))])
    expect(dist.code, dist.out).toBe(0)
    const lines = (o: string) => o.split('\n').filter((l) => /^(model|single|ensemble)/.test(l))
    expect(lines(dist.out)).toEqual(lines(here.out))
    expect(lines(dist.out)).toHaveLength(6)
  }, 180_000)

  it('a worker killed with SIGKILL mid-trial: its trial is taken over after the lock expires, no trial lost or doubled', async () => {
    const space = join(dir, 'slow.json')
    writeFileSync(space, JSON.stringify({ learningRate: { kind: 'choice', values: [0.01, 0.02] } }))
    const args = ['search', '--data', 'spiral', '--grid', '1', '--space', space, '--epochs', '150', '--hidden', '100', '--seed', '6']
    const url = redis.url(2)
    const reference = local(...args, '--workers', '1', '--out', join(dir, 'd.json'))
    const coordinator = start(...args, '--queue', url, '--out', join(dir, 'e.json'))
    const doomed = start('worker', '--queue', url, '--lock-ms', '1000')
    await until('the first worker to start a trial', () => /: trial-[0-9a-f]+: trial /.test(doomed.out))
    doomed.p.kill('SIGKILL')
    await doomed.exited
    const killedId = /: (trial-[0-9a-f]+): trial /.exec(doomed.out)![1]!
    expect(doomed.out).not.toContain(`${killedId} done`)
    const survivor = start('worker', '--queue', url, '--lock-ms', '1000')
    try {
      expect(await coordinator.exited, coordinator.out).toBe(0)
      const l = await reference
      expect(tables(coordinator.out).join('\n').replaceAll(join(dir, 'e.json'), 'OUT')).toBe(tables(l.out).join('\n').replaceAll(join(dir, 'd.json'), 'OUT'))
      expect(tables(coordinator.out).length).toBe(2 + 2 + 1)
      const counts = starts(survivor.out)
      expect(counts.get(killedId)).toBe(1)
      expect(survivor.out).toMatch(new RegExp(`${killedId}: trial .*\\(again: its previous worker stopped answering 1×\\)`))
      expect([...counts.values()]).toEqual([1, 1])
    } finally {
      await stopWorkers([survivor])
    }
  }, 180_000)

  it('a coordinator restarted mid-search gathers what is finished and runs nothing twice', async () => {
    const space = join(dir, 'restart.json')
    writeFileSync(space, JSON.stringify({ learningRate: { kind: 'choice', values: [0.01, 0.02, 0.03, 0.04] } }))
    const args = ['search', '--data', 'spiral', '--grid', '1', '--space', space, '--epochs', '40', '--seed', '7']
    const url = redis.url(3)
    const reference = local(...args, '--workers', '1', '--out', join(dir, 'f.json'))
    const worker = start('worker', '--queue', url, '--lock-ms', '1000')
    try {
      const first = start(...args, '--queue', url, '--out', join(dir, 'g.json'))
      await until('the first finished trial', () => /round 1\/1: [1-3]\/4 trials done/.test(first.out))
      first.p.kill('SIGKILL')
      await first.exited
      const second = await run(...args, '--queue', url, '--out', join(dir, 'g.json'))
      expect(second.code, second.out).toBe(0)
      expect(second.out).toMatch(/[1-4] of 4 trial\(s\) already finished in Redis/)
      const l = await reference
      expect(tables(second.out).join('\n').replaceAll(join(dir, 'g.json'), 'OUT')).toBe(tables(l.out).join('\n').replaceAll(join(dir, 'f.json'), 'OUT'))
      const counts = starts(worker.out)
      expect(counts.size).toBe(4)
      expect([...counts.values()].every((n) => n === 1)).toBe(true)
    } finally {
      await stopWorkers([worker])
    }
  }, 180_000)

  it('a wrong URL or an unreachable Redis: one line, exit 2, no endless retry', async () => {
    const closed = await freePort()
    const cases: [string[], RegExp][] = [
      [['search', '--queue', `redis://127.0.0.1:${closed}`], new RegExp(`^symgrad: search: cannot reach Redis at redis://127\\.0\\.0\\.1:${closed}/0: .*ECONNREFUSED`)],
      [['worker', '--queue', `redis://127.0.0.1:${closed}/1`], /^symgrad: worker: cannot reach Redis at .*ECONNREFUSED/],
      [['ensemble', '--data', 'xor', '--queue', 'http://127.0.0.1:6379'], /^symgrad: ensemble: --queue: the scheme must be redis:/],
      [['worker', '--queue', 'redis://127.0.0.1:0'], /^symgrad: worker: --queue: the port must be 1\.\.65535/],
      [['search', '--queue', 'redis://127.0.0.1:6379/x'], /^symgrad: search: --queue: the path must be a database number/],
      [['worker'], /^symgrad: worker: --queue redis:\/\/host\[:port\]\[\/db\] is required/],
    ]
    const t0 = Date.now()
    // the first as a user runs it (a process that must exit), the rest in this process
    const rs = await Promise.all(cases.map(([a], i) => (i === 0 ? run(...a) : runCli(a).then((r) => ({ code: r.code, out: r.stderr })))))
    rs.forEach((r, i) => {
      expect({ args: cases[i]![0], code: r.code }).toEqual({ args: cases[i]![0], code: 2 })
      const lines = r.out.trimEnd().split('\n')
      expect(lines, r.out).toHaveLength(1)
      expect(lines[0]).toMatch(cases[i]![1])
    })
    expect(Date.now() - t0).toBeLessThan(60_000)
  }, 180_000)
})
