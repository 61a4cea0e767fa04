/** Worker thread of `symgrad search`: receives {base, point, trial} messages, replies with TrialResults. */
import { parentPort } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import { decodeRunConfig } from '../records/runConfig.js'
import { pointFields, type RunConfig } from '../train/config.js'
import type { Point } from '../train/search.js'
import { runTrial } from '../train/trial.js'
import { loadData } from '../runner/data.js'
import { checkRun, cliLimits } from '../runner/checks.js'
import type { Limits } from '../io/limits.js'
import type { ThreadPool } from '../compile/threads.js'
import { threadPool } from '../runner/threads.js'
import { threadRegistries } from '../runner/records.js'

/** One pool per worker thread and thread count, kept across its trials (float32 trials only; float64 steps run alone). */
const pools = new Map<number, ThreadPool>()
const poolFor = (c: RunConfig): ThreadPool | undefined => {
  const n = c.threads ?? 1
  if (c.dtype !== 'float32' || n <= 1) return undefined
  if (!pools.has(n)) pools.set(n, threadPool(n))
  return pools.get(n)
}

parentPort?.on('message', (m: { base: RunConfig; point: Point; trial: number }) => void answer(m))

/** One trial, with the registries of the search's own --with modules (loaded once per thread, never a path from elsewhere). */
async function answer(m: { base: RunConfig; point: Point; trial: number }): Promise<void> {
  const reg = await threadRegistries()
  const data = E.chain(() => loadData(m.base))(reg)
  if (E.isLeft(data) || E.isLeft(reg)) return parentPort!.postMessage({ trial: m.trial, point: m.point, score: NaN, error: E.isLeft(reg) ? reg.left.message : (data as E.Left<{ message: string }>).left.message })
  const registries = reg.right
  // a point outside a field's range (e.g. a space reaching lr ≤ 0) is a failed trial with the decoder's message
  // so is a point the size limits refuse (a choice of [1e12] hidden units): checked before anything is allocated
  const c = E.chain((c: RunConfig) => E.map(() => c)(E.chain((l: Limits) => checkRun(c, data.right, l, { where: 'trial.hidden', registries }))(cliLimits())))(decodeRunConfig(pointFields(m.point), { base: m.base, root: 'trial', registries }))
  const pool = E.isRight(c) ? poolFor(c.right) : undefined
  parentPort!.postMessage(E.isLeft(c) ? { trial: m.trial, point: m.point, score: NaN, error: c.left.message } : runTrial(c.right, m.point, m.trial, data.right, { registries, ...(pool !== undefined ? { threads: pool } : {}) }))
}
