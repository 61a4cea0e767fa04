/**
 * The training worker: `{ type: 'start', settings }` starts a run (replacing any), `{ type: 'stop' }`
 * ends it. It answers with the data points once, then a progress message per chunk of steps.
 * Chunks are scheduled with setTimeout so a stop message is read between them.
 */
import { type Run, settingsFrom, startRun } from './trainer.js'

interface WorkerScope {
  postMessage(message: unknown): void
  onmessage: ((e: MessageEvent) => void) | null
}
const scope = self as unknown as WorkerScope

let run: Run | undefined
let generation = 0
/** The page's id of the current run, echoed in every message so it can drop a previous run's late ones. */
let runId: unknown

function loop(g: number): void {
  if (g !== generation || run === undefined) return
  try {
    const p = run.next(10)
    if (p === undefined) return
    scope.postMessage({ ...p, runId })
    if (!p.done) setTimeout(() => loop(g), 0)
  } catch (e) {
    scope.postMessage({ type: 'error', runId, message: e instanceof Error ? e.message : String(e) })
  }
}

scope.onmessage = (e: MessageEvent) => {
  const m = e.data as { type?: string; settings?: Record<string, unknown>; runId?: unknown }
  generation++
  run = undefined
  if (m.type !== 'start') return
  runId = m.runId
  try {
    run = startRun(settingsFrom(m.settings ?? {}))
    scope.postMessage({ ...run.points, runId })
    const g = generation
    setTimeout(() => loop(g), 0)
  } catch (err) {
    scope.postMessage({ type: 'error', runId, message: err instanceof Error ? err.message : String(err) })
  }
}
