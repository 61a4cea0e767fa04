/**
 * A thread pool for the WebAssembly kernels over Web Workers, for browsers. The page must be
 * cross-origin isolated (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`) so that SharedArrayBuffer and shared
 * WebAssembly memories exist. The workers run the same loop as the Node pool's (compile/threads.ts)
 * from a Blob URL, so a bundler needs no separate worker file.
 *
 * A browser starts a worker only once the page's thread has returned to its event loop, so the
 * workers are not there synchronously: until they have booted (`await pool.ready`), products run
 * on the calling thread alone (the same bits either way). A booted worker takes messages in its own
 * event loop, so attaching a memory is synchronous: the caller posts it, tells the workers to leave
 * Atomics.wait for their event loop, and spins on the control block until each has instantiated
 * the kernels and gone back to waiting. The calling thread never blocks in Atomics.wait (a page's
 * main thread may not): it spins while the workers finish their parts.
 *
 * A worker that cannot start (a Content-Security-Policy without `worker-src blob:`) makes the
 * pool run everything on the calling thread, and `ready` settles with 1. Like symgrad/node's pool,
 * its workers claim parts as they come, and after a split held up by a preempted worker it runs
 * alone for a while (compile/splitChoice.ts; the same parts, the same bits), so a worker on a busy
 * core does not slow the page's steps.
 *
 *   const pool = webThreadPool(navigator.hardwareConcurrency)
 *   await pool.ready                   // the number of threads that take part
 *   const f = compile(outs, { dtype: 'float32', threads: pool })
 */
import { CTL, poolSize, runParts, postCommand, workerLoop, type ThreadPool } from '../compile/threads.js'
import { backoffChooser, choosingRun, type SplitChooser } from '../compile/splitChoice.js'

/** The part of the Web Worker interface the pool uses. */
export interface WorkerLike {
  /** Sends a structured-cloneable message to the worker. */
  postMessage(message: unknown): void
  /** Set by the pool: called with each message the worker posts back (`event.data`). */
  onmessage: ((event: { readonly data: unknown }) => void) | null
  /** Called when the worker cannot start (a Content-Security-Policy without `worker-src blob:`, say) or its script throws. */
  onerror?: ((event: unknown) => void) | null
  /** Stops the worker at once. */
  terminate(): void
}

/** A pool of Web Workers for compiled code in a browser; `ready` says how many threads take part. */
export interface WebThreadPool extends ThreadPool {
  /**
   * Settles with the number of threads that will take part: `threads` once every worker has
   * started (from then on, products above the threshold are split from their first call), or 1 as
   * soon as a worker fails to start (the pool then runs everything on the calling thread).
   */
  readonly ready: Promise<number>
}

/** The worker's script: boot message { ctl, self }, then attach messages { id, memory, modules }, each answered in the control block. */
export const webWorkerSource = `
${workerLoop}
const insts = new Map()
let ctl, me, seen = 0
onmessage = (e) => {
  const d = e.data
  if (d.ctl !== undefined) {
    ctl = d.ctl
    me = d.self
    Atomics.add(ctl, ${CTL.booted}, 1)
    postMessage({ booted: me })
  } else {
    try {
      insts.set(d.id, d.modules.map((mod) => new WebAssembly.Instance(mod, { env: { mem: d.memory } }).exports))
    } catch (err) {
      Atomics.store(ctl, ${CTL.attachFailed}, me)
    }
    Atomics.add(ctl, ${CTL.attached}, 1)
  }
  seen = workerLoop(ctl, me, () => { throw new Error('attach arrives as a message') }, insts, seen)
  if (seen < 0) close()
}
`

function blobWorker(source: string): WorkerLike {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))
  return new Worker(url) as unknown as WorkerLike
}

/** How long an attach waits for the workers before the pool gives up on them (products then run alone). */
const attachTimeoutMs = 10_000

/**
 * A pool of `threads` threads in all (the calling one included), from `spawn` (default: Web Workers
 * from a Blob URL). Where SharedArrayBuffer does not exist (a page that is not cross-origin
 * isolated), the pool has 1 thread: everything runs on the calling thread and `threads` says so.
 */
export function webThreadPool(threads: number, spawn: (source: string) => WorkerLike = blobWorker, chooser: SplitChooser = backoffChooser()): WebThreadPool {
  const shared = typeof SharedArrayBuffer !== 'undefined'
  const n = shared ? poolSize(threads) : 1
  const ctl = shared ? new Int32Array(new SharedArrayBuffer(CTL.size * 4)) : new Int32Array(CTL.size)
  const workers: WorkerLike[] = []
  const known = new Map<WebAssembly.Memory, number>()
  /** The modules attached with each memory, by attach id. */
  const modulesOf = new Map<number, readonly WebAssembly.Module[]>()
  let nextId = 1
  /** Set when the workers did not answer an attach in time, or could not take it: the pool then runs everything alone. */
  let broken = false
  /** Spins until the current run's `parts` are finished. */
  const spin = (parts: number): void => {
    while (Atomics.load(ctl, CTL.finished) < parts);
  }
  /** Spins until every worker has taken the attach message; false after attachTimeoutMs. */
  const spinAttached = (): boolean => {
    const deadline = Date.now() + attachTimeoutMs
    for (let i = 0; Atomics.load(ctl, CTL.attached) < workers.length; i++) if ((i & 0xffff) === 0 && Date.now() > deadline) return false
    return true
  }
  let booted = 0
  let settle: (threads: number) => void = () => {}
  const ready = new Promise<number>((r) => (settle = r))
  const fail = (): void => {
    broken = true
    settle(1)
  }
  for (let w = 1; w < n && !broken; w++) {
    let worker: WorkerLike
    try {
      worker = spawn(webWorkerSource)
    } catch {
      fail() // no Worker here, or the page may not create one
      break
    }
    worker.onmessage = (e) => {
      if ((e.data as { booted?: number }).booted !== undefined && ++booted === workers.length && !broken) settle(n)
    }
    worker.onerror = fail
    worker.postMessage({ ctl, self: w })
    workers.push(worker)
  }
  if (n === 1) settle(1)
  return {
    threads: n,
    ready,
    attach: (memory, modules) => {
      if (workers.length === 0 || broken) return undefined
      const had = known.get(memory)
      if (had !== undefined) return had
      if (Atomics.load(ctl, CTL.booted) < workers.length) return undefined
      const id = nextId++
      Atomics.store(ctl, CTL.attached, 0)
      Atomics.store(ctl, CTL.attachFailed, 0)
      for (const w of workers) w.postMessage({ id, memory, modules })
      // the workers leave Atomics.wait for their event loops, where the message waits for them
      postCommand(ctl, 4)
      if (!spinAttached() || Atomics.load(ctl, CTL.attachFailed) !== 0) {
        broken = true
        return undefined
      }
      known.set(memory, id)
      modulesOf.set(id, modules)
      return id
    },
    // the workers may claim parts, or this thread runs them all for a while after a stuck split (compile/splitChoice.ts)
    run: choosingRun(chooser, workers.length + 1, (id, module, fn, parts, here, options) =>
      runParts(ctl, workers.length, modulesOf.get(id), id, module, fn, parts, here, options?.tails, spin)),
    workerParts: () => Atomics.load(ctl, CTL.ran),
    close: async () => {
      if (workers.length > 0) postCommand(ctl, 3)
      for (const w of workers) w.terminate()
      known.clear()
      modulesOf.clear()
    },
  }
}
