/** Worker thread of `symgrad search`: receives {base, point, trial} messages, replies with TrialResults. */
import { parentPort } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import type { RunConfig } from '../train/config.js'
import type { Point } from '../train/search.js'
import { runTrial } from '../train/trial.js'
import { loadData } from './data.js'

parentPort?.on('message', (m: { base: RunConfig; point: Point; trial: number }) => {
  const data = loadData(m.base)
  if (E.isLeft(data)) parentPort!.postMessage({ trial: m.trial, point: m.point, score: NaN, error: data.left.message })
  else parentPort!.postMessage(runTrial(m.base, m.point, m.trial, data.right))
})
