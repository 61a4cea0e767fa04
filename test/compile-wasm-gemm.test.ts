import { afterAll, describe, expect, it } from 'vitest'
import { Worker } from 'node:worker_threads'
import { gemmModule, gemmRunner, gemmScratch, maxPages } from '../src/compile/kernels/gemm-run.js'
import type { Dtype } from '../src/compile/arena.js'
import { webThreadPool, type WorkerLike } from '../src/web/threads.js'
import { MAX_THREADS, poolSize, splitRange } from '../src/compile/threads.js'
import { threadPool } from '../src/runner/threads.js'
import { untilWorkersTakePart } from './support/workersTakePart.js'

const pool = threadPool(2)
afterAll(() => pool.close())

/** A shared memory with A, B and two C areas after two threads' scratch. */
function setup(dtype: Dtype, m: number, n: number, k: number) {
  const E = dtype === 'float32' ? 4 : 8
  const Arr = dtype === 'float32' ? Float32Array : Float64Array
  const base = 2 * gemmScratch
  const [a, b, c, c2] = [base, base + m * k * E, base + (m * k + k * n) * E, base + (m * k + k * n + m * n) * E]
  const memory = new WebAssembly.Memory({ initial: Math.ceil((c2 + m * n * E) / 65536) + 1, maximum: maxPages, shared: true })
  const A = new Arr(memory.buffer, a, m * k)
  const B = new Arr(memory.buffer, b, k * n)
  for (let i = 0; i < A.length; i++) A[i] = Math.sin(1.7 * i + 0.3)
  for (let i = 0; i < B.length; i++) B[i] = Math.cos(0.9 * i)
  const one = gemmRunner({ dtype, memory, scratch: 0 })
  const two = gemmRunner({ dtype, memory, scratch: 0, pool, threshold: 0 })
  const view = (at: number) => new Arr(memory.buffer, at, m * n)
  return { A, B, a, b, c, c2, one, two, view, memory }
}

/** The product in float64 and, per element, Σ|a·b| (the scale of a summation's rounding error). */
function reference(A: ArrayLike<number>, tA: boolean, B: ArrayLike<number>, tB: boolean, m: number, n: number, k: number) {
  const C = new Float64Array(m * n)
  const scale = new Float64Array(m * n)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      let t = 0
      for (let p = 0; p < k; p++) {
        const x = (tA ? A[p * m + i]! : A[i * k + p]!) * (tB ? B[j * k + p]! : B[p * n + j]!)
        s += x
        t += Math.abs(x)
      }
      C[i * n + j] = s
      scale[i * n + j] = t
    }
  return { C, scale }
}

const forms = [[false, false], [true, false], [false, true], [true, true]] as const
const shapes: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [13, 9, 300], [70, 130, 600], [129, 33, 257]]

describe('wasm gemm (float32x4 and float64x2, blocked and packed)', () => {
  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: every transposed form agrees with the float64 triple loop`, () => {
      // a sum of k products rounded at each step: |error| ≤ k·u·Σ|a·b| (u: unit roundoff)
      const u = dtype === 'float32' ? 2 ** -24 : 2 ** -53
      for (const [m, n, k] of shapes)
        for (const [tA, tB] of forms) {
          const s = setup(dtype, m, n, k)
          s.view(s.c).fill(5)
          s.one.run(s.a, tA, s.b, tB, s.c, m, n, k, false)
          const { C: want, scale } = reference(s.A, tA, s.B, tB, m, n, k)
          const got = s.view(s.c)
          let worst = 0
          want.forEach((w, i) => (worst = Math.max(worst, Math.abs(w - got[i]!) / (k * u * scale[i]! + 1e-300))))
          expect(worst, `${m}x${n}x${k} tA=${tA} tB=${tB}`).toBeLessThanOrEqual(1)
          // accumulate adds onto C
          s.one.run(s.a, tA, s.b, tB, s.c, m, n, k, true)
          const twice = s.view(s.c)
          want.forEach((w, i) => expect(Math.abs(2 * w - twice[i]!)).toBeLessThanOrEqual(2 * (k + 1) * u * scale[i]! + 1e-300))
        }
    })

  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: 1 and 2 threads give bit-identical results`, () => {
      for (const [m, n, k] of [[70, 130, 600], [300, 20, 90], [9, 513, 40]] as const)
        for (const [tA, tB] of forms) {
          const s = setup(dtype, m, n, k)
          s.one.run(s.a, tA, s.b, tB, s.c, m, n, k, false)
          const E = dtype === 'float32' ? 4 : 8
          const x = new Uint8Array(s.view(s.c).buffer, s.c, m * n * E)
          const y = new Uint8Array(s.view(s.c).buffer, s.c2, m * n * E)
          const ran = untilWorkersTakePart(pool, () => s.two.run(s.a, tA, s.b, tB, s.c2, m, n, k, false), () =>
            expect(Buffer.compare(Buffer.from(x), Buffer.from(y)), `${m}x${n}x${k} tA=${tA} tB=${tB}`).toBe(0))
          expect(ran, 'the workers ran a part').toBeGreaterThanOrEqual(1)
        }
    })

  it('splitRange covers [0, n) in aligned, ordered, non-empty parts', () => {
    for (const [n, parts, align] of [[10, 2, 4], [3, 4, 4], [128, 2, 8], [1, 1, 1], [1000, 3, 6]] as const) {
      const r = splitRange(n, parts, align)
      expect(r[0]![0]).toBe(0)
      expect(r[r.length - 1]![1]).toBe(n)
      r.forEach(([lo, hi], i) => {
        expect(hi).toBeGreaterThan(lo)
        expect(lo % align).toBe(0)
        if (i > 0) expect(lo).toBe(r[i - 1]![1])
      })
      expect(r.length).toBeLessThanOrEqual(parts)
    }
  })
})

describe('the Web Worker pool (symgrad/web), driven by worker_threads standing in for Web Workers', () => {
  /** A Web-Worker-like object over a worker_threads worker that runs `source` with onmessage/postMessage/close globals. */
  function spawn(source: string): WorkerLike {
    const w = new Worker(
      `const { parentPort } = require('node:worker_threads')
       globalThis.postMessage = (m) => parentPort.postMessage(m)
       globalThis.close = () => parentPort.close()
       parentPort.on('message', (data) => globalThis.onmessage({ data }))
       ${source}`,
      { eval: true },
    )
    w.unref()
    const like: WorkerLike = { postMessage: (m) => w.postMessage(m), onmessage: null, terminate: () => void w.terminate() }
    w.on('message', (data) => like.onmessage?.({ data }))
    return like
  }

  it('once its workers have started, attaches at the first large product (synchronously) and gives the same bits as one thread', async () => {
    const web = webThreadPool(2, spawn)
    try {
      const [m, n, k] = [256, 256, 256]
      const s = setup('float32', m, n, k)
      const twoWeb = gemmRunner({ dtype: 'float32', memory: s.memory, scratch: 0, pool: web, threshold: 0 })
      s.one.run(s.a, false, s.b, true, s.c, m, n, k, false)
      const same = () => Buffer.compare(Buffer.from(new Uint8Array(s.memory.buffer, s.c, m * n * 4)), Buffer.from(new Uint8Array(s.memory.buffer, s.c2, m * n * 4)))
      // before the worker has started (a browser starts it once this thread yields; Node may be quicker) the product runs here
      twoWeb.run(s.a, false, s.b, true, s.c2, m, n, k, false)
      expect(same()).toBe(0)
      new Uint8Array(s.memory.buffer, s.c2, m * n * 4).fill(0)
      await web.ready
      const ran = untilWorkersTakePart(web, () => twoWeb.run(s.a, false, s.b, true, s.c2, m, n, k, false), () => expect(same()).toBe(0))
      expect(ran).toBeGreaterThanOrEqual(1)
    } finally {
      await web.close()
    }
  })

  it('pool sizes: a whole number in 1 … 64; NaN, ±∞, a string or undefined (navigator.hardwareConcurrency in some browsers) run alone', async () => {
    expect([2, 2.9, 0, -3, 1e9].map(poolSize)).toEqual([2, 2, 1, 1, MAX_THREADS])
    expect([NaN, Infinity, -Infinity, '4' as unknown as number, undefined as unknown as number].map(poolSize)).toEqual([1, 1, 1, 1, 1])
    const pool = threadPool(NaN)
    expect(pool.threads).toBe(1)
    await pool.close()
  })

  it('a pool whose workers cannot be created runs alone: ready settles with 1, products keep their bits', async () => {
    const web = webThreadPool(2, () => {
      throw new Error('no Worker here')
    })
    expect(await web.ready).toBe(1)
    const [m, n, k] = [40, 64, 30]
    const s = setup('float32', m, n, k)
    s.one.run(s.a, false, s.b, false, s.c, m, n, k, false)
    gemmRunner({ dtype: 'float32', memory: s.memory, scratch: 0, pool: web, threshold: 0 }).run(s.a, false, s.b, false, s.c2, m, n, k, false)
    expect(web.workerParts()).toBe(0)
    expect(Buffer.compare(Buffer.from(new Uint8Array(s.memory.buffer, s.c, m * n * 4)), Buffer.from(new Uint8Array(s.memory.buffer, s.c2, m * n * 4)))).toBe(0)
    await web.close()
  })
})
