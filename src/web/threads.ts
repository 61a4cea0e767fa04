/**
 * A thread pool for the WebAssembly kernels over Web Workers, for browsers (the page must be
 * cross-origin isolated so that SharedArrayBuffer exists). The workers run the same loop as the
 * Node pool's (compile/threads.ts); as a browser worker can take messages only in its event loop,
 * attaching a memory is asynchronous: the workers are asked to yield, instantiate the kernels on
 * the memory when its message arrives, answer, and go back to waiting. Until every worker has
 * started and answered, `attach` returns undefined and products run on the calling thread alone (the results
 * are the same bits either way). The calling thread never blocks in Atomics.wait (a page's main
 * thread may not): it spins on the control block while the workers finish their parts.
 *
 *   const pool = webThreadPool(navigator.hardwareConcurrency)
 *   const f = compile(outs, { dtype: 'float32', threads: pool })
 */
import { CTL, runParts, postCommand, workerLoop, type ThreadPool } from '../compile/threads.js'

/** The part of the Web Worker interface the pool uses. */
export interface WorkerLike {
  postMessage(message: unknown): void
  onmessage: ((event: { readonly data: unknown }) => void) | null
  terminate(): void
}

/** The worker's script: boot message { ctl, self }, then attach messages { id, memory, modules }. */
export const webWorkerSource = `
${workerLoop}
const insts = new Map()
let ctl, me, seen = 0
onmessage = (e) => {
  const d = e.data
  if (d.ctl !== undefined) {
    ctl = d.ctl
    me = d.self
    postMessage({ booted: me })
  } else {
    insts.set(d.id, d.modules.map((mod) => new WebAssembly.Instance(mod, { env: { mem: d.memory } }).exports))
    postMessage({ attached: d.id })
  }
  seen = workerLoop(ctl, me, () => { throw new Error('attach arrives as a message') }, insts, seen)
  if (seen < 0) close()
}
`

function blobWorker(source: string): WorkerLike {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))
  return new Worker(url) as unknown as WorkerLike
}

/** A pool of `threads` threads in all (the calling one included), from `spawn` (default: Web Workers from a Blob URL). */
export function webThreadPool(threads: number, spawn: (source: string) => WorkerLike = blobWorker): ThreadPool {
  const n = Math.max(1, Math.min(64, Math.floor(threads)))
  const ctl = new Int32Array(new SharedArrayBuffer(CTL.size * 4))
  const workers: WorkerLike[] = []
  const known = new Map<WebAssembly.Memory, number>()
  const pending = new Map<number, { memory: WebAssembly.Memory; answers: number }>()
  const modulesOf = new Map<number, readonly WebAssembly.Module[]>()
  let nextId = 1
  /** Workers that have started their loop: before all have, no command is posted (a page's main thread must not wait on a worker that needs its event loop to start). */
  let booted = 0
  /** Spins until every worker has answered the current command. */
  const spin = (): void => {
    while (Atomics.load(ctl, CTL.done) < workers.length);
  }
  for (let w = 1; w < n; w++) {
    const worker = spawn(webWorkerSource)
    worker.onmessage = (e) => {
      if ((e.data as { booted?: number }).booted !== undefined) return void booted++
      const id = (e.data as { attached?: number }).attached
      const p = id === undefined ? undefined : pending.get(id)
      if (p === undefined) return
      if (++p.answers === workers.length) {
        pending.delete(id!)
        known.set(p.memory, id!)
      }
    }
    worker.postMessage({ ctl, self: w })
    workers.push(worker)
  }
  return {
    threads: n,
    attach: (memory, modules) => {
      if (workers.length === 0 || booted < workers.length) return undefined
      const had = known.get(memory)
      if (had !== undefined) return had
      if ([...pending.values()].some((p) => p.memory === memory)) return undefined
      const id = nextId++
      pending.set(id, { memory, answers: 0 })
      modulesOf.set(id, modules)
      for (const w of workers) w.postMessage({ id, memory, modules })
      postCommand(ctl, 4)
      spin()
      return undefined
    },
    run: (id, module, fn, args, self) => runParts(ctl, workers.length, modulesOf.get(id), id, module, fn, args, self, spin),
    close: async () => {
      postCommand(ctl, 3)
      for (const w of workers) w.terminate()
      known.clear()
    },
  }
}
