/**
 * The write lock a running training holds on its checkpoint (lockForWriting) is honoured by every
 * writer, at the root (writeTarget, under writeFileAtomic and checkWritable): export --onnx,
 * search --out, explain --svg/--dot and the library's writeFileAtomic refuse a file another live
 * process holds, leave it untouched, and write once the holder is gone (a stale lock) or when the
 * holder is the writing process itself.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkWritable, lockForWriting, writeFileAtomic } from '../src/io/atomic.js'
import { writeBytes } from '../src/io/files.js'
import { quietly } from './support/quietCli.js'

const d = mkdtempSync(join(tmpdir(), 'symgrad-lock-'))
const f = (name: string) => join(d, name)
let sleeper: ChildProcess
afterAll(async () => {
  sleeper.kill()
  rmSync(d, { recursive: true, force: true })
})

beforeAll(async () => {
  const r = await quietly(['train', '--data', 'spiral', '--epochs', '1', '--hidden', '4', '--no-babysit', '--report', f('report'), '--save', f('ck.json')])
  expect(r.code).toBe(0)
  sleeper = spawn('sleep', ['60'])
}, 60_000)

/** `name` with content "held" and a lock file naming the live sleeper. */
function held(name: string): string {
  writeFileSync(f(name), 'held')
  writeFileSync(f(`.${name}.lock`), `${sleeper.pid}\n`)
  return f(name)
}
const refusal = (name: string) => `symgrad: ${f(name)} is being written by process ${sleeper.pid} (lock file ${f(`.${name}.lock`)}); let that run finish, or write elsewhere\n`

describe('every writer honours the lock of a running training', () => {
  const cases: [string, string, (path: string) => string[]][] = [
    ['export --onnx', 'model.onnx', (p) => ['export', '--onnx', p, f('ck.json')]],
    ['search --out', 'best.json', (p) => ['search', '--data', 'spiral', '--trials', '1', '--workers', '1', '--hidden', '4', '--out', p]],
    ['explain --svg', 'graph.svg', (p) => ['explain', 'x*y', '--at', 'x=1,y=2', '--svg', p]],
    ['explain --dot', 'graph.dot', (p) => ['explain', 'x*y', '--at', 'x=1,y=2', '--dot', p]],
    ['train --save', 'run.json', (p) => ['train', '--data', 'spiral', '--epochs', '1', '--hidden', '4', '--no-babysit', '--report', f('report'), '--save', p]],
  ]
  it.each(cases)('%s refuses with one line, exit 2, and leaves the file as it was', async (_, name, argv) => {
    const path = held(name)
    expect(await quietly(argv(path))).toEqual({ code: 2, stderr: refusal(name) })
    expect(readFileSync(path, 'utf8')).toBe('held')
  }, 60_000)

  it('the library: writeFileAtomic, checkWritable and writeBytes refuse, name the holder and write nothing', () => {
    const path = held('lib.txt')
    for (const r of [writeFileAtomic(path, 'new'), checkWritable(path), writeBytes(path, new Uint8Array(3))]) {
      expect(E.isLeft(r) && r.left.message).toBe(refusal('lib.txt').replace(/^symgrad: /, '').replace(/\n$/, ''))
    }
    expect(readFileSync(path, 'utf8')).toBe('held')
  })

  it('the holder itself writes; a lock with no pid yet counts as held; a stale lock does not', async () => {
    const own = lockForWriting(f('own.json'))
    expect(E.isRight(own)).toBe(true)
    expect(E.isRight(writeFileAtomic(f('own.json'), 'mine'))).toBe(true)
    if (E.isRight(own)) own.right()
    expect(readFileSync(f('own.json'), 'utf8')).toBe('mine')

    writeFileSync(f('.fresh.txt.lock'), '')
    const fresh = writeFileAtomic(f('fresh.txt'), 'x')
    expect(E.isLeft(fresh) && fresh.left.message).toMatch(/is being written by another process/)
    expect(existsSync(f('fresh.txt'))).toBe(false)

    const gone = spawn('true')
    await new Promise((r) => gone.on('exit', r))
    writeFileSync(f('stale.txt'), 'old')
    writeFileSync(f('.stale.txt.lock'), `${gone.pid}\n`)
    expect(E.isRight(writeFileAtomic(f('stale.txt'), 'new'))).toBe(true)
    expect(readFileSync(f('stale.txt'), 'utf8')).toBe('new')
  })
})
