/**
 * The workers of a pool claim parts as they come (compile/threads.ts): a worker asleep when a call
 * starts may find every part already taken by the calling thread, which is the point (nobody
 * waits for a sleeping thread). After it wakes it polls for a while, so the next call usually
 * has it. Tests that need a call the workers took part in run it again until one does, checking
 * every call's result on the way.
 */
import type { ThreadPool } from '../../src/compile/threads.js'

/**
 * Runs `call` until the workers have run a part of one call (at least `tries` calls, and for up to
 * `ms` milliseconds: on a loaded machine a worker may wait for a core), `check`ing each result;
 * the worker parts of the last call.
 */
export function untilWorkersTakePart<T>(pool: ThreadPool, call: () => T, check: (result: T) => void = () => {}, tries = 50, ms = 3000): number {
  const until = performance.now() + ms
  for (let i = 0; i < tries || performance.now() < until; i++) {
    const before = pool.workerParts()
    check(call())
    const ran = pool.workerParts() - before
    if (ran > 0) return ran
  }
  return 0
}
