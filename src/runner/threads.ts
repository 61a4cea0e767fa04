/**
 * A thread pool for the WebAssembly kernels over Node's worker_threads (Node-only; the browser
 * pool is symgrad/web's `webThreadPool`). Workers block in Atomics.wait between commands, so a run
 * costs a wake-up, not a message; memories and modules reach them once, through a message port
 * they read synchronously (receiveMessageOnPort) when told to.
 *
 *   const pool = threadPool(2)         // the caller's thread + 1 worker
 *   const f = compile(outs, { dtype: 'float32', threads: pool })
 *   …
 *   await pool.close()
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import { CTL, nextSpin, spinMs, poolSize, runParts, postCommand, workerLoop, type ThreadPool } from '../compile/threads.js'
import { backoffChooser, choosingRun, type Run, type SplitChooser } from '../compile/splitChoice.js'

const workerSource = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads')
${workerLoop}
workerLoop(workerData.ctl, workerData.self, () => receiveMessageOnPort(workerData.port)?.message, new Map(), 0)
`

export interface ThreadPoolOptions {
  /**
   * Per call, whether the workers may claim parts or this thread runs them all (the same parts,
   * the same bits): by default split, and alone for a while after a split held up by a preempted
   * worker (compile/splitChoice.ts's backoffChooser); `alwaysSplit` never runs alone.
   */
  readonly chooser?: SplitChooser
}

/** The process's CPU time so far, every thread's, in milliseconds. */
const cpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** A pool of `threads` threads in all (this one included); `threads` ≤ 1 gives a pool that runs alone. */
export function threadPool(threads: number, o: ThreadPoolOptions = {}): ThreadPool {
  const n = poolSize(threads)
  const ctl = new Int32Array(new SharedArrayBuffer(CTL.size * 4))
  const ports: MessagePort[] = []
  const workers: Worker[] = []
  for (let w = 1; w < n; w++) {
    const { port1, port2 } = new MessageChannel()
    const worker = new Worker(workerSource, { eval: true, workerData: { ctl, self: w, port: port2 }, transferList: [port2] })
    worker.unref()
    ports.push(port1)
    workers.push(worker)
  }
  let nextId = 1
  const known = new Map<WebAssembly.Memory, number>()
  /** Waits until every worker has answered the current attach or exit. */
  const wait = (): void => {
    for (;;) {
      const d = Atomics.load(ctl, CTL.done)
      if (d >= workers.length) break
      Atomics.wait(ctl, CTL.done, d, 1000)
    }
  }
  let spin = spinMs
  /** Waits until the run's `parts` are finished: polling (see nextSpin), then sleeping. */
  const finished = (parts: number): void => {
    if (Atomics.load(ctl, CTL.finished) >= parts) return
    const until = performance.now() + spin
    for (let i = 1; Atomics.load(ctl, CTL.finished) < parts; i++)
      if ((i & 255) === 0 && performance.now() > until) break
    spin = nextSpin(spin, Atomics.load(ctl, CTL.finished) >= parts)
    for (;;) {
      const d = Atomics.load(ctl, CTL.finished)
      if (d >= parts) break
      Atomics.wait(ctl, CTL.finished, d, 1000)
    }
  }
  /** The modules attached with each memory, by attach id. */
  const modulesOf = new Map<number, readonly WebAssembly.Module[]>()
  const split: Run = (id, module, fn, parts, here, options) =>
    runParts(ctl, workers.length, modulesOf.get(id), id, module, fn, parts, here, options?.tails, finished)
  return {
    threads: n,
    attach: (memory, modules) => {
      if (workers.length === 0) return undefined
      const had = known.get(memory)
      if (had !== undefined) return had
      const id = nextId++
      for (const p of ports) p.postMessage({ id, memory, modules })
      postCommand(ctl, 1)
      wait()
      known.set(memory, id)
      modulesOf.set(id, modules)
      return id
    },
    run: choosingRun(o.chooser ?? backoffChooser({ cpuMs }), workers.length + 1, split),
    workerParts: () => Atomics.load(ctl, CTL.ran),
    close: async () => {
      postCommand(ctl, 3)
      await Promise.all(workers.map((w) => w.terminate()))
      known.clear()
    },
  }
}
