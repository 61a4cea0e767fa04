/**
 * Threads for the WebAssembly kernels, as an interface the core can use without knowing where
 * threads come from: Node's worker_threads (symgrad/node's `threadPool`) or the browser's Web
 * Workers (`webThreadPool` from symgrad/web). The core never imports either; a pool is passed in
 * (`compile(…, { threads: pool })`).
 *
 * A pool runs one exported kernel function over a shared WebAssembly memory in parts: the caller
 * splits the work into fixed parts whose results do not depend on which thread runs them
 * (kernels/gemm-run.ts splits rows or columns of C, never the sum over k), so 1 and N threads give
 * the same bits. Every thread, the caller's included, claims the next part not yet taken until
 * none is left: a worker that is slow to wake, or shares its core with another process, takes
 * fewer parts, and the caller never waits for a part nobody has started.
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
   * Runs `modules[module].exports[fn](...parts[i], ...tails[t])` for every part i (at most
   * MAX_PARTS, each at most MAX_ARGS numbers) on whichever thread t claims it, the caller's thread
   * (t = 0) running its parts with `here(args)`; returns when every part is done. Throws if a part
   * failed. `tails[t]` (at most MAX_TAIL numbers) are thread t's own arguments, such as its scratch
   * memory; none without `tails`. `whole`, where given, runs the call in one piece on the calling
   * thread (as a runtime without a pool runs it: the same bits); a pool that runs a call alone
   * runs that rather than its parts one after another.
   */
  readonly run: (id: number, module: number, fn: string, parts: readonly (readonly number[])[], here: (args: readonly number[]) => void, options?: RunOptions) => void
  /** Kernel parts the workers (not the calling thread) have run so far: evidence that work left the caller. */
  readonly workerParts: () => number
  /** Lets the workers go (their memories are released). */
  readonly close: () => Promise<void>
}

/** How a pool's `run` may run the call: in one piece alone, and each thread's own arguments. */
export interface RunOptions {
  readonly whole?: () => void
  readonly tails?: readonly (readonly number[])[]
}

/** Most parts a run takes, most arguments of a part, most of a thread's own arguments. */
export const MAX_PARTS = 64
export const MAX_ARGS = 31
export const MAX_TAIL = 7

/** Control block layout shared by the pools and their workers (Int32 indices). */
export const CTL = {
  /**
   * The command word: a counter the caller advances for each command, times 8, plus the command
   * (1 = attach: take the message waiting on the port, 2 = run, 3 = exit, 4 = yield to the event
   * loop). Workers wait on it; one word, so a worker never pairs one command's counter with another's.
   */
  seq: 0,
  /** Workers done with the current attach, exit or yield; the caller waits on it. */
  done: 1,
  id: 3,
  module: 4,
  fn: 5,
  /**
   * The run's counter (low 24 bits of the command word's, as in `next`) times 256 plus its number
   * of parts. Tagged, so a worker that woke late for a run already over, reading it while the
   * caller writes the next run, finds another run's counter and claims nothing: an untagged count
   * let such a worker claim a part past the end of the old run (the claim word still the old
   * run's) and count it finished in the new one, which could then return before its last part
   * was written (about once in 10⁵–10⁶ quick runs on a 2-core guest).
   */
  parts: 6,
  /** Set by a worker whose kernel threw. */
  failed: 7,
  /** Browser pool: workers that have started (took their boot message). */
  booted: 9,
  /** Browser pool: workers that have taken the current attach message (instantiated or failed). */
  attached: 10,
  /** Browser pool: set by a worker that could not instantiate the modules of the current attach. */
  attachFailed: 11,
  /**
   * The claim word of a run: its counter (low 24 bits of the command word's) times 256 plus the
   * next part to take. On a cache line of its own (as `finished` is), so claiming does not
   * disturb threads polling the command word.
   */
  next: 16,
  /** Parts of the current run finished (by any thread); the caller waits on it. */
  finished: 32,
  /** Kernel parts run by workers since the pool started (each worker adds 1 per part it ran, just before `finished`). */
  ran: 33,
  /** Part i's arguments start at args + i·argStride (count first). */
  args: 48,
  argStride: MAX_ARGS + 1,
  /** Thread t's own arguments start at tails + t·tailStride (count first). */
  tails: 48 + MAX_PARTS * (MAX_ARGS + 1),
  tailStride: MAX_TAIL + 1,
  size: 48 + MAX_PARTS * (MAX_ARGS + 1) + 64 * (MAX_TAIL + 1),
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
 * Splits [0, n) for `threads` threads claiming parts in order, largest first: each part is a
 * 1/(2·threads) share of what is left (at multiples of `align`; no part under a 1/(16·threads)
 * share of the whole, nor under one block), so the last
 * parts are small and a thread finishing its part waits at most a small one for the others
 * (equal parts left the calling thread waiting about half a part per call: 0.4 ms of a 3.4 ms
 * convnet step). At most MAX_PARTS parts, ordered and contiguous; the last ends at n.
 */
export function splitGuided(n: number, threads: number, align: number): [number, number][] {
  const blocks = Math.ceil(n / align)
  // no part under a 1/(16·threads) share of the whole: tiny parts would cost more to claim than to run
  const least = Math.max(1, Math.floor(blocks / (16 * threads)))
  const out: [number, number][] = []
  let b = 0
  while (b < blocks) {
    const left = blocks - b
    const take = out.length === MAX_PARTS - 1 ? left : Math.min(left, Math.max(least, Math.ceil(left / (2 * threads))))
    out.push([b * align, Math.min(n, (b + take) * align)])
    b += take
  }
  return out
}

/**
 * How long a thread polls the control block before it sleeps in Atomics.wait — a worker after its
 * parts (waiting for the next command), the caller after its own (waiting for the workers) — given
 * the last poll's length and whether that poll saw what it waited for. Waking a sleeping thread
 * took 50–70 µs per call on a 2-core KVM guest, about 0.6 ms of a convnet step's ten split calls,
 * where a polling thread sees the change at once: a poll lasts up to 1 ms. One that runs out
 * halves the next (down to about 16 µs): a thread that shares its core with the one it waits for
 * (another process holding the other core) sees nothing change while it polls, so it soon stops
 * taking that core's time. Self-contained: the workers' source text includes it.
 */
export function nextSpin(spin: number, seen: boolean): number {
  return seen ? 1 : Math.max(spin / 2, 1 / 64)
}

/** The first poll's length, in milliseconds. */
export const spinMs = nextSpin(0, true)

/**
 * The worker side of the protocol, as source text shared by the Node and browser pools:
 * `workerLoop(ctl, self, nextAttach, insts, seen)` serves commands until exit (returns −1) or
 * yield (returns the command word seen, to resume with); `nextAttach()` returns the waiting
 * attach message `{ id, memory, modules }` synchronously (Node; undefined if none), `insts` maps
 * attach ids to the modules' exports. Kept as a string so a worker needs no module loader.
 *
 * A run's fields are read before a part is claimed and used only if the claim, made with the
 * run's counter, succeeds: the caller rewrites them only after every part of the run is finished,
 * so a worker that wakes late (its run already over) claims nothing and reads the next command.
 * The part count it claims against carries the run's counter too (CTL.parts).
 */
export const workerLoop = `
const nextSpin = ${nextSpin.toString()}
function claimParts(ctl, self, insts, tag) {
  const id = ctl[${CTL.id}], module = ctl[${CTL.module}], fn = ctl[${CTL.fn}]
  const counted = Atomics.load(ctl, ${CTL.parts})
  if (((counted >>> 8) & 0xffffff) !== tag) return
  const parts = counted & 255
  const tailAt = ${CTL.tails} + self * ${CTL.tailStride}
  const tail = []
  for (let i = 0; i < ctl[tailAt]; i++) tail.push(ctl[tailAt + 1 + i])
  let f
  for (;;) {
    const v = Atomics.load(ctl, ${CTL.next})
    const part = v & 255
    if (((v >>> 8) & 0xffffff) !== tag || part >= parts) return
    if (Atomics.compareExchange(ctl, ${CTL.next}, v, v + 1) !== v) continue
    try {
      if (f === undefined) {
        const ex = insts.get(id)[module]
        f = ex[Object.keys(ex)[fn]]
      }
      const base = ${CTL.args} + part * ${CTL.argStride}
      const a = []
      for (let i = 0; i < ctl[base]; i++) a.push(ctl[base + 1 + i])
      f(...a, ...tail)
      Atomics.add(ctl, ${CTL.ran}, 1)
    } catch (e) {
      Atomics.store(ctl, ${CTL.failed}, self)
    }
    Atomics.add(ctl, ${CTL.finished}, 1)
    Atomics.notify(ctl, ${CTL.finished})
  }
}
function workerLoop(ctl, self, nextAttach, insts, seen) {
  let spin = ${spinMs}
  for (;;) {
    // the next command of a step usually comes within microseconds: poll before sleeping, since
    // waking a sleeping thread costs tens of microseconds (a halted virtual core)
    if (Atomics.load(ctl, ${CTL.seq}) === seen) {
      const until = performance.now() + spin
      for (let i = 1; Atomics.load(ctl, ${CTL.seq}) === seen; i++)
        if ((i & 255) === 0 && performance.now() > until) break
      spin = nextSpin(spin, Atomics.load(ctl, ${CTL.seq}) !== seen)
    }
    Atomics.wait(ctl, ${CTL.seq}, seen)
    const word = Atomics.load(ctl, ${CTL.seq})
    if (word === seen) continue
    seen = word
    const cmd = word & 7
    if (cmd === 3) return -1
    if (cmd === 2) {
      claimParts(ctl, self, insts, (word >>> 3) & 0xffffff)
      continue
    }
    try {
      if (cmd === 1) {
        const m = nextAttach()
        if (m !== undefined) insts.set(m.id, m.modules.map((mod) => new WebAssembly.Instance(mod, { env: { mem: m.memory } }).exports))
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

/** The next command word after `word` for `command` (the counter wraps within 28 bits). */
const nextWord = (word: number, command: number): number => ((((word >>> 3) + 1) & 0xfffffff) << 3) | command

/** Issues a command without arguments (attach, exit, yield) to every worker. */
export function postCommand(ctl: Int32Array, command: 1 | 3 | 4): void {
  Atomics.store(ctl, CTL.done, 0)
  Atomics.store(ctl, CTL.seq, nextWord(Atomics.load(ctl, CTL.seq), command))
  Atomics.notify(ctl, CTL.seq)
}

/** Writes a run's fields, parts and tails into the control block and wakes the workers. */
export function postRun(ctl: Int32Array, id: number, module: number, fn: number, parts: readonly (readonly number[])[], tails: readonly (readonly number[])[] | undefined, threads: number): void {
  parts.forEach((a, i) => {
    const base = CTL.args + i * CTL.argStride
    ctl[base] = a.length
    for (let j = 0; j < a.length; j++) ctl[base + 1 + j] = a[j]!
  })
  for (let t = 0; t < threads; t++) {
    const base = CTL.tails + t * CTL.tailStride
    const a = tails?.[t] ?? []
    ctl[base] = a.length
    for (let j = 0; j < a.length; j++) ctl[base + 1 + j] = a[j]!
  }
  const word = nextWord(Atomics.load(ctl, CTL.seq), 2)
  const tag = ((word >>> 3) & 0xffffff) << 8
  ctl[CTL.id] = id
  ctl[CTL.module] = module
  ctl[CTL.fn] = fn
  Atomics.store(ctl, CTL.parts, tag | parts.length)
  Atomics.store(ctl, CTL.failed, 0)
  Atomics.store(ctl, CTL.finished, 0)
  Atomics.store(ctl, CTL.next, tag)
  Atomics.store(ctl, CTL.seq, word)
  Atomics.notify(ctl, CTL.seq)
}

const exportIndices = new WeakMap<WebAssembly.Module, ReadonlyMap<string, number>>()
/** The export index a worker resolves `fn` to (workers see the same export order); −1 if none. */
export function exportIndex(module: WebAssembly.Module, fn: string): number {
  let names = exportIndices.get(module)
  if (names === undefined) exportIndices.set(module, (names = new Map(WebAssembly.Module.exports(module).map((e, i) => [e.name, i]))))
  return names.get(fn) ?? -1
}

/** Checks a run's parts and tails against the control block's room, in one line each. */
function checkRun(fn: string, parts: readonly (readonly number[])[], tails: readonly (readonly number[])[] | undefined, threads: number): void {
  if (parts.length > MAX_PARTS) throw new SymgradError('value', `thread pool: '${fn}' has ${parts.length} parts, at most ${MAX_PARTS}`)
  const long = parts.findIndex((a) => a.length > MAX_ARGS)
  if (long >= 0) throw new SymgradError('value', `thread pool: part ${long} of '${fn}' has ${parts[long]!.length} arguments, at most ${MAX_ARGS}`)
  if (tails !== undefined && (tails.length < threads || tails.some((a) => a.length > MAX_TAIL)))
    throw new SymgradError('value', `thread pool: '${fn}' needs ${threads} thread arguments of at most ${MAX_TAIL} numbers each`)
}

/**
 * The caller's side of a run: posts the parts, claims and runs parts with `here` like any worker
 * until none is left, then waits with `wait(parts)` until every claimed part is finished; throws
 * the caller's own error or, if a worker's part failed, names the kernel.
 */
export function runParts(
  ctl: Int32Array, workers: number, modules: readonly WebAssembly.Module[] | undefined,
  id: number, module: number, fn: string, parts: readonly (readonly number[])[], here: (args: readonly number[]) => void,
  tails: readonly (readonly number[])[] | undefined, wait: (parts: number) => void,
): void {
  const mine = tails?.[0] ?? []
  if (parts.length <= 1 || workers === 0) return parts.forEach((a) => here([...a, ...mine]))
  if (modules === undefined) throw new SymgradError('value', `thread pool: memory ${id} is not attached`)
  checkRun(fn, parts, tails, workers + 1)
  const mod = modules[module]
  const index = mod === undefined ? -1 : exportIndex(mod, fn)
  // a worker would resolve a missing name to nothing and fail part by part: refused here, whole
  if (index < 0) throw new SymgradError('value', `thread pool: module ${module} of memory ${id} exports no '${fn}'`)
  postRun(ctl, id, module, index, parts, tails, workers + 1)
  const tag = Atomics.load(ctl, CTL.next) >>> 8
  let error: unknown
  for (;;) {
    const v = Atomics.load(ctl, CTL.next)
    const part = v & 255
    if (v >>> 8 !== tag || part >= parts.length) break
    if (Atomics.compareExchange(ctl, CTL.next, v, v + 1) !== v) continue
    // after an error, the parts still claimed here are counted but not run
    try {
      if (error === undefined) here([...parts[part]!, ...mine])
    } catch (e) {
      error = e
    }
    Atomics.add(ctl, CTL.finished, 1)
  }
  wait(parts.length)
  if (error !== undefined) throw error
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
