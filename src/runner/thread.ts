/**
 * Worker threads for the runs of the command line and of a queue worker (Node): one module file per
 * thread, started the same way from source (tsx) and from the built package.
 */
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

/**
 * A worker thread running the module `./<name>.ts` beside `from` (an import.meta.url) when running
 * from source (the thread registers tsx's loader before importing it), `./<name>.js` when built.
 */
export function startThread(from: string, name: string): Worker {
  const ts = from.endsWith('.ts')
  const url = new URL(ts ? `./${name}.ts` : `./${name}.js`, from)
  if (!ts) return new Worker(url)
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}) })`, { eval: true })
}
