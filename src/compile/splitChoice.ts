/**
 * Whether a thread pool hands a kernel call's parts to its workers ("split") or runs every part
 * on the calling thread, one after another ("alone"). The parts are the same either way — fixed
 * by the caller, each computing its own block of the result — so the choice never changes a bit;
 * it only decides who runs parts 1…N−1. A worker whose core is busy with another process can make
 * a split call slower than doing all the parts alone; the adaptive chooser notices that.
 *
 * The adaptive chooser times each kind of call (one key per kernel, call site and arguments, so a
 * training step's calls are told apart and a small product is not judged by a large one): after a
 * warm-up of both modes it takes the faster by the median of each mode's last 5 times (a call
 * preempted by another process does not decide alone), and keeps trying the other mode
 * now and then (every 8 calls of the key, doubling up to every 256 while the choice stands, back
 * to 8 when it changes), so a core that becomes free again is noticed; the chosen mode growing
 * slower than the other's last time switches at once, so a core that gets busy is noticed too.
 *
 * A split call also tells how long the calling thread's own part took; its parts times that is a
 * guess at the call run alone (the parts are of about equal size). Where a key's first timed
 * split call beats that guess, the warm-up ends there, split: a call made only a few times (an
 * evaluation's few large chunks) then pays from its second call on, rather than spending half of
 * the warm-up's calls alone. A split slower than its guess (a busy core) warms up as before, and
 * after the warm-up only measured times of either mode decide.
 */
import type { ThreadPool } from './threads.js'

export interface SplitChooser {
  /** True: hand parts 1… to the workers; false: run every part on the calling thread. */
  readonly split: (key: string) => boolean
  /**
   * The time a call of `key` took in the mode it ran in; for a split call, optionally `aloneGuess`:
   * the calling thread's part's time times the parts.
   */
  readonly record: (key: string, split: boolean, ms: number, aloneGuess?: number) => void
}

/** Always hand the parts to the workers (a pool's behaviour without adaptation). */
export const alwaysSplit: SplitChooser = { split: () => true, record: () => {} }

interface KeyState {
  calls: number
  /** The median of each mode's last few times (NaN until measured): one call preempted by another process does not decide. */
  splitMs: number
  aloneMs: number
  splitRecent: number[]
  aloneRecent: number[]
  /** Calls between trials of the mode not chosen, and calls since the last one. */
  every: number
  since: number
  choice: boolean
  /** The key's first call was a split that guessed its time alone (its second call splits too). */
  guessed: boolean
  /** The last few split calls' guesses at the call alone (kept until it is timed alone). */
  guesses: number[]
  /** Whether each mode has run once (its first call is not counted). */
  splitSeen: boolean
  aloneSeen: boolean
}

export interface AdaptiveOptions {
  /** Calls of a key alternating the two modes before the first choice (the first of each is not counted: warm-up). */
  readonly warmup?: number
  /** Shortest and longest interval between trials of the other mode. */
  readonly minEvery?: number
  readonly maxEvery?: number
  /** Keys remembered at most (the table is cleared past this). */
  readonly maxKeys?: number
}

/** Times kept per mode and key. */
const recent = 5

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function adaptiveChooser(o: AdaptiveOptions = {}): SplitChooser & { readonly state: (key: string) => Readonly<KeyState> | undefined } {
  const warmup = o.warmup ?? 6, minEvery = o.minEvery ?? 8, maxEvery = o.maxEvery ?? 256, maxKeys = o.maxKeys ?? 4096
  const table = new Map<string, KeyState>()
  const stateOf = (key: string): KeyState => {
    let s = table.get(key)
    if (s === undefined) {
      if (table.size >= maxKeys) table.clear()
      s = { calls: 0, splitMs: NaN, aloneMs: NaN, splitRecent: [], aloneRecent: [], every: minEvery, since: 0, choice: true, guessed: false, guesses: [], splitSeen: false, aloneSeen: false }
      table.set(key, s)
    }
    return s
  }
  return {
    split: (key) => {
      const s = stateOf(key)
      // the second call splits again when the first split came with a guess at the call alone
      if (s.calls < warmup) return s.calls % 2 === 0 || (s.calls === 1 && s.guessed)
      // now and then the mode not chosen, to notice a change
      return s.since + 1 >= s.every ? !s.choice : s.choice
    },
    record: (key, split, ms, aloneGuess) => {
      const s = stateOf(key)
      const warming = s.calls < warmup
      // each mode's first call pays for compiling and waking up: not counted
      const first = split ? !s.splitSeen : !s.aloneSeen
      if (split) s.splitSeen = true
      else s.aloneSeen = true
      if (s.calls === 0) s.guessed = split && aloneGuess !== undefined && aloneGuess > 0
      // until the call has been timed alone, the split calls' guesses stand for it
      if (split && !first && aloneGuess !== undefined && aloneGuess > 0 && s.aloneRecent.length === 0) {
        s.guesses.push(aloneGuess)
        if (s.guesses.length > recent) s.guesses.shift()
        s.aloneMs = medianOf(s.guesses)
      }
      if (warming && !first && split && s.calls === 1 && s.guessed && ms < s.aloneMs) {
        // the first timed split beats the guess at running alone: split from now on
        s.splitRecent.push(ms)
        s.splitMs = ms
        ;(s.calls = warmup), (s.choice = true)
        return
      }
      s.calls++
      if (!first) {
        const times = split ? s.splitRecent : s.aloneRecent
        times.push(ms)
        if (times.length > recent) times.shift()
        if (split) s.splitMs = medianOf(times)
        else (s.aloneMs = medianOf(times)), (s.guesses = [])
      }
      if (warming) {
        if (s.calls === warmup) s.choice = !(s.aloneMs < s.splitMs)
        return
      }
      if (split === s.choice) {
        s.since++
        // the chosen mode became slower than the other was: switch now rather than at the next trial
        if (split ? s.splitMs > s.aloneMs : s.aloneMs > s.splitMs) (s.choice = !split), (s.every = minEvery), (s.since = 0)
        return
      }
      // a trial of the other mode
      s.since = 0
      const better = split ? s.splitMs < s.aloneMs : s.aloneMs < s.splitMs
      if (better) (s.choice = split), (s.every = minEvery)
      else s.every = Math.min(maxEvery, s.every * 2)
    },
    state: (key) => table.get(key),
  }
}

/** The key of a pool call: which kernel, and its first part's arguments (sizes and addresses). */
export function callKey(id: number, module: number, fn: string, parts: readonly (readonly number[])[]): string {
  return `${id}/${module}/${fn}/${parts.length}/${parts[0]!.join(',')}`
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
    const key = callKey(id, module, fn, parts)
    const t0 = performance.now()
    if (chooser.split(key)) {
      // the calling thread's own parts, timed: their mean time by the parts guesses the call run alone
      let hereMs = 0, hereParts = 0
      split(id, module, fn, parts, (a) => {
        const s0 = performance.now()
        here(a)
        hereMs += performance.now() - s0
        hereParts++
      }, options)
      chooser.record(key, true, performance.now() - t0, (hereMs / hereParts) * parts.length)
      return
    }
    if (options?.whole !== undefined) options.whole()
    else {
      const mine = options?.tails?.[0] ?? []
      for (const a of parts) here([...a, ...mine])
    }
    chooser.record(key, false, performance.now() - t0)
  }
}
