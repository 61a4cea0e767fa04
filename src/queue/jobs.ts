/**
 * The jobs on the queue and their results, as JSON decoded with io-ts (whatever comes out of Redis
 * is untrusted). A job is fully described by its data — the whole run config, plus the search point
 * or the ensemble member index — and its id is a hash of that data: the same trial always has the
 * same id, so enqueueing it again (a restarted coordinator) finds the job already there, finished
 * or not, instead of running it twice. The hash is also the check: a worker refuses a job whose
 * data does not hash to its id, and a coordinator refuses a result whose job does not (data edited
 * in Redis after it was enqueued, a forged result). Numbers travel exactly (src/io/floats.ts).
 */
import { createHash } from 'node:crypto'
import * as t from 'io-ts'
import { NonEmptyString, NonNegativeInt, recordOf, struct, tagged } from '../core/codecs.js'
import { AnyNumber, TensorC } from '../io/codecs.js'
import { RunConfigC } from '../records/runConfig.js'

/** The one BullMQ queue every coordinator enqueues into and every `symgrad worker` pulls from. */
export const QUEUE_NAME = 'symgrad-jobs'

const PointValue = new t.Type<number | string, number | string, unknown>(
  'a finite number or a string',
  (u): u is number | string => typeof u === 'string' || (typeof u === 'number' && Number.isFinite(u)),
  (u, c) => (typeof u === 'string' || (typeof u === 'number' && Number.isFinite(u)) ? t.success(u) : t.failure(u, c)),
  (v) => v,
)

// a job names no folder: where a worker saves checkpoints is its own --checkpoints flag
const TrialJobC = struct('a trial job', { kind: t.literal('trial'), config: RunConfigC, point: recordOf(PointValue) })
const MemberJobC = struct('an ensemble member job', { kind: t.literal('member'), config: RunConfigC, member: NonNegativeInt })

/** A job's data: a search trial or an ensemble member. */
export const JobC = tagged('a job', 'kind', { trial: TrialJobC, member: MemberJobC })
export type TrialJob = t.TypeOf<typeof TrialJobC>
export type MemberJob = t.TypeOf<typeof MemberJobC>
export type Job = TrialJob | MemberJob

// `job`: the id the worker computed from the data it ran, checked by the coordinator against the job it enqueued
const common = { job: NonEmptyString, epochs: NonNegativeInt, seconds: AnyNumber, worker: NonEmptyString }

/** What a worker reports for a trial (score NaN and `error` when it failed or diverged). */
export const TrialOutC = struct('a trial result', { score: AnyNumber, ...common }, { trainAccuracy: AnyNumber, finalLoss: AnyNumber, error: t.string, checkpoint: t.string })
/** What a worker reports for an ensemble member: its test accuracy and test-set class probabilities. */
export const MemberOutC = struct('an ensemble member result', { accuracy: AnyNumber, proba: TensorC, ...common }, { error: t.string })
export type TrialOut = t.TypeOf<typeof TrialOutC>
export type MemberOut = t.TypeOf<typeof MemberOutC>

/** JSON with every object's keys sorted (the same data gives the same text). */
function canonical(u: unknown): string {
  if (Array.isArray(u)) return `[${u.map(canonical).join(',')}]`
  if (typeof u === 'object' && u !== null)
    return `{${Object.keys(u).sort().filter((k) => (u as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((u as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(u)
}

/** The job's id: its kind and a hash of its data (BullMQ refuses ':' and all-digit ids; this has neither). */
export function jobId(job: Job): string {
  return `${job.kind}-${createHash('sha256').update(canonical(JobC.encode(job))).digest('hex').slice(0, 32)}`
}
