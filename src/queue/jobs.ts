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
import { isRecord, NonEmptyString, NonNegativeInt, recordOf, struct, tagged } from '../core/codecs.js'
import { AnyNumber, TensorC } from '../io/codecs.js'
import type { RunConfig } from '../train/config.js'

/** The one BullMQ queue every coordinator enqueues into and every `symgrad worker` pulls from. */
export const QUEUE_NAME = 'symgrad-jobs'

const PointValue = new t.Type<number | string, number | string, unknown>(
  'a finite number or a string',
  (u): u is number | string => typeof u === 'string' || (typeof u === 'number' && Number.isFinite(u)),
  (u, c) => (typeof u === 'string' || (typeof u === 'number' && Number.isFinite(u)) ? t.success(u) : t.failure(u, c)),
  (v) => v,
)

/**
 * A job's run config: a JSON record here, decoded by the worker against its own registries (the
 * built-ins and its own --with modules): the config names records (optimizer, layer kinds, inits),
 * and a name the worker lacks fails the job with one line (records/recordNames.ts).
 */
const JobConfigC = new t.Type<Readonly<Record<string, unknown>>, Readonly<Record<string, unknown>>, unknown>(
  'a run config (a record)',
  (u): u is Readonly<Record<string, unknown>> => isRecord(u),
  (u, c) => (isRecord(u) ? t.success(u) : t.failure(u, c)),
  (r) => r,
)

// a job names no folder: where a worker saves checkpoints is its own --checkpoints flag; and no code: only record names
const TrialJobC = struct('a trial job', { kind: t.literal('trial'), config: JobConfigC, point: recordOf(PointValue) })
const MemberJobC = struct('an ensemble member job', { kind: t.literal('member'), config: JobConfigC, member: NonNegativeInt })

/** A run config as a job carries it (JSON data: the record names it uses, never code). */
export function jobConfig(c: RunConfig): Readonly<Record<string, unknown>> {
  return { ...c }
}

/** A job's data: a search trial or an ensemble member. */
export const JobC = tagged('a job', 'kind', { trial: TrialJobC, member: MemberJobC })
/** A search trial as a queue job: the run config and point to train. */
export type TrialJob = t.TypeOf<typeof TrialJobC>
/** An ensemble member as a queue job: the run config and member seed to train. */
export type MemberJob = t.TypeOf<typeof MemberJobC>
/** A queue job: a search trial or an ensemble member. */
export type Job = TrialJob | MemberJob

// `job`: the id the worker computed from the data it ran, checked by the coordinator against the job it enqueued
const common = { job: NonEmptyString, epochs: NonNegativeInt, seconds: AnyNumber, worker: NonEmptyString }

/** What a worker reports for a trial (score NaN and `error` when it failed or diverged). */
export const TrialOutC = struct('a trial result', { score: AnyNumber, ...common }, { trainAccuracy: AnyNumber, finalLoss: AnyNumber, error: t.string, checkpoint: t.string })
/** What a worker reports for an ensemble member: its test accuracy and test-set class probabilities. */
export const MemberOutC = struct('an ensemble member result', { accuracy: AnyNumber, proba: TensorC, ...common }, { error: t.string })
/** What a worker returns for a trial: its score and counters, checked by the coordinator. */
export type TrialOut = t.TypeOf<typeof TrialOutC>
/** What a worker returns for an ensemble member: its accuracy and test probabilities. */
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
