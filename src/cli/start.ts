/**
 * `npm start`: the main job with no arguments — a small convnet on full MNIST (the official 60,000
 * training digits, 5,000 of them held out for validation, and the official 10,000 test digits),
 * babysitting checks first, a progress bar, per-epoch validation accuracy, the report in report/
 * (report/index.html, with the first-layer filters), and `test accuracy: NN.N%` as the last line.
 * float32 when the float32 check holds for the net (it does), on every core; `npm start --
 * --threads 1`, `--dtype float64`, `--epochs N` and `--report <folder>` change the job
 * (bench/main.ts runs it so).
 */
import * as E from 'fp-ts/lib/Either.js'
import { startRunConfig } from '../train/config.js'
import { ArgError, parseArgs, type FlagSpec } from './args.js'
import { configFlags, configFromArgs } from './commands.js'
import { runTraining } from './run.js'
import { enableRelaxedSimd } from '../runner/relaxedSimd.js'

const startFlags: Record<string, FlagSpec> = {
  threads: configFlags['threads']!, dtype: configFlags['dtype']!, epochs: configFlags['epochs']!,
  report: { kind: 'string', help: 'report folder   [report]' },
}

enableRelaxedSimd()
try {
  const a = parseArgs(process.argv.slice(2), startFlags, 'start')
  const r = runTraining(configFromArgs(a, { base: startRunConfig }), { report: typeof a.flags['report'] === 'string' ? a.flags['report'] : 'report' })
  if (E.isLeft(r)) {
    console.error(`symgrad: ${r.left.message}`)
    process.exit(1)
  }
} catch (e) {
  if (!(e instanceof ArgError)) throw e
  console.error(`symgrad: ${e.message}`)
  process.exit(2)
}
