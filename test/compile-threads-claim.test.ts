/**
 * The thread pool's claiming protocol (compile/threads.ts): every part of a run is run exactly once,
 * by whichever thread claims it, with that thread's own arguments appended; runs that follow each
 * other closely never mix one run's arguments with another's; a part that fails (on the calling
 * thread or a worker) fails the run in one line and leaves the pool usable; a run larger than the
 * control block is refused in one line.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { assemble, get, i32, I32, ifThen, op, store } from '../src/compile/kernels/wasm-asm.js'
import { CTL, MAX_ARGS, MAX_PARTS, nextSpin, postRun, spinMs, splitGuided, workerLoop } from '../src/compile/threads.js'
import { alwaysSplit } from '../src/compile/splitChoice.js'
import { threadPool } from '../src/runner/threads.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'

// mark(slot, value, spin, tail): mem[slot] = value, mem[256 + slot] = tail, after `spin` empty iterations;
// trap(x): unreachable when x is 1
const spin = [0x02, 0x40, 0x03, 0x40, get(2), op.eqz, 0x0d, 1, get(2), i32(1), op.sub, 0x21, 2, 0x0c, 0, 0x0b, 0x0b]
const bytes = assemble([
  { name: 'mark', params: [I32, I32, I32, I32], locals: [], body: [spin, get(0), i32(4), op.mul, get(1), store(I32), get(0), i32(4), op.mul, get(3), store(I32, 1024)] },
  { name: 'trap', params: [I32], locals: [], body: ifThen([get(0), i32(1), op.eq], [0x00]) },
], { shared: true, maxPages: 4 })
const mod = new WebAssembly.Module(bytes)
const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true })
const ex = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports as Record<string, (...a: number[]) => void>
const view = new Int32Array(memory.buffer)
const pool = threadPool(2, { chooser: alwaysSplit })
afterAll(() => pool.close())

const attach = async (): Promise<number> => {
  for (let i = 0; i < 200; i++) {
    const id = pool.attach(memory, [mod])
    if (id !== undefined) return id
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error('the pool never took the memory')
}

describe('claimed parts', () => {
  it('every part runs once, with the tail of the thread that ran it; the workers take part', async () => {
    const id = await attach()
    const parts = 37
    const run = (value: number, work: number) => {
      view.fill(-1, 0, 512)
      pool.run(id, 0, 'mark', Array.from({ length: parts }, (_, i) => [i, value + i, work]), (a) => ex['mark']!(...a), { tails: [[100], [200]] })
      return { values: Array.from(view.subarray(0, parts)), tails: Array.from(view.subarray(256, 256 + parts)) }
    }
    const ran = untilWorkersTakePart(pool, () => run(1000, 100_000), (r) => {
      expect(r.values).toEqual(Array.from({ length: parts }, (_, i) => 1000 + i))
      for (const t of r.tails) expect([100, 200]).toContain(t)
    })
    expect(ran).toBeGreaterThan(0)
    expect(ran).toBeLessThanOrEqual(parts)
  })

  it('runs in quick succession never mix their arguments (2,000 runs of tiny parts)', async () => {
    const id = await attach()
    for (let r = 0; r < 2000; r++) {
      const parts = 1 + (r % 9)
      pool.run(id, 0, 'mark', Array.from({ length: parts }, (_, i) => [i, r * 16 + i, r % 3]), (a) => ex['mark']!(...a), { tails: [[7], [8]] })
      for (let i = 0; i < parts; i++) if (view[i] !== r * 16 + i) expect.fail(`run ${r} part ${i}: ${view[i]}`)
    }
  })

  it('a worker that wakes late for a run already over claims nothing while the caller writes the next run', () => {
    // the worker's side as its source text gives it
    const claimParts = new Function(`${workerLoop}; return claimParts`)() as (ctl: Int32Array, self: number, insts: Map<number, unknown>, tag: number) => void
    const ctl = new Int32Array(new SharedArrayBuffer(CTL.size * 4))
    const tagOf = (word: number) => (word >>> 3) & 0xffffff
    // run 1: three parts, all claimed and finished by the caller
    postRun(ctl, 1, 0, 0, [[0], [1], [2]], undefined, 2)
    const late = tagOf(Atomics.load(ctl, CTL.seq))
    Atomics.add(ctl, CTL.next, 3)
    const claimWord = Atomics.load(ctl, CTL.next)
    // run 2 (eight parts) written, and the claim word still run 1's: the moment before the caller stores run 2's
    postRun(ctl, 1, 0, 0, Array.from({ length: 8 }, (_, i) => [i]), undefined, 2)
    Atomics.store(ctl, CTL.next, claimWord)
    // a worker woken for run 1 claims nothing: no part taken, none counted, no kernel looked up
    claimParts(ctl, 1, new Map(), late)
    expect(Atomics.load(ctl, CTL.next)).toBe(claimWord)
    expect(Atomics.load(ctl, CTL.finished)).toBe(0)
    expect(Atomics.load(ctl, CTL.failed)).toBe(0)
  })

  it('a failing part fails the run in one line, wherever it ran, and the pool runs the next call', async () => {
    const id = await attach()
    for (let k = 0; k < 20; k++)
      expect(() => pool.run(id, 0, 'trap', [[0], [0], [1], [0], [0], [0]], (a) => ex['trap']!(...a))).toThrow(/unreachable|kernel 'trap' failed on worker 1/)
    const ran = untilWorkersTakePart(pool, () => pool.run(id, 0, 'mark', [[0, 5, 500_000], [1, 6, 500_000]], (a) => ex['mark']!(...a), { tails: [[0], [0]] }), () => expect(Array.from(view.subarray(0, 2))).toEqual([5, 6]))
    expect(ran).toBeGreaterThan(0)
  })

  it('more parts, arguments or thread arguments than the control block holds, or a kernel the modules lack: one line', async () => {
    const id = await attach()
    const here = (a: readonly number[]) => ex['mark']!(...a)
    expect(() => pool.run(id, 0, 'mark', Array.from({ length: MAX_PARTS + 1 }, (_, i) => [i, 0, 0, 0]), here)).toThrow(`thread pool: 'mark' has ${MAX_PARTS + 1} parts, at most ${MAX_PARTS}`)
    expect(() => pool.run(id, 0, 'mark', [[0, 0, 0, 0], new Array<number>(MAX_ARGS + 1).fill(0)], here)).toThrow(`thread pool: part 1 of 'mark' has ${MAX_ARGS + 1} arguments, at most ${MAX_ARGS}`)
    expect(() => pool.run(id, 0, 'mark', [[0, 0, 0], [1, 0, 0]], here, { tails: [[0]] })).toThrow(/needs 2 thread arguments/)
    // a kernel name the module does not export, or a module the memory was not attached with
    expect(() => pool.run(id, 0, 'nope', [[0, 0, 0, 0], [1, 0, 0, 0]], here)).toThrow(`thread pool: module 0 of memory ${id} exports no 'nope'`)
    expect(() => pool.run(id, 3, 'mark', [[0, 0, 0, 0], [1, 0, 0, 0]], here)).toThrow(`thread pool: module 3 of memory ${id} exports no 'mark'`)
  })
})

describe('polling', () => {
  it('a poll that runs out halves the next, down to spinMs / 64; one that sees its change restores spinMs', () => {
    expect(spinMs).toBe(1)
    let spin = spinMs
    const lengths: number[] = []
    for (let i = 0; i < 8; i++) lengths.push((spin = nextSpin(spin, false)))
    expect(lengths).toEqual([0.5, 0.25, 0.125, 0.0625, 0.03125, 1 / 64, 1 / 64, 1 / 64])
    expect(nextSpin(spin, true)).toBe(spinMs)
  })
})

describe('splitGuided', () => {
  it('covers [0, n) in ordered, contiguous, aligned parts, largest first, none under a 1/(16·threads) share, at most MAX_PARTS', () => {
    for (const [n, threads, align] of [[64, 2, 1], [8, 2, 1], [512, 2, 1], [295_000, 2, 64], [1, 2, 1], [10_000, 4, 16], [100_000, 64, 1], [7, 3, 4]] as const) {
      const parts = splitGuided(n, threads, align)
      expect(parts.length).toBeGreaterThan(0)
      expect(parts.length).toBeLessThanOrEqual(MAX_PARTS)
      expect(parts[0]![0]).toBe(0)
      expect(parts[parts.length - 1]![1]).toBe(n)
      const blocks = Math.ceil(n / align)
      const least = Math.max(1, Math.floor(blocks / (16 * threads))) * align
      parts.forEach(([lo, hi], i) => {
        expect(hi).toBeGreaterThan(lo)
        expect(lo % align).toBe(0)
        if (i > 0) expect(lo).toBe(parts[i - 1]![1])
        // every part but the last is at least the least share, and no larger than the one before
        if (i < parts.length - 1) expect(hi - lo).toBeGreaterThanOrEqual(least)
        if (i > 0 && i < parts.length - 1) expect(hi - lo).toBeLessThanOrEqual(parts[i - 1]![1] - parts[i - 1]![0])
      })
    }
    expect(splitGuided(64, 2, 1).map(([lo, hi]) => hi - lo)).toEqual([16, 12, 9, 7, 5, 4, 3, 2, 2, 2, 2])
  })
})
