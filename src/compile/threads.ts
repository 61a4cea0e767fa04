/**
 * Threads for the WebAssembly kernels, as an interface the core can use without knowing where
 * threads come from: Node's worker_threads (symgrad/node's `threadPool`) or the browser's Web
 * Workers (`webThreadPool` from symgrad/web). The core never imports either; a pool is passed in
 * (`compile(…, { threads: pool })`).
 *
 * A pool runs one exported kernel function on every thread at once, each with its own arguments,
 * over a shared WebAssembly memory; the caller's thread takes part 0. Work is split by the
 * caller into fixed parts whose results do not depend on which thread ran them (kernels/gemm-run.ts
 * splits rows or columns of C, never the sum over k), so 1 and N threads give the same bits.
 */
import { SymgradError } from '../core/errors.js'

/** Worker threads compiled code may split work across (symgrad/node's threadPool, symgrad/web's webThreadPool). */
export interface ThreadPool {
  /** Threads a task is split over, the caller's included (≥ 1). */
  readonly threads: number
  /**
   * Makes a shared memory and the kernel modules (instantiated on it) known to the workers. Returns
   * an id for `run`, or undefined while the workers cannot take it yet (callers then run alone).
   */
  readonly attach: (memory: WebAssembly.Memory, modules: readonly WebAssembly.Module[]) => number | undefined
  /**
   * Runs `modules[module].exports[fn](...args[t])` on worker t for t = 1 … args.length − 1 while
   * the caller runs part 0 with `self`; returns when every part is done. Throws if a worker failed.
   * `whole`, where given, runs the call in one piece on the calling thread (as a runtime without a
   * pool runs it: the same bits); a pool that runs a call alone runs that rather than its parts
   * one after another.
   */
  readonly run: (id: number, module: number, fn: string, args: readonly (readonly number[])[], self: () => void, whole?: () => void) => void
  /** Kernel parts the workers (not the calling thread) have run so far: evidence that work left the caller. */
  readonly workerParts: () => number
  /** Lets the workers go (their memories are released). */
  readonly close: () => Promise<void>
}

/** Control block layout shared by the pools and their workers (Int32 indices). */
export const CTL = {
  /** Incremented by the caller for each command; workers wait on it. */
  seq: 0,
  /** Workers done with the current command; the caller waits on it. */
  done: 1,
  /** 1 = attach (take the message waiting on the port), 2 = run, 3 = exit, 4 = yield to the event loop. */
  command: 2,
  id: 3,
  module: 4,
  fn: 5,
  /** Number of workers taking part in this run (workers 1..parts-1). */
  parts: 6,
  /** Set by a worker whose kernel threw. */
  failed: 7,
  /** Kernel parts run by workers since the pool started (each worker adds 1 per part it ran). */
  ran: 8,
  /** Browser pool: workers that have started (took their boot message). */
  booted: 9,
  /** Browser pool: workers that have taken the current attach message (instantiated or failed). */
  attached: 10,
  /** Browser pool: set by a worker that could not instantiate the modules of the current attach. */
  attachFailed: 11,
  /** Arguments of worker w start at args + (w − 1)·argStride. */
  args: 16,
  argStride: 32,
  size: 16 + 32 * 64,
} as const

/** Whether `memory` is shared; false where SharedArrayBuffer does not exist (a browser page that is not cross-origin isolated). */
export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer
}

/** Splits [0, n) into `parts` contiguous ranges whose bounds are multiples of `align` (last one ends at n). */
export function splitRange(n: number, parts: number, align: number): [number, number][] {
  const blocks = Math.ceil(n / align)
  const out: [number, number][] = []
  for (let t = 0; t < parts; t++) {
    const b0 = Math.floor((blocks * t) / parts)
    const b1 = Math.floor((blocks * (t + 1)) / parts)
    if (b1 > b0) out.push([b0 * align, Math.min(n, b1 * align)])
  }
  return out
}

/**
 * Milliseconds a thread polls the control block before it sleeps in Atomics.wait: a worker after
 * its part (waiting for the next command), the caller after its own part (waiting for the
 * workers). Waking a sleeping thread took 50–70 µs per call on a 2-core KVM guest — about 0.6 ms
 * of a convnet step's ten split calls — where a polling thread sees the change at once.
 */
export const spinMs = 1

/**
 * The worker side of the protocol, as source text shared by the Node and browser pools:
 * `workerLoop(ctl, self, nextAttach, insts, seen)` serves commands until exit (returns −1) or
 * yield (returns the sequence number seen, to resume with); `nextAttach()` returns the waiting
 * attach message `{ id, memory, modules }` synchronously (Node), `insts` maps attach ids to the
 * modules' exports. Kept as a string so a worker needs no module loader.
 */
export const workerLoop = `
function workerLoop(ctl, self, nextAttach, insts, seen) {
  for (;;) {
    // the next command of a step usually comes within microseconds: poll for up to spinMs before
    // sleeping, since waking a sleeping thread costs tens of microseconds (a halted virtual core)
    if (Atomics.load(ctl, ${CTL.seq}) === seen) {
      const until = performance.now() + ${spinMs}
      for (let i = 1; Atomics.load(ctl, ${CTL.seq}) === seen; i++)
        if ((i & 255) === 0 && performance.now() > until) break
    }
    Atomics.wait(ctl, ${CTL.seq}, seen)
    const seq = Atomics.load(ctl, ${CTL.seq})
    if (seq === seen) continue
    seen = seq
    const cmd = Atomics.load(ctl, ${CTL.command})
    if (cmd === 3) return -1
    try {
      if (cmd === 1) {
        const m = nextAttach()
        insts.set(m.id, m.modules.map((mod) => new WebAssembly.Instance(mod, { env: { mem: m.memory } }).exports))
      } else if (cmd === 2 && self < Atomics.load(ctl, ${CTL.parts})) {
        const ex = insts.get(Atomics.load(ctl, ${CTL.id}))[Atomics.load(ctl, ${CTL.module})]
        const names = Object.keys(ex)
        const f = ex[names[Atomics.load(ctl, ${CTL.fn})]]
        const base = ${CTL.args} + (self - 1) * ${CTL.argStride}
        const n = ctl[base]
        const a = []
        for (let i = 0; i < n; i++) a.push(ctl[base + 1 + i])
        f(...a)
        Atomics.add(ctl, ${CTL.ran}, 1)
      }
    } catch (e) {
      Atomics.store(ctl, ${CTL.failed}, self)
    }
    Atomics.add(ctl, ${CTL.done}, 1)
    Atomics.notify(ctl, ${CTL.done})
    // 4 = yield: back to the event loop (a browser worker takes its messages there), resumed with seen
    if (cmd === 4) return seen
  }
}
`

/** Issues a command without arguments (attach, exit, yield) to every worker. */
export function postCommand(ctl: Int32Array, command: 1 | 3 | 4): void {
  Atomics.store(ctl, CTL.done, 0)
  Atomics.store(ctl, CTL.command, command)
  Atomics.add(ctl, CTL.seq, 1)
  Atomics.notify(ctl, CTL.seq)
}

/** Writes a run command for `args.length − 1` workers into the control block and wakes them. */
export function postRun(ctl: Int32Array, id: number, module: number, fn: number, args: readonly (readonly number[])[]): void {
  for (let w = 1; w < args.length; w++) {
    const base = CTL.args + (w - 1) * CTL.argStride
    const a = args[w]!
    ctl[base] = a.length
    for (let i = 0; i < a.length; i++) ctl[base + 1 + i] = a[i]!
  }
  Atomics.store(ctl, CTL.done, 0)
  Atomics.store(ctl, CTL.failed, 0)
  Atomics.store(ctl, CTL.command, 2)
  Atomics.store(ctl, CTL.id, id)
  Atomics.store(ctl, CTL.module, module)
  Atomics.store(ctl, CTL.fn, fn)
  Atomics.store(ctl, CTL.parts, args.length)
  Atomics.add(ctl, CTL.seq, 1)
  Atomics.notify(ctl, CTL.seq)
}

/** The export index a worker resolves `fn` to (workers see the same export order). */
export function exportIndex(module: WebAssembly.Module, fn: string): number {
  return WebAssembly.Module.exports(module).map((e) => e.name).indexOf(fn)
}

/**
 * The caller's side of a run: posts parts 1… to the workers, runs part 0 itself, waits with
 * `wait` until every worker is done, and throws if a worker's kernel failed.
 */
export function runParts(
  ctl: Int32Array, workers: number, modules: readonly WebAssembly.Module[] | undefined,
  id: number, module: number, fn: string, args: readonly (readonly number[])[], self: () => void, wait: () => void,
): void {
  if (args.length <= 1 || workers === 0) return self()
  if (modules === undefined) throw new SymgradError('value', `thread pool: memory ${id} is not attached`)
  postRun(ctl, id, module, exportIndex(modules[module]!, fn), args.slice(0, workers + 1))
  try {
    self()
  } finally {
    wait()
  }
  const failed = Atomics.load(ctl, CTL.failed)
  if (failed !== 0) throw new SymgradError('value', `thread pool: kernel '${fn}' failed on worker ${failed}`)
}

/** Most threads a pool takes. */
export const MAX_THREADS = 64

/**
 * The threads a pool of `threads` has, this one included: a whole number in 1 … MAX_THREADS; at most
 * 1 runs alone, and so does anything that is not a finite number (`navigator.hardwareConcurrency`
 * where a browser leaves it undefined).
 */
export function poolSize(threads: number): number {
  return typeof threads === 'number' && Number.isFinite(threads) ? Math.max(1, Math.min(MAX_THREADS, Math.floor(threads))) : 1
}
