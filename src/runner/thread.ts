/**
 * Worker threads for the runs of the command line and of a queue worker (Node): one module file per
 * thread, started the same way from source (tsx) and from the built package.
 */
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/** What a thread is told when it starts: the records modules its starter was given with `--with` (absolute paths). */
export interface ThreadData {
  readonly with: readonly string[]
}

/**
 * A worker thread running the module `./<name>.ts` beside `from` (an import.meta.url) when running
 * from source (the thread registers tsx's loader before importing it), `./<name>.js` when built.
 * `withModules`: the `--with` modules of the process that starts it (never a path from a job), which
 * the thread loads into its own registries (runner/records.ts `threadRegistries`).
 */
export function startThread(from: string, name: string, withModules: readonly string[] = []): Worker {
  const workerData: ThreadData = { with: withModules.map((p) => resolve(p)) }
  const ts = from.endsWith('.ts')
  const url = new URL(ts ? `./${name}.ts` : `./${name}.js`, from)
  if (!ts) return new Worker(url, { workerData })
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}) })`, { eval: true, workerData })
}
