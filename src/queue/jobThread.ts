/**
 * The worker thread of `symgrad worker`: runs one job at a time (a search trial or an ensemble
 * member) and posts back its result. Training runs here, off the worker's main thread, so the main
 * thread keeps renewing the job's lock in Redis while a long trial trains, and can stop a job that
 * overruns its time budget by ending this thread.
 *
 * Before training, a job is checked like a run on the command line (the size limits, the class
 * limit) and against its estimated memory and least time (train/budget.ts); a job that fails a
 * check is refused, never started. What goes back to Redis never quotes a file the job names: a
 * data file that does not read is reported by its name and the kind of failure only.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parentPort } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import { quote } from '../core/codecs.js'
import type { SymgradError } from '../core/errors.js'
import * as D from '../data/Dataset.js'
import { saveCheckpoint } from '../records/files.js'
import type { Limits } from '../io/limits.js'
import { checkRun } from '../runner/checks.js'
import { loadData, type LoadedData } from '../runner/data.js'
import { checkRunCost, runCost } from '../train/budget.js'
import { buildModel, buildTrainConfig, type RunConfig } from '../train/config.js'
import { memberPrograms, trainMember } from '../train/ensemble.js'
import { trainTrial } from '../train/trial.js'
import type { MemberOut, TrialOut } from './jobs.js'
import { threadRegistries } from '../runner/records.js'
import type { Registries } from '../records/Registries.js'

/** What the worker itself decides, never the job: where checkpoints go, the limits, the time budget. */
export interface JobRules {
  /** The worker's --checkpoints folder (absent: no checkpoints are saved). */
  readonly checkpoints?: string
  readonly limits: Limits
  readonly maxSeconds: number
}

export type ThreadRequest =
  | { readonly kind: 'trial'; readonly id: string; readonly config: RunConfig; readonly point: Readonly<Record<string, number | string>>; readonly worker: string; readonly rules: JobRules }
  | { readonly kind: 'member'; readonly id: string; readonly config: RunConfig; readonly member: number; readonly worker: string; readonly rules: JobRules }

/** The job was refused before training (`reason` goes to Redis; `detail`, the whole message, to the worker's log only). */
export type ThreadReply = { readonly kind: 'refused'; readonly reason: string; readonly detail: string } | { readonly kind: 'done'; readonly out: TrialOut | MemberOut }

/** A job's id is `<kind>-<32 hex digits>` (jobs.ts): anything else never becomes part of a file name. */
const SAFE_ID = /^(trial|member)-[0-9a-f]{32}$/

/** File-system failures (`cannot read <path>: permission denied (EACCES)`, sizes over a limit) say nothing of a file's contents; other failures may quote it. */
function dataFailure(data: string, e: SymgradError): string {
  return e.kind === 'io' ? e.message.split('\n')[0]! : `the data ${quote(data, 80)} was refused by this worker's reader (a ${e.kind} error; the worker's log has the reason)`
}

type Ready = { readonly data: LoadedData; readonly refused?: undefined } | { readonly refused: ThreadReply }

function prepare(r: ThreadRequest, registries: Registries): Ready {
  const refuse = (reason: string, detail = reason): Ready => ({ refused: { kind: 'refused', reason, detail } })
  const data = loadData(r.config)
  if (E.isLeft(data)) return refuse(dataFailure(r.config.data, data.left), data.left.message)
  const fits = checkRun(r.config, data.right, r.rules.limits, { where: 'job.config.hidden', registries })
  if (E.isLeft(fits)) return refuse(fits.left.message)
  const { train, image } = data.right
  let cost
  try {
    cost = runCost(r.config, buildModel(r.config, D.features(train), train.classes, { ...(image !== undefined ? { image } : {}), registries }), D.size(train))
  } catch (e) {
    return refuse(e instanceof Error ? e.message.split('\n')[0]! : String(e))
  }
  const within = checkRunCost(cost, r.rules.limits, r.rules.maxSeconds, 'job')
  return E.isLeft(within) ? refuse(within.left.message) : { data: data.right }
}

function trial(r: Extract<ThreadRequest, { kind: 'trial' }>, data: LoadedData, t0: number, registries: Registries): TrialOut {
  const seconds = () => (Date.now() - t0) / 1000
  const { result, model, state } = trainTrial(r.config, r.point, 0, data, { registries })
  let checkpoint: string | undefined
  const folder = r.rules.checkpoints
  if (folder !== undefined && result.error === undefined && SAFE_ID.test(r.id)) {
    const path = join(folder, `${r.id}.json`)
    let saved: E.Either<{ message: string }, void>
    try {
      mkdirSync(folder, { recursive: true })
      saved = saveCheckpoint(path, { spec: model.spec, run: r.config, state }, { registries })
    } catch (e) {
      saved = E.left({ message: e instanceof Error ? e.message : String(e) })
    }
    checkpoint = E.isRight(saved) ? `${r.worker.replace(/ .*/, '')}:${path}` : `not saved: ${saved.left.message}`
  }
  return {
    job: r.id, score: result.score, epochs: state.history.epochs.length, seconds: seconds(), worker: r.worker,
    ...(result.trainAccuracy !== undefined ? { trainAccuracy: result.trainAccuracy } : {}),
    ...(result.finalLoss !== undefined ? { finalLoss: result.finalLoss } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(checkpoint !== undefined ? { checkpoint } : {}),
  }
}

function member(r: Extract<ThreadRequest, { kind: 'member' }>, data: LoadedData, t0: number, registries: Registries): MemberOut {
  const { train, validation, test, image } = data
  const model = buildModel(r.config, D.features(train), train.classes, { registries })
  const config = buildTrainConfig(r.config, D.size(train), { ...(image !== undefined ? { image } : {}), registries })
  const m = trainMember(model, { train, validation }, test, { ...config, programs: memberPrograms(model, config) }, r.member)
  return { job: r.id, accuracy: m.accuracy, proba: m.proba, epochs: m.state.history.epochs.length, seconds: (Date.now() - t0) / 1000, worker: r.worker }
}

parentPort?.on('message', (r: ThreadRequest) => void answer(r))

/** The reply to one request, with the registries of the worker's own --with modules (never a path from the job). */
async function answer(r: ThreadRequest): Promise<void> {
  const t0 = Date.now()
  const registries = await threadRegistries()
  if (E.isLeft(registries)) return parentPort!.postMessage({ kind: 'refused', reason: registries.left.message, detail: registries.left.message } satisfies ThreadReply)
  const reg = registries.right
  const ready = prepare(r, reg)
  const reply: ThreadReply = ready.refused !== undefined ? ready.refused : { kind: 'done', out: r.kind === 'trial' ? trial(r, ready.data, t0, reg) : member(r, ready.data, t0, reg) }
  parentPort!.postMessage(reply)
}
