/**
 * `symgrad train`: one run from flags and/or a JSON config, optionally saved as a checkpoint
 * (`--save f.json`, atomically, at the end or also after every epoch with `--save-every-epoch`) and
 * continued from one (`--resume f.json [--epochs N]`, bit for bit the uninterrupted run; other flags
 * that change the saved run are accepted with one note on stderr naming each changed field).
 *
 * Bad input of every kind is an ArgError (one line, exit status 2), found before training starts:
 * the config, the data files, the checkpoint (format, version, model, optimizer state, position),
 * the data against the checkpoint's model, the size limits, and every output: the --save path
 * (a real write probe with room for the checkpoint, and an exclusive lock held for the whole run,
 * so a second run saving to the same file is refused) and the --report folder. The checkpoint is
 * written before the report, so a report that cannot be written never costs the trained state.
 */
import * as E from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import * as D from '../data/Dataset.js'
import { countBatches } from '../data/batches.js'
import { checkFolderWritable, checkWritable, lockForWriting } from '../io/atomic.js'
import { saveCheckpoint } from '../records/files.js'
import { checkpointSizeEstimate } from '../io/checkpointSize.js'
import { checkRun, cliLimits } from '../runner/checks.js'
import { decodeCheckpoint, type Loaded } from '../records/checkpoint.js'
import { checkDataFits } from '../records/spec.js'
import { buildModel, buildTrainConfig, convnetRunConfig, defaultRunConfig, modelFor, type RunConfig } from '../train/config.js'
import type { TrainState } from '../train/TrainState.js'
import { ArgError, type ParsedArgs } from './args.js'
import { configFromArgs, orExit } from './commands.js'
import { checkpointJson } from './withFlag.js'
import type { CommandOptions } from './context.js'
import { loadData, type LoadedData } from '../runner/data.js'
import { runTraining } from './run.js'
import { checkFineTune } from '../train/finetune.js'

/** The Right value, or an ArgError naming the file. */
const prefixed = <A>(path: string, r: E.Either<SymgradError, A>): A => orExit(E.mapLeft((e: SymgradError) => new SymgradError(e.kind, `${path}: ${e.message}`))(r))

/** The checkpoint at `path` decoded (first against itself, to read its run), its run with the flags laid over. */
function resume(path: string, a: ParsedArgs, o: CommandOptions): { c: RunConfig; data: LoadedData; from: TrainState } {
  const { registries } = o
  const json = checkpointJson(path, o, 'train')
  const first: Loaded = prefixed(path, decodeCheckpoint(json, { registries }))
  if (first.note !== undefined) throw new ArgError(`${path}: ${first.note}; it cannot be resumed as the same run`)
  if (first.run === undefined) throw new ArgError(`${path}: checkpoint.run: missing, expected the run config that symgrad train --save writes (this checkpoint cannot be resumed from the command line)`)
  // a run saved without a dtype trained in float64 (the default before the command line checked float32)
  const saved: RunConfig = { dtype: 'float64', ...first.run }
  const c = configFromArgs(a, { base: saved, registries })
  const data = orExit(loadData(c))
  prefixed(path, checkDataFits(first.spec, data.train))
  const build = { ...(data.image !== undefined ? { image: data.image } : {}), registries }
  const config = buildTrainConfig(c, D.size(data.train), build)
  const model = orExit(modelFor(c, D.features(data.train), data.train.classes, build))
  // the flags may not turn the run into another model or optimizer: decoded again against them
  const loaded = prefixed(path, decodeCheckpoint(json, { spec: model.spec, optimizer: config.optimizer, registries }))
  const st = loaded.state
  const per = countBatches(D.size(data.train), c.batchSize)
  if (st.batch >= per) throw new ArgError(`${path}: checkpoint.state.batch: expected 0..${per - 1} (${per} batches per epoch), got ${st.batch}`)
  if (st.status === 'nonFinite') throw new ArgError(`${path}: the saved run stopped on a non-finite value; it cannot be continued`)
  if (st.epoch >= c.epochs) throw new ArgError(`${path}: the saved run has trained ${st.epoch} epoch${st.epoch === 1 ? '' : 's'} already; pass --epochs N with N > ${st.epoch} to continue it`)
  const changed = changedFields(saved, c)
  if (changed.length > 0) o.err(`symgrad: note: --resume with changed ${changed.join(', ')}: the run is no longer the uninterrupted one`)
  return { c, data, from: st.status === 'done' ? { ...st, status: 'running' } : st }
}

const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(',')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))

/**
 * The fields of `now` that differ from the saved run, as `learningRate (0.05 → 0.1)`; `epochs` is
 * left out (raising it is how a run is continued, and the uninterrupted run does not depend on it),
 * and so is `threads` (the bits do not depend on it).
 */
export function changedFields(saved: RunConfig, now: RunConfig): string[] {
  return (Object.keys(now) as (keyof RunConfig)[])
    .filter((k) => k !== 'epochs' && k !== 'threads' && show(saved[k]) !== show(now[k]))
    .map((k) => `${k} (${show(saved[k])} → ${show(now[k])})`)
}

/** `o.err` receives the one-line notes (a --resume that changes the run); errors are thrown as ArgError; names resolve through `o.registries`. */
export function trainCommand(a: ParsedArgs, o: CommandOptions): number {
  const { registries } = o
  const resumePath = a.flags['resume']
  const save = a.flags['save']
  const every = a.flags['save-every-epoch'] === true
  if (every && typeof save !== 'string') throw new ArgError('train: --save-every-epoch needs --save <checkpoint.json>')
  const r0 = typeof resumePath === 'string' ? resume(resumePath, a, o) : undefined
  const convnet = a.flags['model'] === 'convnet' || a.flags['model'] === 'lenet'
  const c = r0?.c ?? configFromArgs(a, { base: convnet ? convnetRunConfig : defaultRunConfig, perData: true, registries })
  const data = r0?.data ?? orExit(loadData(c))
  const limits = orExit(cliLimits())
  orExit(checkRun(c, data, limits, { registries }))
  const report = typeof a.flags['report'] === 'string' ? a.flags['report'] : 'report'
  orExit(checkFolderWritable(report))
  const model = buildModel(c, D.features(data.train), data.train.classes, { ...(data.image !== undefined ? { image: data.image } : {}), registries })
  // a config's freeze / lrMult must name layers of this model (a name that matches none would freeze nothing)
  orExit(checkFineTune(model, c, { freeze: 'config.freeze', lrMult: 'config.lrMult' }))
  // the checkpoint's tensors and the history of the whole run (checkpointSize.ts), so a long run cannot fail at its last write
  const steps = Math.min(c.epochs * countBatches(D.size(data.train), c.batchSize), c.maxSteps ?? Infinity)
  if (typeof save === 'string') orExit(checkWritable(save, checkpointSizeEstimate({ paramShapes: model.paramShapes, stateShapes: model.stateShapes, steps, epochs: c.epochs })))
  const release = typeof save === 'string' ? orExit(lockForWriting(save)) : () => {}
  try {
    const spec = model.spec
    const write = (state: TrainState, run: RunConfig) => saveCheckpoint(save as string, { spec, run, state, ...(data.input ? { input: data.input } : {}) }, { registries })
    const r = runTraining(c, {
      registries,
      report,
      babysit: a.flags['no-babysit'] !== true,
      data,
      ...(r0 ? { from: r0.from } : {}),
      ...(every ? { afterEpoch: write } : typeof save === 'string' ? { afterTraining: write } : {}),
    })
    if (E.isLeft(r)) return (console.error(`symgrad: ${r.left.message}`), 1)
    if (typeof save === 'string') console.log(`checkpoint: ${save} (epoch ${r.right.state.epoch}, step ${r.right.state.step}; continue with symgrad train --resume ${save} --epochs N)`)
    return 0
  } finally {
    release()
  }
}
