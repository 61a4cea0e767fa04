import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCheckpoint } from '../src/io/atomic.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-kill-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const writer = fileURLToPath(new URL('./io-kill-writer.ts', import.meta.url))

/**
 * Runs the writer and kills it (SIGKILL) once it is in its write loop: `delayMs` after its first
 * save there, or — with 'temp' — the moment its temp file is seen (so the kill lands mid-write).
 * Resolves with the last step it reported.
 */
function runAndKill(path: string, delayMs: number | 'temp'): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path], { stdio: ['ignore', 'pipe', 'pipe'] })
    let last = -1
    let err = ''
    let timer: NodeJS.Timeout | undefined
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const m of chunk.matchAll(/saved (\d+)/g)) last = Number(m[1])
      if (last < 1 || timer !== undefined) return
      if (delayMs !== 'temp') timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
      else {
        const name = path.split('/').pop()!
        timer = setInterval(() => {
          if (readdirSync(dir).some((f) => f.startsWith(`.${name}.`) && f.endsWith('.tmp'))) {
            child.kill('SIGKILL')
            clearInterval(timer)
          }
        }, 1)
      }
    })
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
    child.on('exit', (_code, signal) => (clearInterval(timer), signal === 'SIGKILL' ? resolve(last) : reject(new Error(`writer exited without being killed: ${err}`))))
  })
}

describe('atomic checkpoint writes', () => {
  it('a writer killed at arbitrary moments never leaves a damaged checkpoint', async () => {
    const delays = [57, 'temp', 'temp', 'temp'] as const
    let caughtMidWrite = 0
    for (const [i, delay] of delays.entries()) {
      const path = join(dir, `run${i}.json`)
      const last = await runAndKill(path, delay)
      const loaded = loadCheckpoint(path)
      if (E.isLeft(loaded)) throw new Error(`after kill ${i}: ${loaded.left.message}`)
      // the file is the last complete save, or the one whose rename happened just before the kill
      expect([last, last + 1]).toContain(loaded.right.state.step)
      expect(loaded.right.state.params["dense0.W"]!.shape).toEqual([1000, 600])
      const stray = readdirSync(dir).filter((f) => f.startsWith(`.run${i}.json.`) && f.endsWith('.tmp'))
      if (stray.length > 0) caughtMidWrite++
    }
    // evidence that kills landed during a write: the temp file was left behind (never the checkpoint itself)
    console.log(`kills that landed mid-write (temp file left, checkpoint intact): ${caughtMidWrite} of ${delays.length}`)
    expect(caughtMidWrite).toBeGreaterThan(0)
  }, 60_000)
})
