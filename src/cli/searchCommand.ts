/**
 * `symgrad search`: random (default) or grid search over a space, short trials on worker threads,
 * optional coarse-to-fine rounds, a ranked table per round, and the best configuration as JSON.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../core/Random.js'
import { checkFolderWritable, checkWritable, readJsonFile, reason, writeFileAtomic, writeTarget } from '../io/atomic.js'
import { within } from '../io/limits.js'
import { searchSvg } from '../train/searchPlot.js'
import { checkRoundSize, checkRun, checkSearchable, cliLimits, roundSize } from '../runner/checks.js'
import { loadData } from '../runner/data.js'
import { decodeRunConfig } from '../records/runConfig.js'
import { decodeSpace } from '../records/searchSpace.js'
import { defaultRunConfig, pointFields } from '../train/config.js'
import { choice, formatTable, gridSearch, logUniform, randomSearch, rank, refine, type Space, type TrialResult } from '../train/search.js'
import { ArgError, type ParsedArgs } from './args.js'
import { configFromArgs, inFile, orExit } from './commands.js'
import type { CommandOptions } from './context.js'
import { runTrials } from './pool.js'
import { loadQueue, queueTarget } from './queueCommands.js'

/** Learning rate and L2 strength on log scales (the usual coarse search), hidden width as a choice. */
export const defaultSpace: Space = { learningRate: logUniform(1e-3, 0.3), l2: logUniform(1e-6, 1e-2), hidden: choice(50, 100, 200) }

/**
 * Trials run on worker threads, each loading the command's --with modules into its own registries,
 * or on queue workers, which resolve the records a job names in theirs; `o.registries` checks the run here.
 */
export async function searchCommand(a: ParsedArgs, o: CommandOptions): Promise<number> {
  const { registries } = o
  let base = configFromArgs(a, { base: { ...defaultRunConfig, epochs: 1, shift: 0 }, registries, command: 'search' })
  let space = defaultSpace
  const spaceFile = a.flags['space']
  if (typeof spaceFile === 'string') space = orExit(E.chain((j: unknown) => inFile(spaceFile, decodeSpace(j)))(readJsonFile(spaceFile, 'config')))
  const num = (k: string, d: number) => {
    const v = a.flags[k] ?? d
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ArgError(`search: --${k} must be a positive integer, got ${String(v)}`)
    return v
  }
  const trials = num('trials', 8)
  const rounds = num('rounds', 1)
  const grid = a.flags['grid'] === undefined ? undefined : num('grid', 3)
  const asked = a.flags['workers'] === undefined ? undefined : num('workers', 1)
  const limits = orExit(cliLimits())
  // a convnet's or a layer list's fit to the data is checked here once (an mlp fits any rows; its sizes are checked per trial)
  if ((base.model ?? 'mlp') !== 'mlp' || base.layers !== undefined) orExit(checkRun(base, orExit(loadData(base)), limits, { registries }))
  orExit(checkSearchable(space))
  orExit(checkRoundSize(space, trials, grid, limits))
  orExit(within(limits, 'trials', rounds * roundSize(space, trials, grid), '--rounds', `${rounds} rounds of ${roundSize(space, trials, grid)} trials`))
  if (asked !== undefined) orExit(within(limits, 'trials', asked, '--workers', `${asked} worker threads`))
  // the machine's cores shared out: trials side by side on workers, each step on its threads
  const cores = availableParallelism()
  const workers = asked ?? (base.threads !== undefined ? Math.max(1, Math.floor(cores / base.threads)) : cores)
  const threads = base.threads ?? Math.max(1, Math.floor(cores / Math.min(workers, roundSize(space, trials, grid))))
  // the best config keeps only a thread count the user set (the search's share of the cores is not the run's)
  const asGiven = base
  base = { ...base, threads }
  const out = typeof a.flags['out'] === 'string' ? a.flags['out'] : 'report/best-config.json'
  // every output is checked before any trial runs; nothing is created until the best config is written
  orExit(checkFolderWritable(dirname(out)))
  if (existsSync(out)) orExit(checkWritable(out))
  else orExit(writeTarget(out))
  // a job names no folder on a worker's machine: each worker saves to its own --checkpoints
  if (a.flags['checkpoints'] !== undefined) throw new ArgError('search: --checkpoints is a worker\'s flag: start the workers with symgrad worker --queue … --checkpoints <folder> (each saves the trials it runs there)')
  const target = await queueTarget(a, 'search')
  const key = R.key(base.seed)
  const spaceOfAll = space
  const all: TrialResult[] = []
  const roundOf: number[] = []
  for (let round = 0; round < rounds; round++) {
    const points = grid !== undefined ? gridSearch(space, grid) : randomSearch(space, R.foldIn(key, round), trials)
    console.log(`${round === 0 ? '' : '\n'}round ${round + 1}/${rounds}: ${points.length} ${grid !== undefined ? 'grid' : 'random'} trials of ${base.epochs} epoch(s) on ${base.data}, ${target ? '' : `${Math.min(workers, points.length)} at a time, `}${base.dtype ?? 'float64'} steps on ${base.dtype === 'float32' ? threads : 1} thread${base.dtype === 'float32' && threads > 1 ? 's' : ''} each, space ${JSON.stringify(space)}`)
    const t0 = Date.now()
    const results = target
      ? await (await loadQueue(() => import('../queue/search.js'))).queueTrials(target, base, points, { label: `round ${round + 1}/${rounds}: `, progress: (l) => console.log(l), limits, registries })
      : await runTrials(base, points, { workers, with: o.withModules, onResult: (_r, done) => process.stdout.isTTY && process.stdout.write(`\r${done}/${points.length} trials done`) })
    if (process.stdout.isTTY && !target) process.stdout.write('\r')
    console.log(formatTable(results))
    console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    all.push(...results.map((r) => ({ ...r, trial: all.length + r.trial })))
    roundOf.push(...results.map(() => round))
    if (round + 1 < rounds) space = refine(space, results)
  }
  const best = rank(all)[0]
  if (!best || Number.isNaN(best.score)) return (console.error('symgrad: every trial failed'), 1)
  const cfg = decodeRunConfig({ ...pointFields(best.point), epochs: defaultRunConfig.epochs }, { base: asGiven, registries })
  if (cfg._tag === 'Left') return (console.error(`symgrad: ${cfg.left.message}`), 1)
  try {
    mkdirSync(dirname(out), { recursive: true })
  } catch (e) {
    return (console.error(`symgrad: cannot write ${out}: ${reason(e)}`), 1)
  }
  const w = writeFileAtomic(out, JSON.stringify(cfg.right, null, 2) + '\n')
  if (E.isLeft(w)) return (console.error(`symgrad: ${w.left.message}`), 1)
  console.log(`best: trial ${best.trial}, validation accuracy ${(best.score * 100).toFixed(1)}% → ${out} (train it: symgrad train --config ${out})`)
  // lecture 5's picture: validation accuracy against each hyperparameter, next to the best config
  const picture = join(dirname(out), 'search.svg')
  const wp = writeFileAtomic(picture, searchSvg(all, roundOf, spaceOfAll))
  if (E.isLeft(wp)) return (console.error(`symgrad: ${wp.left.message}`), 1)
  console.log(`trials pictured: ${picture}`)
  if (best.checkpoint !== undefined) console.log(`its checkpoint: ${best.checkpoint}`)
  return 0
}
