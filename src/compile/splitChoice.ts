/**
 * Whether a thread pool posts a kernel call's parts for its workers to claim ("split") or runs
 * every part on the calling thread ("alone"). The parts are the same either way — fixed by the
 * caller, each computing its own block of the result — so the choice never changes a bit.
 *
 * Claiming (compile/threads.ts) already lets a worker on a busy core take fewer parts. What it
 * cannot help: a worker that claimed a part and was then preempted (the caller waits for that
 * part), and, where another process holds a core, a polling worker that takes the calling
 * thread's time instead of adding its own. The default chooser backs off in both cases, running
 * the next calls alone — 16 of them, or twice the last count when it backs off again soon after,
 * up to 8,192 — and splitting again after:
 * - when two of the last 8 split calls took longer than their guesses at the call alone (the
 *   calling thread's mean part time × the parts) by half again and at least 50 µs. One alone does
 *   not count: on the idle 2-core KVM test machine about 1 split call in 100 waits 0.1–4 ms for a
 *   worker the host or a kernel thread preempted;
 * - where the platform tells the process's CPU time (symgrad/node), when a window of 32 split
 *   calls got less than 1.3 cores' worth of it.
 * bench:conv's float32 step on that machine (median ms, 400 steps; in separate processes): idle,
 * 1 thread 4.47–4.50, 2 threads 2.70–2.76; with another process spinning on a core, 1 thread
 * 4.47–4.49, 2 threads 4.50–4.53. Always splitting gave 4.88 there (10% slower than one thread).
 *
 * The cap: each return to splitting on a busy core is a window of 32 slow split calls, about a
 * step and a half of the convnet. With 1,024 calls alone between windows (about 80 steps) that was
 * 2% of the run: `npm start` with a core busy took 9.3 s against 9.1 on one thread (medians of 3);
 * with 8,192 (about 630 steps, 2–3 s before the pool tries its worker again) 9.2 against 9.1.
 * Climbing to the cap by doubling takes 11–12 backings off and 380–510 split calls over that
 * job's training with a core busy (bench/busy.ts, 3 runs: 7.53–7.76 s against 7.40–7.47 on one
 * thread). Growing eightfold after a window short of CPU time got there in 6–7 (7.36–7.75 s,
 * median 7.50, against a median of 7.46), but on the idle test machine a short stall of the host
 * then sent a pool alone for hundreds of steps: in 3 of 4 bench:fold runs one of its two pools
 * ran mostly alone (a step of 3.8–4.3 ms instead of 2.4–2.8), in none of 4 with doubling.
 *
 * An earlier chooser timed each kind of call in both modes and kept the faster, trying the other
 * now and then: once a split call cost a few microseconds, its trials and warm-ups made the idle
 * convnet step 12% slower than always splitting (bench/split-choice.ts: 3.95 vs 3.52 ms).
 */
import type { ThreadPool } from './threads.js'

export interface SplitChooser {
  /** True: post the parts for the workers to claim; false: run every part on the calling thread. */
  readonly split: () => boolean
  /**
   * The time a call took in the mode it ran in; for a split call, `aloneGuess`: the calling
   * thread's mean part time times the parts (NaN when it ran none).
   */
  readonly record: (split: boolean, ms: number, aloneGuess?: number) => void
}

/** Always post the parts (a pool's behaviour without backing off). */
export const alwaysSplit: SplitChooser = { split: () => true, record: () => {} }

export interface BackoffOptions {
  /** Calls run alone after backing off, first and at most. */
  readonly minAlone?: number
  readonly maxAlone?: number
  /**
   * The process's CPU time in milliseconds (every thread's), where the platform tells it
   * (symgrad/node's pool: process.cpuUsage, which is too coarse to time one call). Over each
   * `window` split calls (from the first one's start to the last one's end), CPU time per wall
   * time below `minCores` says the threads do not have cores of their own — another process holds
   * one, and a polling worker takes the calling thread's time rather than adding its own — and the
   * pool backs off. Between calls a worker polls, so on free cores the gaps count as busy too.
   */
  readonly cpuMs?: () => number
  readonly window?: number
  readonly minCores?: number
}

/** Whether a split call was held up: slower than its guess at the call alone by half again and at least 50 µs. */
const stuck = (ms: number, guess: number): boolean => ms > 1.5 * guess && ms - guess > 0.05

/** The default chooser (see the module note): split, and after stuck splits run alone for a while. */
export function backoffChooser(o: BackoffOptions = {}): SplitChooser & { readonly aloneFor: () => number } {
  const minAlone = o.minAlone ?? 16, maxAlone = o.maxAlone ?? 8192
  const window = o.window ?? 32, minCores = o.minCores ?? 1.3
  let aloneFor = 0
  let next = minAlone
  /** The last 8 split calls, 1 bits for those held up (newest lowest). */
  let recent = 0
  /** Split calls since the last backing off began. */
  let since = Infinity
  /** The clocks at the start of the current window of split calls, and its calls so far. */
  let cpu0 = NaN, wall0 = NaN, inWindow = 0
  const backOff = (): void => {
    // alone for a while, twice as long when it comes back soon
    next = since <= 2 * window ? Math.min(maxAlone, next * 2) : minAlone
    ;(aloneFor = next), (recent = 0), (since = 0), (inWindow = 0)
  }
  return {
    split: () => {
      if (aloneFor === 0) {
        if (inWindow === 0 && o.cpuMs !== undefined) (cpu0 = o.cpuMs()), (wall0 = performance.now())
        return true
      }
      aloneFor--
      return false
    },
    record: (split, ms, guess) => {
      if (!split) return
      since++
      if (o.cpuMs !== undefined && ++inWindow >= window) {
        inWindow = 0
        const wall = performance.now() - wall0
        if (wall > 0 && (o.cpuMs() - cpu0) / wall < minCores) return backOff()
      }
      if (guess === undefined || !(guess > 0)) return
      recent = ((recent << 1) | (stuck(ms, guess) ? 1 : 0)) & 0xff
      let held = 0
      for (let r = recent; r !== 0; r &= r - 1) held++
      // two of the last 8 held up
      if (held >= 2) backOff()
    },
    aloneFor: () => aloneFor,
  }
}

/** A pool's `run` (compile/threads.ts's ThreadPool). */
export type Run = ThreadPool['run']

/**
 * A pool's `run` choosing per call between `split` (the pool's own run: the workers may claim
 * parts) and running the call on the calling thread: in one piece where the caller gives `whole`
 * (one call costs less than its parts), else part after part with `here`. `threads` is how many
 * threads the pool has (workers + 1).
 */
export function choosingRun(chooser: SplitChooser, threads: number, split: Run): Run {
  return (id, module, fn, parts, here, options) => {
    if (parts.length <= 1 || threads <= 1) return split(id, module, fn, parts, here, options)
    const t0 = performance.now()
    if (chooser.split()) {
      // the calling thread's own parts, timed: their mean time by the parts guesses the call run alone
      let hereMs = 0, hereParts = 0
      split(id, module, fn, parts, (a) => {
        const s0 = performance.now()
        here(a)
        hereMs += performance.now() - s0
        hereParts++
      }, options)
      chooser.record(true, performance.now() - t0, (hereMs / hereParts) * parts.length)
      return
    }
    if (options?.whole !== undefined) options.whole()
    else {
      const mine = options?.tails?.[0] ?? []
      for (const a of parts) here([...a, ...mine])
    }
    chooser.record(false, performance.now() - t0)
  }
}
