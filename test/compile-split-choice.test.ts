/**
 * The thread pool's choice between handing parts to its workers and running them all on the
 * calling thread: the choice follows the times (a slow split is dropped, tried again less and
 * less often, and taken back when it is fast again), and never changes a bit of the results.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as sg from '../src/ops/index.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { grad } from '../src/ad/grad.js'
import { compile } from '../src/compile/index.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { adaptiveChooser, alwaysSplit, choosingRun, type SplitChooser } from '../src/compile/splitChoice.js'
import { threadPool } from '../src/runner/threads.js'
import { twoLayerStep } from './support/twoLayerStep.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'

/** Drives a chooser for `calls` calls of one key with fixed times per mode (and split calls' guesses alone); the modes it ran. */
function drive(c: SplitChooser, calls: number, ms: (split: boolean) => number, key = 'k', guess?: () => number): boolean[] {
  const modes: boolean[] = []
  for (let i = 0; i < calls; i++) {
    const s = c.split(key)
    modes.push(s)
    if (s && guess !== undefined) c.record(key, s, ms(s), guess())
    else c.record(key, s, ms(s))
  }
  return modes
}

describe('adaptiveChooser', () => {
  it('warms up both modes, then keeps the faster one, trying the other less and less often', () => {
    const c = adaptiveChooser()
    const modes = drive(c, 6, (s) => (s ? 10 : 5))
    expect(modes).toEqual([true, false, true, false, true, false])
    const after = drive(c, 1000, (s) => (s ? 10 : 5))
    const splits = after.filter((s) => s).length
    // trials of the slow mode at 8, 16, 32, … 256 calls apart: a handful in 1000 calls
    expect(splits).toBeGreaterThan(3)
    expect(splits).toBeLessThan(12)
    expect(c.state('k')!.every).toBe(256)
  })

  it('takes the split back once it is faster again, and drops it when a core gets busy', () => {
    const c = adaptiveChooser()
    let splitMs = 10
    drive(c, 50, (s) => (s ? splitMs : 5))
    expect(c.split('k') === false || c.state('k')!.choice === false).toBe(true)
    splitMs = 2 // the other core is free again
    const back = drive(c, 600, (s) => (s ? splitMs : 5))
    expect(back.slice(-50).filter((s) => s).length).toBeGreaterThanOrEqual(45)
    splitMs = 20 // busy again
    const away = drive(c, 100, (s) => (s ? splitMs : 5))
    expect(away.slice(-50).filter((s) => s).length).toBeLessThanOrEqual(10)
  })

  it('a split beating its guess at the call alone decides at its second call; one that does not warms up as before', () => {
    const fast = adaptiveChooser()
    // the caller's part took 6 of the split's 7: alone would take about 12
    expect(drive(fast, 5, (s) => (s ? 7 : 12), 'k', () => 12)).toEqual([true, true, true, true, true])
    expect(fast.state('k')!.choice).toBe(true)
    // a worker on a busy core: the split (20) is slower than its guess (12), so both modes are timed
    const slow = adaptiveChooser()
    expect(drive(slow, 7, (s) => (s ? 20 : 12), 'k', () => 12)).toEqual([true, true, true, false, true, false, false])
    expect(slow.state('k')!.choice).toBe(false)
  })

  it('split on a guess, the call is still timed alone now and then, and a measured alone time wins over the guesses', () => {
    const c = adaptiveChooser()
    // the guesses flatter the split (its part was slowed by the other's), alone is really faster
    const modes = drive(c, 60, (s) => (s ? 10 : 8), 'k', () => 18)
    expect(modes.slice(0, 4)).toEqual([true, true, true, true])
    expect(c.state('k')!.choice).toBe(false)
    expect(modes.slice(-20).filter((s) => s).length).toBeLessThanOrEqual(3)
  })

  it('a split growing slower than its guesses switches to alone before any alone trial', () => {
    const c = adaptiveChooser()
    let splitMs = 7
    drive(c, 4, (s) => (s ? splitMs : 12), 'k', () => 12)
    splitMs = 30
    const modes = drive(c, 4, (s) => (s ? splitMs : 12), 'k', () => 12)
    expect(modes.slice(-1)).toEqual([false])
  })

  it('keys are judged apart (a small product does not decide for a large one)', () => {
    const c = adaptiveChooser()
    drive(c, 40, (s) => (s ? 10 : 5), 'small')
    drive(c, 40, (s) => (s ? 5 : 10), 'large')
    expect(c.state('small')!.choice).toBe(false)
    expect(c.state('large')!.choice).toBe(true)
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
    const chooser: SplitChooser = { split: () => true, record: (_k, _s, _ms, guess) => void seen.push(guess) }
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
  const pools = { split: threadPool(2, { chooser: alwaysSplit }), alone: threadPool(2, { chooser: alone }), adaptive: threadPool(2) }
  afterAll(async () => {
    for (const p of Object.values(pools)) await p.close()
  })
  const { outs, bindings: b } = twoLayerStep(5)
  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: split, alone and adaptive give the same bits; alone hands nothing to the workers`, () => {
      const run = (p: ReturnType<typeof threadPool>) => {
        const f = compile(outs, { backend: wasmBackend({ dtype, threads: p, threshold: 0, loopThreshold: 0 })! })
        let last: ReturnType<typeof f.runOrThrow> = []
        for (let i = 0; i < 12; i++) last = f.runOrThrow(b) // past the adaptive pool's warm-up
        return last
      }
      const before = pools.alone.workerParts()
      const [s, a, d] = [run(pools.split), run(pools.alone), run(pools.adaptive)]
      expect(pools.alone.workerParts()).toBe(before)
      // the split pool's worker claims parts once awake (on a loaded machine, maybe not in the runs above)
      const f = compile(outs, { backend: wasmBackend({ dtype, threads: pools.split, threshold: 0, loopThreshold: 0 })! })
      const took = pools.split.workerParts() > 0 ? 1 : untilWorkersTakePart(pools.split, () => f.runOrThrow(b), (r) => r.forEach((t, i) => expect(Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(s[i]!.data.buffer))).toBe(0)))
      expect(took).toBeGreaterThan(0)
      s.forEach((t, i) => {
        expect(Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(a[i]!.data.buffer)), `output ${i} alone`).toBe(0)
        expect(Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(d[i]!.data.buffer)), `output ${i} adaptive`).toBe(0)
      })
    }, 30_000)
})
