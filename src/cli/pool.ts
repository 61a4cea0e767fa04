/**
 * Runs search trials on worker threads, one per CPU core by default. Results are put back in trial
 * order, so the table does not depend on which worker finished first.
 */
import { availableParallelism } from 'node:os'
import type { RunConfig } from '../train/config.js'
import type { Point, TrialResult } from '../train/search.js'
import { startThread } from '../runner/thread.js'

/** `with`: the search's --with modules, which each thread loads into its own registries. */
export async function runTrials(base: RunConfig, points: readonly Point[], o: { workers?: number; onResult?: (r: TrialResult, done: number) => void; with?: readonly string[] } = {}): Promise<TrialResult[]> {
  const n = Math.max(1, Math.min(points.length, o.workers ?? availableParallelism()))
  const results: TrialResult[] = new Array(points.length)
  let next = 0
  let done = 0
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const w = startThread(import.meta.url, 'searchWorker', o.with ?? [])
        const feed = () => {
          if (next >= points.length) return void w.terminate().then(() => resolve())
          const trial = next++
          w.postMessage({ base, point: points[trial], trial })
        }
        w.on('message', (r: TrialResult) => {
          results[r.trial] = r
          o.onResult?.(r, ++done)
          feed()
        })
        w.on('error', reject)
        feed()
      }),
    ),
  )
  return results
}
