import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { staleTempFiles, writeFileAtomic } from '../src/io/atomic.js'
import { loadCheckpoint } from '../src/records/files.js'

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
      const strays = () => readdirSync(dir).filter((f) => f.startsWith(`.run${i}.json.`) && f.endsWith('.tmp'))
      if (strays().length > 0) {
        caughtMidWrite++
        // the killed writer's temp file is stale: the next write to the same target removes it
        expect(staleTempFiles(path).length).toBe(strays().length)
        expect(E.isRight(writeFileAtomic(path, readFileSync(path, 'utf8')))).toBe(true)
        expect(strays()).toEqual([])
        expect(E.isRight(loadCheckpoint(path))).toBe(true)
      }
    }
    // evidence that kills landed during a write: the temp file was left behind (never the checkpoint itself)
    console.log(`kills that landed mid-write (temp file left, checkpoint intact): ${caughtMidWrite} of ${delays.length}`)
    expect(caughtMidWrite).toBeGreaterThan(0)
    // four writer processes (tsx start-up, a 600k-parameter save loop each): ~8 s on an idle
    // 2-core machine, over 60 s when the machine is saturated
  }, 180_000)
})

describe('stale temp files', () => {
  it('a write removes the temp files of its own target whose writer is gone, and no others', () => {
    const sub = mkdtempSync(join(dir, 'stale-'))
    // a pid that existed and has exited (reaped by spawnSync); a live one: this process's parent
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!
    expect(() => process.kill(dead, 0)).toThrow()
    const live = process.ppid
    const files = {
      deadOwn: `.run.json.${dead}.0.tmp`,
      deadOwn2: `.run.json.${dead}.17.tmp`,
      liveOwn: `.run.json.${live}.3.tmp`,
      selfOwn: `.run.json.${process.pid}.999999.tmp`,
      deadOther: `.other.json.${dead}.0.tmp`,
      deadPrefix: `.run.json.bak.${dead}.0.tmp`, // target run.json.bak, not run.json
      deadLonger: `.run.${dead}.0.tmp`, // target run, not run.json
      notOurs: `.run.json.${dead}.tmp`,
    }
    for (const f of Object.values(files)) writeFileSync(join(sub, f), 'partial')
    const target = join(sub, 'run.json')
    expect(staleTempFiles(target).sort()).toEqual([join(sub, files.deadOwn), join(sub, files.deadOwn2)].sort())
    expect(E.isRight(writeFileAtomic(target, '{"a":1}'))).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe('{"a":1}')
    const left = readdirSync(sub).sort()
    expect(left).toEqual([files.liveOwn, files.selfOwn, files.deadOther, files.deadPrefix, files.deadLonger, files.notOurs, 'run.json'].sort())
    // the other targets' strays go on their own next write
    expect(E.isRight(writeFileAtomic(join(sub, 'other.json'), '{}'))).toBe(true)
    expect(readdirSync(sub)).not.toContain(files.deadOther)
    expect(readdirSync(sub)).toContain(files.deadPrefix)
    expect(staleTempFiles(join(sub, 'missing-folder', 'x.json'))).toEqual([])
  })
})
