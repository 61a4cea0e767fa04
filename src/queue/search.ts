/**
 * Search trials and ensemble members run by `symgrad worker`s through the queue. The coordinator
 * decodes each trial's run config exactly as the local search does (a point outside a field's
 * range is a failed row with the decoder's message and never enqueued), so the ranked table is the
 * local one, whatever the number of workers and the order they finish in. Node only.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Tensor } from '../core/Tensor.js'
import type { Dataset } from '../data/Dataset.js'
import { decodeWith } from '../core/codecs.js'
import type { Limits } from '../io/limits.js'
import { decodeRunConfig } from '../records/runConfig.js'
import { pointFields, type RunConfig } from '../train/config.js'
import { ensembleAccuracy } from '../train/ensemble.js'
import { rank, type Point, type TrialResult } from '../train/search.js'
import { runJobs, type GatherStatus, type Outcome } from './gather.js'
import { jobConfig, MemberOutC, TrialOutC, type Job } from './jobs.js'
import type { RedisTarget } from './redis.js'
import type { RunRegistries } from '../records/runConfig.js'

/** Options of `queueTrials`: progress lines, poll interval and the rest of the gathering. */
export interface QueueRunOptions {
  /** Progress lines (trials done / running / failed, best so far). */
  readonly progress?: (line: string) => void
  readonly pollMs?: number
  /** Bounds what is read back from Redis (see GatherOptions). */
  readonly limits?: Limits
  /** The registries the coordinator decodes each trial's run with (its --with records); jobs carry their names only. */
  readonly registries?: RunRegistries
}

function trialResult(trial: number, point: Point, o: Outcome): TrialResult {
  if (!o.ok) return { trial, point, score: NaN, error: `job failed: ${o.reason}` }
  const r = decodeWith(TrialOutC, o.value, 'result')
  if (E.isLeft(r)) return { trial, point, score: NaN, error: `bad result from a worker: ${r.left.message}` }
  const v = r.right
  if (v.error !== undefined) return { trial, point, score: NaN, error: v.error }
  return {
    trial, point, score: v.score,
    ...(v.trainAccuracy !== undefined ? { trainAccuracy: v.trainAccuracy } : {}),
    ...(v.finalLoss !== undefined ? { finalLoss: v.finalLoss } : {}),
    ...(v.checkpoint !== undefined ? { checkpoint: v.checkpoint } : {}),
  }
}

function statusLine(label: string, s: GatherStatus, results: readonly (TrialResult | undefined)[]): string {
  const done = results.filter((r) => r !== undefined)
  const failed = done.filter((r) => r.error !== undefined).length
  const best = rank(done)[0]
  const bestText = best && !Number.isNaN(best.score) ? `, best ${(best.score * 100).toFixed(1)}% (trial ${best.trial})` : ''
  return `${label}${done.length}/${results.length} trials done, ${s.running} running, ${failed} failed${bestText}`
}

/** The trials of `points` (over `base`), run by queue workers; results in trial order. */
export async function queueTrials(target: RedisTarget, base: RunConfig, points: readonly Point[], o: QueueRunOptions & { readonly label?: string } = {}): Promise<TrialResult[]> {
  const results: (TrialResult | undefined)[] = new Array(points.length).fill(undefined)
  const jobs: Job[] = []
  const trialOf: number[] = []
  points.forEach((point, trial) => {
    const c = decodeRunConfig(pointFields(point), { base, root: 'trial', ...(o.registries !== undefined ? { registries: o.registries } : {}) })
    if (E.isLeft(c)) results[trial] = { trial, point, score: NaN, error: c.left.message }
    else {
      jobs.push({ kind: 'trial', config: jobConfig(c.right), point })
      trialOf.push(trial)
    }
  })
  let last = ''
  let told = false
  await runJobs(target, jobs, {
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}), ...(o.limits !== undefined ? { limits: o.limits } : {}),
    onOutcome: (i, out) => (results[trialOf[i]!] = trialResult(trialOf[i]!, points[trialOf[i]!]!, out)),
    onStatus: (s) => {
      if (!told && s.found > 0) o.progress?.(`${s.found} of ${s.total} trial(s) already finished in Redis (an earlier run of this search): not run again`)
      told = true
      const line = statusLine(o.label ?? '', s, results)
      if (line !== last) o.progress?.(line)
      last = line
    },
  })
  return results as TrialResult[]
}

/** An ensemble trained on workers: each member's test accuracy alone, and the averaged ensemble's. */
export interface QueueEnsembleResult {
  readonly single: readonly number[]
  readonly ensemble: number
}

/**
 * Ensemble members 0..count-1 of the run `c` (member i trained from foldIn(key(seed), i)), run by
 * queue workers; `onMember` in member order; the ensemble's test accuracy from their probabilities.
 */
export async function queueEnsemble(
  target: RedisTarget, c: RunConfig, count: number, test: Dataset, o: QueueRunOptions & { readonly onMember?: (i: number, accuracy: number) => void } = {},
): Promise<E.Either<string, QueueEnsembleResult>> {
  const jobs: Job[] = Array.from({ length: count }, (_, member) => ({ kind: 'member', config: jobConfig(c), member }))
  const got: ({ accuracy: number; proba: Tensor } | string | undefined)[] = new Array(count).fill(undefined)
  let told = 0
  let last = ''
  await runJobs(target, jobs, {
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}), ...(o.limits !== undefined ? { limits: o.limits } : {}),
    onOutcome: (i, out) => {
      const r = out.ok ? decodeWith(MemberOutC, out.value, 'result') : undefined
      got[i] = r === undefined ? `job failed: ${(out as { reason: string }).reason}`
        : E.isLeft(r) ? `bad result from a worker: ${r.left.message}`
        : r.right.error ?? { accuracy: r.right.accuracy, proba: r.right.proba }
      for (; told < count && got[told] !== undefined; told++) {
        const m = got[told]!
        if (typeof m !== 'string') o.onMember?.(told, m.accuracy)
      }
    },
    onStatus: (s) => {
      const line = `${got.filter((g) => g !== undefined).length}/${count} members done, ${s.running} running`
      if (line !== last) o.progress?.(line)
      last = line
    },
  })
  const failed = got.findIndex((g) => typeof g === 'string')
  if (failed >= 0) return E.left(`ensemble member ${failed}: ${got[failed] as string}`)
  const members = got as { accuracy: number; proba: Tensor }[]
  const acc = ensembleAccuracy(members.map((m) => m.proba), test.x, test.y.data)
  return E.isLeft(acc) ? E.left(acc.left.message) : E.right({ single: members.map((m) => m.accuracy), ensemble: acc.right })
}
