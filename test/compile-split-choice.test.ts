/**
 * The thread pool's choice between posting parts for its workers and running them all on the
 * calling thread: a stuck split makes the pool run alone for a while (longer while splits stay
 * stuck, reset by a good one), and the choice never changes a bit of the results.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as sg from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { grad } from '../src/ad/grad.js'
import { compile } from '../src/compile/index.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { backoffChooser, alwaysSplit, choosingRun, type SplitChooser } from '../src/compile/splitChoice.js'
import { threadPool } from '../src/runner/threads.js'
import { twoLayerStep } from './support/twoLayerStep.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'

/** Drives a chooser for `calls` calls with fixed times per mode and split calls' guesses at the call alone; the modes it ran. */
function drive(c: SplitChooser, calls: number, ms: (split: boolean) => number, guess: () => number): boolean[] {
  const modes: boolean[] = []
  for (let i = 0; i < calls; i++) {
    const s = c.split()
    modes.push(s)
    c.record(s, ms(s), s ? guess() : undefined)
  }
  return modes
}

describe('backoffChooser', () => {
  it('splits while splits beat their guesses at the call alone', () => {
    const c = backoffChooser()
    expect(drive(c, 500, (s) => (s ? 0.3 : 0.5), () => 0.5).every((s) => s)).toBe(true)
  })

  it('two held-up splits (slower than their guesses by half again and 50 µs) among the last 8 run the next 16 calls alone, doubling while they come back soon', () => {
    const c = backoffChooser()
    let splitMs = 2 // a worker preempted while holding a part
    const modes = drive(c, 2 + 16 + 2 + 32 + 1, (s) => (s ? splitMs : 0.5), () => 0.5)
    expect(modes).toEqual([true, true, ...Array<boolean>(16).fill(false), true, true, ...Array<boolean>(32).fill(false), true])
    // one held-up call alone (the idle machine's occasional preempted worker) does not back off
    const once = backoffChooser()
    expect(drive(once, 1, () => 2, () => 0.5).concat(drive(once, 20, () => 0.3, () => 0.5)).every((s) => s)).toBe(true)
    // the core is free again: after the alone calls, good splits never back off, and a later pair starts at 16 again
    splitMs = 0.3
    drive(c, c.aloneFor() + 200, (s) => (s ? splitMs : 0.5), () => 0.5)
    expect(c.aloneFor()).toBe(0)
    drive(c, 2, () => 2, () => 0.5)
    expect(c.aloneFor()).toBe(16)
  })

  it('small excesses do not back off: a tiny call\'s hand-over, or a split just over its guess', () => {
    const c = backoffChooser()
    // 30 µs over a 20 µs guess (the worker claimed nothing: the caller ran every part, plus the hand-over)
    expect(drive(c, 50, (s) => (s ? 0.05 : 0.02), () => 0.02).every((s) => s)).toBe(true)
    // 1.4× a 1 ms guess
    expect(drive(c, 50, (s) => (s ? 1.4 : 1), () => 1).every((s) => s)).toBe(true)
    expect(c.aloneFor()).toBe(0)
  })

  it('with the process\'s CPU time: a window of split calls that got under 1.3 cores backs off, one with two cores does not', () => {
    let cpu = 0
    const busy = backoffChooser({ cpuMs: () => cpu, window: 4 })
    // each split call: 1 ms of wall time (busy-waited) and `cores` ms of CPU time
    const call = (c: ReturnType<typeof backoffChooser>, cores: number) => {
      const s = c.split()
      const t = performance.now()
      while (performance.now() - t < 1);
      cpu += cores * (performance.now() - t)
      c.record(s, 1, 2)
      return s
    }
    expect([1, 2, 3, 4].map(() => call(busy, 1))).toEqual([true, true, true, true])
    expect(busy.aloneFor()).toBe(16)
    // a busy window soon after: twice as long each time, up to 8,192
    const ladder: number[] = []
    for (let k = 0; k < 11; k++) {
      while (busy.aloneFor() > 0) {
        expect(busy.split()).toBe(false)
        busy.record(false, 1)
      }
      for (let i = 0; i < 4; i++) expect(call(busy, 1)).toBe(true)
      ladder.push(busy.aloneFor())
    }
    expect(ladder).toEqual([32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 8192, 8192])
    const free = backoffChooser({ cpuMs: () => cpu, window: 4 })
    expect(Array.from({ length: 40 }, () => call(free, 1.95)).every((s) => s)).toBe(true)
    expect(free.aloneFor()).toBe(0)
  })

  it('stays at most 8,192 calls alone, and ignores calls run alone and splits without a guess', () => {
    const c = backoffChooser()
    for (let i = 0; i < 12; i++) {
      drive(c, 2, () => 5, () => 1)
      drive(c, c.aloneFor(), () => 1, () => NaN)
    }
    drive(c, 2, () => 5, () => 1)
    expect(c.aloneFor()).toBe(8192)
    const d = backoffChooser()
    for (let i = 0; i < 10; i++) d.record(true, 10, NaN), d.record(false, 10)
    expect(d.aloneFor()).toBe(0)
  })
})

describe('choosingRun', () => {
  const alone: SplitChooser = { split: () => false, record: () => {} }
  it('alone, runs the call in one piece where the caller gives it, else every part on this thread with its own arguments', () => {
    const ran: string[] = []
    const run = choosingRun(alone, 2, () => void ran.push('split'))
    const parts = [[0, 5], [5, 10]]
    run(1, 0, 'f', parts, (a) => void ran.push(`part ${a.join(',')}`), { whole: () => void ran.push('whole') })
    expect(ran).toEqual(['whole'])
    ran.length = 0
    run(1, 0, 'f', parts, (a) => void ran.push(`part ${a.join(',')}`), { tails: [[7], [8]] })
    expect(ran).toEqual(['part 0,5,7', 'part 5,10,7'])
  })

  it('a split call reports the mean of the caller\'s parts times the parts as its guess at the call alone', () => {
    const seen: (number | undefined)[] = []
    const chooser: SplitChooser = { split: () => true, record: (_s, _ms, guess) => void seen.push(guess) }
    const busy = (ms: number) => {
      const t = performance.now()
      while (performance.now() - t < ms);
    }
    // the caller runs one of the four parts itself
    const run = choosingRun(chooser, 2, (_i, _m, _f, parts, here) => here(parts[0]!))
    run(1, 0, 'f', [[0], [1], [2], [3]], () => busy(3))
    expect(seen[0]).toBeGreaterThanOrEqual(12)
  })
})

describe('a pool running parts alone gives the bits of a split run', () => {
  const alone: SplitChooser = { split: () => false, record: () => {} }
  const pools = { split: threadPool(2, { chooser: alwaysSplit }), alone: threadPool(2, { chooser: alone }), backoff: threadPool(2) }
  afterAll(async () => {
    for (const p of Object.values(pools)) await p.close()
  })
  const { outs, bindings: b } = twoLayerStep(5)
  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: split, alone and backoff give the same bits; alone hands nothing to the workers`, () => {
      const run = (p: ReturnType<typeof threadPool>) => {
        const f = compile(outs, { backend: wasmBackend({ dtype, threads: p, threshold: 0, loopThreshold: 0 })! })
        let last: ReturnType<typeof f.runOrThrow> = []
        for (let i = 0; i < 12; i++) last = f.runOrThrow(b)
        return last
      }
      const before = pools.alone.workerParts()
      const [s, a, d] = [run(pools.split), run(pools.alone), run(pools.backoff)]
      expect(pools.alone.workerParts()).toBe(before)
      // the split pool's worker claims parts once awake (on a loaded machine, maybe not in the runs above)
      const f = compile(outs, { backend: wasmBackend({ dtype, threads: pools.split, threshold: 0, loopThreshold: 0 })! })
      const took = pools.split.workerParts() > 0 ? 1 : untilWorkersTakePart(pools.split, () => f.runOrThrow(b), (r) => r.forEach((t, i) => expect(Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(s[i]!.data.buffer))).toBe(0)))
      expect(took).toBeGreaterThan(0)
      s.forEach((t, i) => {
        expect(Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(a[i]!.data.buffer)), `output ${i} alone`).toBe(0)
        expect(Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(d[i]!.data.buffer)), `output ${i} backoff`).toBe(0)
      })
    }, 30_000)
})
