/**
 * The `npm start` job set up as the command line sets it up (train/config.ts, cli/runSetup.ts),
 * float32 on `threads` threads, for the bench scripts that look inside its training fold
 * (bench:fold, profile-fold.ts, busy.ts): data, model, training config, initial state and the
 * compiled programs over pools made by `pool`.
 */
import type { ThreadPool } from '../src/compile/threads.js'
import * as D from '../src/data/Dataset.js'
import type { Dataset } from '../src/data/Dataset.js'
import { loadData } from '../src/runner/data.js'
import { setupRun } from '../src/cli/runSetup.js'
import { buildModel, buildTrainConfig, startRunConfig, type RunConfig } from '../src/train/config.js'
import { initTrainState } from '../src/train/loop.js'

/** The job's parts; `train` as `features` gives it (the loaded training split by default). */
export function startJob(threads: number, pool: (n: number) => ThreadPool, features: (train: Dataset) => Dataset = (t) => t) {
  const run: RunConfig = { ...startRunConfig, dtype: 'float32', threads }
  const loaded = loadData(run)
  if (loaded._tag === 'Left') throw loaded.left
  const { image } = loaded.right
  const tr = features(loaded.right.train)
  const model = buildModel(run, D.features(tr), tr.classes, image !== undefined ? { image } : {})
  const config = buildTrainConfig(run, D.size(tr), image !== undefined ? { image } : {})
  const s0 = initTrainState(model, config, tr.x)
  const setup = setupRun(run, model, config, s0, tr, pool)
  return { run, tr, model, config, s0, programs: setup.programs }
}
