/** `symgrad` run as users run it: a child process of bin/symgrad.mjs, its stdout and stderr collected. */
import { spawn, type ChildProcess } from 'node:child_process'

export interface Proc {
  readonly p: ChildProcess
  out: string
  readonly exited: Promise<number | null>
}

/** Starts `symgrad <args>`; `out` collects stdout and stderr as they come. */
export function start(...args: string[]): Proc {
  const p = spawn(process.execPath, ['bin/symgrad.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const proc: Proc = { p, out: '', exited: new Promise((r) => p.on('exit', (code) => r(code))) }
  p.stdout!.on('data', (d: Buffer) => (proc.out += d.toString()))
  p.stderr!.on('data', (d: Buffer) => (proc.out += d.toString()))
  return proc
}

/** Kills the processes (SIGKILL) and waits for them to exit. */
export function stopAll(ps: readonly Proc[]): Promise<(number | null)[]> {
  return Promise.all(ps.map((w) => (w.p.kill('SIGKILL'), w.exited)))
}
