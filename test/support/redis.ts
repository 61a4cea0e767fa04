/**
 * A real redis-server for tests: started on a free port with its working folder in a temporary
 * directory (no persistence), stopped by `stop()`. Fails loudly when redis-server is not installed
 * (.ci/run installs it with apt).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestRedis {
  readonly port: number
  readonly url: (db?: number) => string
  readonly dir: string
  readonly stop: () => Promise<void>
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'symgrad-redis-'))
  const port = await freePort()
  const p: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    const t = setTimeout(() => reject(new Error(`redis-server did not start within 10 s: ${out}`)), 10_000)
    p.on('error', (e) => (clearTimeout(t), reject(new Error(`cannot start redis-server (install it: apt-get install redis-server): ${e.message}`))))
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) (clearTimeout(t), resolve())
    })
  })
  return {
    port, dir,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    stop: async () => {
      if (p.exitCode === null) {
        const gone = new Promise((r) => p.once('exit', r))
        p.kill('SIGKILL')
        await gone
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
