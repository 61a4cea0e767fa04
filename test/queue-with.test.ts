/**
 * A job never makes a worker load code: a search coordinator started with `--with` enqueues run
 * configs that name the module's records (layer kind isruDense, optimizer amsgrad); a real
 * `symgrad worker --with` process (a real redis-server on a free port) runs those trials with its
 * own registries, in its training thread too; a worker without `--with` fails each such job at once,
 * never retried, with one line naming the record and the flag.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCheckpoint } from '../src/records/files.js'
import { Registries } from '../src/records/Registries.js'
import { startRedis, type TestRedis } from './support/redis.js'
import { withOutput } from './support/quietCli.js'
import { start, stopAll as stop } from './support/cliProcess.js'
import { amsgrad, isruDense, isruOp } from '../examples/my-records.js'

const example = fileURLToPath(new URL('../examples/my-records.ts', import.meta.url))

let redis: TestRedis
let dir: string
const at = (f: string) => join(dir, f)

beforeAll(async () => {
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'symgrad-queue-with-'))
  writeFileSync(at('run.json'), JSON.stringify({
    data: 'spiral', optimizer: 'amsgrad', schedule: 'constant', batchSize: 32, epochs: 2, preprocess: 'none', shift: 0, l2: 1e-3,
    layers: [{ kind: 'isruDense', in: 2, out: 16 }, { kind: 'dense', in: 16, out: 3 }],
  }))
  writeFileSync(at('space.json'), JSON.stringify({ learningRate: { kind: 'choice', values: [0.01, 0.03] } }))
}, 60_000)

afterAll(async () => {
  await redis?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The ranked table's rows of a search's output. */
const rows = (out: readonly string[]) => out.join('\n').split('\n').filter((l) => /^\d+ +\d+ /.test(l))
const search = (url: string, out: string, ...more: string[]) =>
  withOutput(['search', '--with', example, '--config', at('run.json'), '--space', at('space.json'), '--grid', '1', '--seed', '2', '--out', at(out), ...more, '--queue', url])

describe('search --with on the queue', () => {
  it('a worker started with --with runs the trials using the module\'s layer and optimizer; the table is the local search\'s', async () => {
    const worker = start('worker', '--with', example, '--queue', redis.url(0), '--lock-ms', '1000', '--checkpoints', at('ck'))
    try {
      const dist = await search(redis.url(0), 'a.json')
      expect(dist.stderr).toBe('')
      expect(dist.code, dist.out.join('\n')).toBe(0)
      expect(rows(dist.out), `${dist.out.join('\n')}\n${worker.out}`).toHaveLength(2)
      expect(dist.out.join('\n')).toMatch(/round 1\/1: 2\/2 trials done, 0 running, 0 failed, best \d+\.\d% \(trial \d\)/)
      expect(worker.out).toMatch(/trial-[0-9a-f]{32} done in .* validation accuracy \d+\.\d%/)
      // the local search (trials on threads, each loading the same module) gives the same table
      const here = await withOutput(['search', '--with', example, '--config', at('run.json'), '--space', at('space.json'), '--grid', '1', '--seed', '2', '--out', at('b.json'), '--workers', '1'])
      expect(here.code, here.out.join('\n')).toBe(0)
      expect(rows(dist.out)).toEqual(rows(here.out))
      // the trial's checkpoint names the module's records, and loads through registries holding them
      const files = readdirSync(at('ck')).filter((f) => f.endsWith('.json'))
      expect(files).toHaveLength(2)
      const registries = Registries.extendOrThrow(Registries.builtins, { ops: [isruOp], layers: [isruDense], optimizers: [amsgrad] })
      const ck = loadCheckpoint(join(at('ck'), files[0]!), { registries })
      if (E.isLeft(ck)) throw ck.left
      expect(ck.right.model.spec.layers.map((l) => l.kind)).toEqual(['isruDense', 'dense'])
      expect(ck.right.run?.optimizer).toBe('amsgrad')
    } finally {
      await stop([worker])
    }
  }, 180_000)

  it('a worker without --with fails each job at once with one line naming the record and --with, never retried', async () => {
    const worker = start('worker', '--queue', redis.url(1), '--lock-ms', '1000')
    try {
      const r = await search(redis.url(1), 'c.json')
      expect(r.code).toBe(1)
      expect(r.stderr).toBe('')
      expect(r.out.join('\n')).toMatch(/2\/2 trials done, 0 running, 2 failed/)
      const line = "job.config.optimizer: optimizer 'amsgrad' is not a built-in nor in this worker's --with records (did you mean 'adagrad'?); start this worker with --with <the records module that defines it>"
      const q = new Queue('symgrad-jobs', { connection: { host: '127.0.0.1', port: redis.port, db: 1 } })
      const failed = await q.getJobs(['failed'])
      await q.close()
      expect(failed).toHaveLength(2)
      for (const j of failed) {
        expect(j.failedReason).toBe(line)
        expect(j.attemptsMade).toBe(1)
        // the job holds the names of the records only: no path, no code
        expect(JSON.stringify(j.data)).not.toContain('my-records')
        expect(j.data.config.optimizer).toBe('amsgrad')
      }
      expect(worker.out.split('\n').filter((l) => l.includes(`refused: ${line}`))).toHaveLength(2)
    } finally {
      await stop([worker])
    }
  }, 180_000)
})
