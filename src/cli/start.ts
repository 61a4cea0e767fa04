/**
 * `npm start`: the main job with no arguments — a small convnet on full MNIST (the official 60,000
 * training digits, 5,000 of them held out for validation, and the official 10,000 test digits),
 * babysitting checks first, a progress bar, per-epoch validation accuracy, the report in report/
 * (report/index.html, with the first-layer filters), and `test accuracy: NN.N%` as the last line.
 */
import * as E from 'fp-ts/lib/Either.js'
import { startRunConfig } from '../train/config.js'
import { runTraining } from './run.js'

const r = runTraining(startRunConfig, { report: 'report' })
if (E.isLeft(r)) {
  console.error(`symgrad: ${r.left.message}`)
  process.exit(1)
}
