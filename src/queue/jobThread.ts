/**
 * The worker thread of `symgrad worker`: runs one job at a time (a search trial or an ensemble
 * member) and posts back its result. Training runs here, off the worker's main thread, so the main
 * thread keeps renewing the job's lock in Redis while a long trial trains.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parentPort } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import * as D from '../data/Dataset.js'
import { saveCheckpoint } from '../io/atomic.js'
import { loadData } from '../cli/data.js'
import { buildModel, buildTrainConfig, type RunConfig } from '../train/config.js'
import { memberPrograms, trainMember } from '../train/ensemble.js'
import { trainTrial } from '../train/trial.js'
import type { MemberOut, TrialOut } from './jobs.js'

export type ThreadRequest =
  | { readonly kind: 'trial'; readonly id: string; readonly config: RunConfig; readonly point: Readonly<Record<string, number | string>>; readonly checkpoints?: string; readonly worker: string }
  | { readonly kind: 'member'; readonly id: string; readonly config: RunConfig; readonly member: number; readonly worker: string }

function trial(r: Extract<ThreadRequest, { kind: 'trial' }>, t0: number): TrialOut {
  const data = loadData(r.config)
  const seconds = () => (Date.now() - t0) / 1000
  if (E.isLeft(data)) return { score: NaN, error: data.left.message, epochs: 0, seconds: seconds(), worker: r.worker }
  const { result, model, state } = trainTrial(r.config, r.point, 0, data.right)
  let checkpoint: string | undefined
  if (r.checkpoints !== undefined && result.error === undefined) {
    const path = join(r.checkpoints, `${r.id}.json`)
    let saved: E.Either<{ message: string }, void>
    try {
      mkdirSync(r.checkpoints, { recursive: true })
      saved = saveCheckpoint(path, { spec: model.spec, run: r.config, state })
    } catch (e) {
      saved = E.left({ message: e instanceof Error ? e.message : String(e) })
    }
    checkpoint = E.isRight(saved) ? `${r.worker.replace(/ .*/, '')}:${path}` : `not saved: ${saved.left.message}`
  }
  return {
    score: result.score, epochs: state.history.epochs.length, seconds: seconds(), worker: r.worker,
    ...(result.trainAccuracy !== undefined ? { trainAccuracy: result.trainAccuracy } : {}),
    ...(result.finalLoss !== undefined ? { finalLoss: result.finalLoss } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(checkpoint !== undefined ? { checkpoint } : {}),
  }
}

function member(r: Extract<ThreadRequest, { kind: 'member' }>, t0: number): MemberOut {
  const seconds = () => (Date.now() - t0) / 1000
  const data = loadData(r.config)
  if (E.isLeft(data)) return { accuracy: NaN, proba: { shape: [0], data: new Float64Array(0) }, error: data.left.message, epochs: 0, seconds: seconds(), worker: r.worker }
  const { train, validation, test, image } = data.right
  const model = buildModel(r.config, D.features(train), train.classes)
  const config = buildTrainConfig(r.config, D.size(train), image)
  const m = trainMember(model, { train, validation }, test, { ...config, programs: memberPrograms(model, config) }, r.member)
  return { accuracy: m.accuracy, proba: m.proba, epochs: m.state.history.epochs.length, seconds: seconds(), worker: r.worker }
}

parentPort?.on('message', (r: ThreadRequest) => {
  const t0 = Date.now()
  parentPort!.postMessage(r.kind === 'trial' ? trial(r, t0) : member(r, t0))
})
