/** Worker thread of `symgrad search`: receives {base, point, trial} messages, replies with TrialResults. */
import { parentPort } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import { decodeRunConfig } from '../io/runConfig.js'
import { pointFields, type RunConfig } from '../train/config.js'
import type { Point } from '../train/search.js'
import { runTrial } from '../train/trial.js'
import { loadData } from './data.js'

parentPort?.on('message', (m: { base: RunConfig; point: Point; trial: number }) => {
  const data = loadData(m.base)
  if (E.isLeft(data)) parentPort!.postMessage({ trial: m.trial, point: m.point, score: NaN, error: data.left.message })
  else {
    // a point outside a field's range (e.g. a space reaching lr ≤ 0) is a failed trial with the decoder's message
    const c = decodeRunConfig(pointFields(m.point), m.base, 'trial')
    parentPort!.postMessage(E.isLeft(c) ? { trial: m.trial, point: m.point, score: NaN, error: c.left.message } : runTrial(c.right, m.point, m.trial, data.right))
  }
})
