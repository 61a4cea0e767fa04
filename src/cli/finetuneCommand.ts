/**
 * `symgrad finetune --from base.json --data fashion --examples 1000 --freeze conv0,conv1
 * [--lr-mult conv=0.1] [--save ft.json]`: the base checkpoint's architecture (its run's model)
 * built for the new data, every leaf of the base that fits copied in by name (nn/transfer.ts),
 * the head — the last layer with parameters — always re-initialised (the new data's classes are
 * not the base's, even when there are as many), the named layers frozen or given a learning-rate
 * multiple (train/finetune.ts), then trained like `symgrad train` (progress, checks, report,
 * checkpoint). The checkpoint's run holds `freeze`, `lrMult` and `examples`, so `symgrad train
 * --resume ft.json --epochs N` continues it.
 *
 * The base's preprocessing layer comes along with its statistics (fitted on the base's data: the
 * copied layers learned on inputs prepared that way). The other fields of the run (optimizer,
 * learning rate, schedule, epochs, batch, …) are the base run's unless a flag sets them. A layer name that is not a layer with parameters, the head in
 * --freeze, a bad multiplier, a base without a run: one line, exit status 2.
 */
import * as E from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import * as D from '../data/Dataset.js'
import { checkFolderWritable, checkWritable, lockForWriting } from '../io/atomic.js'
import { saveCheckpoint } from '../records/files.js'
import { decodeCheckpoint } from '../records/checkpoint.js'
import { quote } from '../core/codecs.js'
import { prefixOf } from '../nn/plan.js'
import { formatTransfer } from '../nn/transfer.js'
import { buildModel, buildTrainConfig, type RunConfig } from '../train/config.js'
import { checkFineTune, fineTuneStart, headLayer, trainableLayers } from '../train/finetune.js'
import type { AnyModel } from '../train/programs.js'
import type { TrainState } from '../train/TrainState.js'
import { checkpointJson } from './withFlag.js'
import { ArgError, type FlagSpec, type ParsedArgs } from './args.js'
import { checkRun, cliLimits } from '../runner/checks.js'
import { configFlags, configFromArgs, inFile, orExit } from './commands.js'
import type { CommandOptions } from './context.js'
import { loadData } from '../runner/data.js'
import { runTraining } from './run.js'

/** The run fields a fine-tuning may change (the architecture is the base's). */
// not --preprocess: the base's preprocessing layer and its fitted statistics are kept (transferred)
const runFlags = ['data', 'examples', 'optimizer', 'lr', 'momentum', 'schedule', 'decay', 'decay-every', 'epochs', 'batch', 'l2', 'shift', 'seed', 'dtype', 'threads'] as const

export const finetuneFlags: Record<string, FlagSpec> = {
  from: { kind: 'string', help: 'the base checkpoint (symgrad train --save); its architecture and run are the starting point' },
  ...Object.fromEntries(runFlags.map((k) => [k, configFlags[k]!])),
  freeze: { kind: 'string', help: 'layers to freeze, comma separated (no updates; batch norm on its running statistics), e.g. conv0,conv1' },
  'lr-mult': { kind: 'string', help: 'learning-rate multipliers, e.g. conv0=0.1,conv1=0.1 (a name may be a layer prefix: conv=0.1)' },
  report: { kind: 'string', help: 'report folder   [report]' },
  save: { kind: 'string', help: 'write the fine-tuned checkpoint (atomically) when training ends' },
}

/** The layers with parameters a name stands for: itself, or every such layer whose default prefix it is. */
function resolveLayer(model: AnyModel, name: string, flag: string): string[] {
  const valid = trainableLayers(model)
  if (valid.includes(name)) return [name]
  const byPrefix = model.layers.filter((l) => valid.includes(l.spec.name) && prefixOf(l.def, l.spec) === name).map((l) => l.spec.name)
  if (byPrefix.length > 0) return byPrefix
  const prefixes = [...new Set(model.layers.filter((l) => valid.includes(l.spec.name)).map((l) => prefixOf(l.def, l.spec)))]
  throw new ArgError(`finetune: ${flag}: unknown layer ${quote(name)} (layers with parameters: ${valid.join(', ')}; prefixes: ${prefixes.join(', ')})`)
}

function parseFreeze(model: AnyModel, v: unknown): string[] | undefined {
  if (v === undefined) return undefined
  return String(v).split(',').flatMap((n) => resolveLayer(model, n.trim(), '--freeze'))
}

function parseLrMult(model: AnyModel, v: unknown): Record<string, number> | undefined {
  if (v === undefined) return undefined
  const out: Record<string, number> = {}
  for (const part of String(v).split(',')) {
    const eq = part.indexOf('=')
    const m = Number(part.slice(eq + 1))
    if (eq < 0 || part.slice(eq + 1).trim() === '' || !(Number.isFinite(m) && m > 0))
      throw new ArgError(`finetune: --lr-mult: expected layer=multiplier with a positive multiplier (e.g. conv0=0.1), got ${quote(part)}`)
    for (const n of resolveLayer(model, part.slice(0, eq).trim(), '--lr-mult')) out[n] = m
  }
  return out
}

export function finetuneCommand(a: ParsedArgs, o: CommandOptions, log: (line: string) => void = (l) => console.log(l)): number {
  const { registries } = o
  const from = a.flags['from']
  if (typeof from !== 'string') throw new ArgError('finetune: --from <base checkpoint.json> is required')
  if (typeof a.flags['data'] !== 'string') throw new ArgError('finetune: --data is required (the data set to fine-tune on)')
  const base = orExit(inFile(from, decodeCheckpoint(checkpointJson(from, o, 'finetune'), { registries })))
  if (base.run === undefined) throw new ArgError(`${from}: checkpoint.run: missing, expected the run config that symgrad train --save writes (finetune builds the base's architecture from it)`)
  // the base run without what belonged to its own training data and length
  const { maxSteps: _m, examples: _e, freeze: _f, lrMult: _l, patience: _p, ...baseRun } = base.run
  const c0: RunConfig = configFromArgs(a, { base: baseRun as RunConfig, registries, command: 'finetune' })
  const data = orExit(loadData(c0))
  const limits = orExit(cliLimits())
  orExit(checkRun(c0, data, limits, { registries }))
  const build = { ...(data.image !== undefined ? { image: data.image } : {}), registries }
  const model = buildModel(c0, D.features(data.train), data.train.classes, build)
  const freeze = parseFreeze(model, a.flags['freeze'])
  const lrMult = parseLrMult(model, a.flags['lr-mult'])
  const c: RunConfig = { ...c0, ...(freeze !== undefined ? { freeze } : {}), ...(lrMult !== undefined ? { lrMult } : {}) }
  orExit(E.mapLeft((e: SymgradError) => new SymgradError(e.kind, `finetune: ${e.message}`))(checkFineTune(model, c, { freeze: '--freeze', lrMult: '--lr-mult' })))
  const head = headLayer(model)
  if ((c.freeze ?? []).includes(head)) throw new ArgError(`finetune: --freeze: '${head}' is the head, which is re-initialised for the new data; freezing it would leave it random`)

  const report = typeof a.flags['report'] === 'string' ? a.flags['report'] : 'report'
  orExit(checkFolderWritable(report))
  const save = a.flags['save']
  const paramCount = Object.values(model.paramShapes).reduce((s, sh) => s + sh.reduce((p, d) => p * d, 1), 0)
  // params, best params and up to two optimizer buffers per parameter, as base64 (4/3 of 8 bytes)
  if (typeof save === 'string') orExit(checkWritable(save, Math.ceil(paramCount * 8 * (4 / 3) * 4) + (1 << 16)))
  const release = typeof save === 'string' ? orExit(lockForWriting(save)) : () => {}
  try {
    const config = buildTrainConfig(c, D.size(data.train), build)
    const start = fineTuneStart(model, { model: base.model, params: base.state.params, state: base.state.modelState }, config, [head], data.train.x)
    log(`finetune: from ${from} (${base.run.model ?? 'mlp'} trained on ${base.run.data}); head '${head}' re-initialised for the ${data.train.classes} classes of ${c.data}`)
    for (const line of formatTransfer(start.report)) log(`  ${line}`)
    const write = (state: TrainState, run: RunConfig) => saveCheckpoint(save as string, { spec: model.spec, run, state, ...(data.input ? { input: data.input } : {}) }, { registries })
    const r = runTraining(c, {
      registries, report, data, log, from: start.state, fromNote: `fine-tuning from ${from}`,
      ...(typeof save === 'string' ? { afterTraining: write } : {}),
    })
    if (E.isLeft(r)) return (console.error(`symgrad: ${r.left.message}`), 1)
    if (typeof save === 'string') log(`checkpoint: ${save} (epoch ${r.right.state.epoch}, step ${r.right.state.step}; continue with symgrad train --resume ${save} --epochs N)`)
    return 0
  } finally {
    release()
  }
}
