/**
 * One training run from a RunConfig, as `npm start` and `symgrad train` do it: babysitting checks
 * first (loss at init, overfit 20 examples), training with a progress bar and per-epoch validation
 * accuracy, the history checks (finite, loss decrease, update ratios, dead ReLUs), the test
 * accuracy, and a report folder. Returns the test accuracy (NaN when training stopped on a NaN).
 */
import * as E from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import * as D from '../data/Dataset.js'
import { describeArchitecture, describeOptimizer, buildModel, buildTrainConfig, type RunConfig, type TrainRegistries } from '../train/config.js'
import {
  checkDeadRelus, checkInitialLoss, deadRelus, diagnoseRun, initialLoss, overfitTiny, pct, type Check,
} from '../train/diagnostics.js'
import { evaluateAccuracy, initTrainState, train } from '../train/loop.js'
import type { ThreadPool } from '../compile/threads.js'
import { threadPool } from '../runner/threads.js'
import { setupRun } from './runSetup.js'
import { buildPrograms } from '../train/programs.js'
import type { TrainState } from '../train/TrainState.js'
import { loadData, type LoadedData } from '../runner/data.js'
import type { Model } from '../nn/model.js'
import { summary } from '../nn/summary.js'

const paramCount = (m: Model): number => Object.values(m.paramShapes).reduce((a, s) => a + s.reduce((p, d) => p * d, 1), 0)
import { progress } from './progress.js'
import { writeReport } from './reportFiles.js'
import { formatHazards } from '../compile/analyze.js'
import { nodeForm } from '../compile/nodeForm.js'
import { checkModel, observedRange } from '../train/hazards.js'
import type { PixelInput } from '../data/pixels.js'
import { decisionBoundary } from '../train/boundary.js'

export interface RunOptions {
  /** The registries the run's names (layers, inits, optimizer) and its ops' code resolve through (default: the built-ins). */
  readonly registries?: TrainRegistries
  /** Report folder; none when undefined. */
  readonly report?: string
  /** Run the babysitting checks before training (default true). */
  readonly babysit?: boolean
  readonly log?: (line: string) => void
  /** The data, when already loaded (default: loadData(c)). */
  readonly data?: LoadedData
  /** Continue this state (a resumed checkpoint) instead of a fresh one; the babysitting checks are skipped. */
  readonly from?: TrainState
  /** The line saying where `from` comes from (default: `resuming at epoch e, step s`). */
  readonly fromNote?: string
  /** Called with the state after each epoch and the run, its dtype resolved (save that one: a resumed run keeps it); a Left stops the run with it. */
  readonly afterEpoch?: (st: TrainState, run: RunConfig) => E.Either<SymgradError, void>
  /** Called with the final state and the run (dtype resolved) before the report is written (e.g. to save the checkpoint first); a Left stops the run with it. */
  readonly afterTraining?: (st: TrainState, run: RunConfig) => E.Either<SymgradError, void>
}

export interface RunResult {
  readonly testAccuracy: number
  readonly validationAccuracy: number
  readonly seconds: number
  readonly checks: readonly Check[]
  readonly state: TrainState
  /** The run as trained: its dtype resolved (runSetup.ts). */
  readonly run: RunConfig
  /** Threads the step ran on. */
  readonly threads: number
}

const mark = (c: Check): string => `${c.ok ? '  ok  ' : '  WARN'} ${c.message}`

/**
 * The hazards block of the run's graph (from `state`, a fresh run's fitted initial state, else
 * fitting on x); a preprocessing fit that fails is said there (initTrainState reports it). The
 * inputs' range is x's observed one, or [0, 255 / scale] where this run's loader made the rows from
 * 8-bit pixels (`pixels`): the same bound without a pass over every entry.
 */
function hazardLines(model: ReturnType<typeof buildModel>, c: RunConfig, x: Tensor, state: TrainState['modelState'] | undefined, pixels: PixelInput | undefined): string[] {
  try {
    const range = pixels !== undefined ? { lo: 0, hi: 255 / pixels.scale } : observedRange(x)
    return formatHazards(checkModel(model, { loss: c.loss, x: range, dtypes: [c.dtype ?? 'float64'], ...(state !== undefined ? { state } : { fitOn: x }) }).analysis, (e) => nodeForm(e, 3)).split('\n')
  } catch (e) {
    if (e instanceof SymgradError) return [`hazards: not analyzed (${e.message})`]
    throw e
  }
}

export function runTraining(c: RunConfig, o: RunOptions = {}): E.Either<SymgradError, RunResult> {
  const pools: ThreadPool[] = []
  try {
    return runWith(c, o, (n) => {
      const p = threadPool(n)
      pools.push(p)
      return p
    })
  } finally {
    for (const p of pools) void p.close()
  }
}

function runWith(c0: RunConfig, o: RunOptions, pool: (threads: number) => ThreadPool): E.Either<SymgradError, RunResult> {
  const log = o.log ?? console.log
  const t0 = Date.now()
  const data = o.data ? E.right(o.data) : loadData(c0)
  if (E.isLeft(data)) return data
  const { train: tr, validation, test, image } = data.right
  const build = { ...(image !== undefined ? { image } : {}), ...(o.registries !== undefined ? { registries: o.registries } : {}) }
  const model = buildModel(c0, D.features(tr), tr.classes, build)
  const arch = `${describeArchitecture(c0, D.features(tr), tr.classes)}${(c0.model ?? 'mlp') === 'mlp' && c0.layers === undefined ? '' : ` (${paramCount(model)} parameters)`}`
  const config = buildTrainConfig(c0, D.size(tr), build)
  const pre = model.layers[0] !== undefined && model.layers[0].def.fit !== undefined ? `, preprocessing ${model.layers[0].spec.kind} (layer '${model.layers[0].spec.name}', fitted on the training split)` : ''
  const checks: Check[] = []
  let s0: TrainState
  try {
    s0 = o.from ?? initTrainState(model, config, tr.x) // fits the preprocessing layer on the training split
  } catch (e) {
    if (e instanceof SymgradError) return E.left(e)
    throw e
  }
  // the dtype (the float32 check when the run names none) and threads, before the header states them
  const setup = setupRun(c0, model, config, s0, tr, pool)
  const c = setup.run
  // the graph's numeric hazards over the data's observed range, in the run's number format
  // pixels as this run's loader made them (data handed in says nothing the loader vouched for)
  const hazards = hazardLines(model, c, tr.x, o.from === undefined ? s0.modelState : undefined, o.data === undefined ? data.right.input : undefined)
  log(`symgrad: ${c.data} (${D.size(tr)} train / ${D.size(validation)} validation / ${D.size(test)} test), ` +
    `${arch}${pre}, ` +
    `batch ${c.batchSize}, ${c.epochs} epochs, L2 λΣW² with λ = ${c.l2}, seed ${c.seed}, ${setup.note}`)
  log(`optimizer: ${describeOptimizer(c)}`)
  if (o.from) log(o.fromNote ?? `resuming at epoch ${s0.epoch + 1}, step ${s0.step}`)
  else if (o.babysit !== false) {
    log(hazards.join('\n'))
    log('babysitting checks:')
    // in the run's dtype, on its threads: the checks run the programs the run will (one compile for
    // both), and a run without regularization trains with the very same (its fused step compiled
    // once, for the overfit check: the schedule is a scalar input, not part of the program)
    const unregularized = (config.regularization ?? { kind: 'none' }).kind === 'none' && config.layerModes === undefined
    const plain = unregularized ? setup.programs : buildPrograms(model, c.loss, { kind: 'none' }, setup.compile)
    const init = checkInitialLoss(initialLoss(model, s0.params, s0.modelState, tr, c.loss, undefined, plain), c.loss, tr.classes)
    log(mark(init))
    const tiny = overfitTiny(model, tr, { optimizer: buildTrainConfig({ ...c, schedule: 'constant' }, 20, build).optimizer, key: config.key, loss: c.loss, epochs: 100, programs: plain })
    log(mark(tiny))
    checks.push(init, tiny)
  }

  const programs = setup.programs
  const cfg = { ...config, programs, ...progress(c.epochs, log) }
  let st = s0
  if (o.afterEpoch === undefined) st = train(model, { train: tr, validation }, cfg, s0)
  else
    // one epoch per call, the same steps as one call (batches and keys depend on epoch and step only)
    while (st.status === 'running' && st.epoch < c.epochs) {
      st = train(model, { train: tr, validation }, { ...cfg, epochs: st.epoch + 1 }, st)
      if (st.status === 'done' && st.epoch < c.epochs) st = { ...st, status: 'running' }
      if (st.status === 'nonFinite') break
      const saved = o.afterEpoch(st, c)
      if (E.isLeft(saved)) return saved
    }
  const after = [...diagnoseRun(st, model.weights(), { init: c.init })]
  if (st.status !== 'nonFinite') after.push(...checkDeadRelus(deadRelus(model, st.params, st.modelState, tr, undefined, setup.compile), 0.5, { init: c.init }))
  log('after training:')
  for (const ch of after) log(mark(ch))
  checks.push(...after)

  const testAccuracy = st.status === 'nonFinite' ? NaN : evaluateAccuracy(programs, st.params, st.modelState, test)
  const validationAccuracy = st.history.epochs[st.history.epochs.length - 1]?.validationAccuracy ?? NaN
  const seconds = (Date.now() - t0) / 1000
  // the checkpoint before the report: a report that cannot be written never costs the trained state
  if (o.afterTraining !== undefined && !st.nonFinite) {
    const saved = o.afterTraining(st, c)
    if (E.isLeft(saved)) return saved
  }
  if (o.report !== undefined) {
    // the first weight a layer declares (a conv's filters, a dense layer's W) is drawn as filters
    const first = Object.keys(model.weights())[0]
    const w = first === undefined ? undefined : st.params[first]
    const page = writeReport({
      dir: o.report, title: `symgrad: ${c.data}, ${arch}`, checks, hazards, state: st,
      facts: [
        ['test accuracy', pct(testAccuracy)], ['final validation accuracy', pct(validationAccuracy)],
        ['model', summary(model)],
        ['steps', String(st.step)], ['status', st.status], ['wall time', `${seconds.toFixed(1)} s`],
        ['config', Object.entries(c).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n')],
      ],
      ...(w && image ? { firstLayer: { w, image } } : {}),
      ...(D.features(tr) === 2 && st.status !== 'nonFinite' ? { boundary: decisionBoundary(tr, (x) => programs.predict(st.params, st.modelState, x)) } : {}),
    })
    if (E.isLeft(page)) return page
    log(`report: ${page.right}`)
  }
  log(`wall time: ${seconds.toFixed(1)} s`)
  if (st.nonFinite) return E.left(new SymgradError('value', st.nonFinite.message))
  log(`test accuracy: ${(testAccuracy * 100).toFixed(1)}%`)
  return E.right({ testAccuracy, validationAccuracy, seconds, checks, state: st, run: c, threads: setup.threads })
}
