/**
 * The command line: `symgrad <command> [flags]`. Argument errors print one line and exit with 2.
 */
import { closest } from '../core/codecs.js'
import { runConfigFieldNames } from '../records/runConfig.js'
import type { OptimizerRegistry } from '../optim/OptimizerDef.js'
import { Registries } from '../records/Registries.js'
import type { CommandOptions } from './context.js'
import { ArgError, flagHelp, parseArgs, type FlagSpec } from './args.js'
import { configFlags, ensembleCommand, gradcheckCommand } from './commands.js'
import { explainCommand } from './explain.js'
import { trainCommand } from './trainCommand.js'
import { searchCommand } from './searchCommand.js'
import { workerCommand } from './queueCommands.js'
import { exportCommand } from './exportCommand.js'
import { checkCommand } from './checkCommand.js'
import { finetuneCommand, finetuneFlags } from './finetuneCommand.js'
import { predictCommand, predictFlags } from './predictCommand.js'
import { registriesWith, takeWith, withCommands, withFlag } from './withFlag.js'

const trainFlags: Record<string, FlagSpec> = {
  ...configFlags,
  report: { kind: 'string', help: 'report folder   [report]' },
  'no-babysit': { kind: 'boolean', help: 'skip the checks before training' },
  save: { kind: 'string', help: 'write a checkpoint (atomically) when training ends' },
  'save-every-epoch': { kind: 'boolean', help: 'with --save: also after every epoch' },
  resume: { kind: 'string', help: 'continue a --save checkpoint (its run; flags such as --epochs override; a note names any other changed field)' },
}
const searchFlags: Record<string, FlagSpec> = {
  ...configFlags,
  trials: { kind: 'number', help: 'random trials per round   [8]' },
  grid: { kind: 'number', help: 'grid search with n points per numeric axis instead of random search' },
  rounds: { kind: 'number', help: 'coarse-to-fine rounds; each refines the space around the best 3   [1]' },
  space: { kind: 'string', help: 'JSON search space file, e.g. {"learningRate":{"kind":"logUniform","lo":1e-3,"hi":0.3}} (kinds: uniform, logUniform, choice)' },
  workers: { kind: 'number', help: 'worker threads   [all CPU cores]' },
  queue: { kind: 'string', help: 'run the trials on symgrad workers through Redis: redis://host[:port][/db]' },
  checkpoints: { kind: 'string', help: 'moved to the workers: symgrad worker --checkpoints <folder>' },
  out: { kind: 'string', help: 'where to save the best configuration   [report/best-config.json]' },
}
const ensembleFlags: Record<string, FlagSpec> = {
  ...configFlags, models: { kind: 'number', help: 'how many models   [3]' },
  queue: { kind: 'string', help: 'train the members on symgrad workers through Redis: redis://host[:port][/db]' },
}
const workerFlags: Record<string, FlagSpec> = {
  queue: { kind: 'string', help: 'the Redis server holding the jobs: redis://host[:port][/db]' },
  'lock-ms': { kind: 'number', help: 'a dead worker\'s job is taken over after its lock expires (ms)   [30000]' },
  checkpoints: { kind: 'string', help: 'save each trial this worker finishes as <folder>/<job id>.json' },
  'max-job-seconds': { kind: 'number', help: 'a job that needs longer is refused; one still training then is stopped and failed   [86400]' },
}
const exportFlags: Record<string, FlagSpec> = { onnx: { kind: 'string', help: 'write the model (inference form) as ONNX to this file' } }
const gradcheckFlags: Record<string, FlagSpec> = {
  hidden: { kind: 'string', help: 'hidden widths   [6]' }, loss: { kind: 'string', help: 'softmax | svm   [softmax]' }, seed: { kind: 'number', help: 'seed   [0]' },
}
const checkFlags: Record<string, FlagSpec> = {
  ...configFlags,
  ranges: { kind: 'string', help: 'ranges of graph inputs and params, e.g. x=0..1,s=-inf..inf   [unbounded; x from --data]' },
}
const explainFlags: Record<string, FlagSpec> = {
  at: { kind: 'string', help: 'values of the variables, e.g. x=-2,y=5,z=-4' },
  svg: { kind: 'string', help: 'write the circuit (values above the wires, gradients below) and the gradient graph as SVG' },
  dot: { kind: 'string', help: 'write the same two graphs as Graphviz DOT' },
}

/** Words joined with ', ' in lines of at most 100 characters. */
function wrap(words: readonly string[]): string {
  const lines: string[] = ['']
  for (const w of words) {
    const last = lines[lines.length - 1]!
    if (last.length + w.length + 2 > 100 && last !== '') lines.push(w)
    else lines[lines.length - 1] = last === '' ? w : `${last}, ${w}`
  }
  return lines.join(',\n')
}

/** One line per optimizer kind: name, hyperparameters with defaults, update rule. */
function optimizerHelp(r: OptimizerRegistry): string {
  return [...r.values()].map((d) => `  ${d.name.padEnd(10)} ${Object.entries(d.defaults).map(([k, v]) => `${k}=${v}`).join(' ').padEnd(44)} ${d.summary}`).join('\n')
}

export const usage = `symgrad — neural networks as expression trees with symbolic gradients

Usage: symgrad <command> [flags]        (in the repository, npm start runs the main job: symgrad train --model convnet --epochs 2)

Commands
  train      train an MLP, with babysitting checks, a progress bar and a report folder
             symgrad train --hidden 200 --optimizer adam --lr 0.002 --epochs 5
             symgrad train --config my-run.json --report out/
             symgrad train --data spiral --epochs 5 --save run.json   (then: --resume run.json --epochs 10)
             symgrad train --data idx:train-images-idx3-ubyte.gz,train-labels-idx1-ubyte.gz
  finetune   a trained checkpoint's layers reused on other data: fresh head, frozen or slower layers
             symgrad finetune --from base.json --data fashion --examples 1000 --freeze conv0,conv1 --save ft.json
  search     hyperparameter search (random by default), trials in parallel on all cores
             symgrad search --trials 8 --rounds 2
  ensemble   train several models from different seeds, single vs averaged accuracy
             symgrad ensemble --models 3 --epochs 3
  worker     run search trials and ensemble members from a Redis job queue, on any machine
             symgrad worker --queue redis://10.0.0.5:6379   (then: symgrad search --queue redis://10.0.0.5:6379)
  export     a checkpoint's model as ONNX (dropout removed, batch norm on running statistics)
             symgrad export --onnx model.onnx run.json
  predict    the top-3 classes of a checkpoint's model on a PNG, a folder of PNGs, IDX images or CSV rows
             symgrad predict --model run.json --input digit.png
  gradcheck  symbolic gradients of a small network vs central differences
             symgrad gradcheck --hidden 6,4 --loss svm
  explain    derivatives, the backprop trace and the circuit picture of an expression
             symgrad explain "(x+y)*z" --at x=-2,y=5,z=-4 --svg graph.svg
  check      numeric hazards of a graph or model before it runs (overflow, log/÷/sqrt at 0, cancellation),
             and the stable rewrites that remove them; exit status 1 when hazards are found
             symgrad check graph.json --ranges s=-100..100     symgrad check --data spiral --batchnorm

train / search / ensemble flags
${flagHelp(configFlags)}

train flags
${flagHelp(Object.fromEntries(Object.entries(trainFlags).filter(([k]) => !(k in configFlags))))}

finetune flags (run fields the flags leave unset are the base run's; the head is always re-initialised)
${flagHelp(finetuneFlags)}

search flags
${flagHelp(Object.fromEntries(Object.entries(searchFlags).filter(([k]) => !(k in configFlags))))}

ensemble flags
${flagHelp({ models: ensembleFlags['models']!, queue: ensembleFlags['queue']! })}

records of your own (train, search, ensemble, finetune, export, predict, check, worker)
${flagHelp(withFlag)}
  e.g. symgrad train --with examples/my-records.ts --config run.json   (run.json naming its layer kind and optimizer);
  a worker resolves the records its jobs name with its own --with modules (a job never makes it load code)

worker flags
${flagHelp(workerFlags)}

export flags
${flagHelp(exportFlags)}

predict flags
${flagHelp(predictFlags)}

gradcheck flags
${flagHelp(gradcheckFlags)}

explain flags
${flagHelp(explainFlags)}

check flags (and the train flags above for the CLI's own model: --data, --model, --hidden, --loss, --dtype …)
${flagHelp({ ranges: checkFlags['ranges']! })}

Expressions for explain: decimal numbers (∞ or Infinity for infinity; 1e309 is refused), variables,
+ - * / ^ (a^b with an expression b is exp(b·log a), for a > 0), parentheses and exp log sqrt tanh
sigmoid relu abs square max(a,b) min(a,b). Numbers in flags, --at and SYMGRAD_* are decimal only.
explain exits with 1 when f or a derivative is NaN or ±∞ at the point (a domain note says where).
A --config file holds any of the run config fields:
${wrap(runConfigFieldNames)}
(e.g. {"optimizer": "adam", "learningRate": 0.002, "hyper": {"b1": 0.8}}); unknown fields are refused. "layers" lists the
model's layers, any kind the registries hold, in place of model and hidden: [{"kind": "dense", "in": 2, "out": 16}, …].
Optimizers and their hyperparameters (in "hyper"; each a number or a schedule { kind, … }):
${optimizerHelp(Registries.builtins.optimizers)}
Exit status: 0 ok, 1 failure (e.g. a failed gradient check, a NaN stop, a value outside the domain), 2 bad arguments or bad
input (config, data files, checkpoint, an unwritable --save path), with one line on stderr.`

/** How `main` runs: the registries every name resolves through (default: the built-ins), and where error and note lines go (default: stderr). */
export interface MainOptions {
  readonly registries?: Registries
  readonly err?: (line: string) => void
}

/** Runs one command; bad arguments and bad input print one line through `err` and give 2 (notes go through `err` too). */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const err = options.err ?? ((l: string) => console.error(l))
  const [cmd, ...args] = argv
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') return (console.log(usage), 0)
    if (args.includes('--help') || args.includes('-h')) return (console.log(usage), 0)
    // --with modules are loaded before anything else runs: a bad one is one line, and nothing is written
    const { paths, rest } = withCommands.includes(cmd) ? takeWith(args, cmd) : { paths: [], rest: args }
    const o: CommandOptions = { registries: await registriesWith(paths, options.registries ?? Registries.builtins), withModules: paths, err }
    switch (cmd) {
      case 'train': return trainCommand(parseArgs(rest, trainFlags, 'train'), o)
      case 'finetune': return finetuneCommand(parseArgs(rest, finetuneFlags, 'finetune'), o)
      case 'search': return await searchCommand(parseArgs(rest, searchFlags, 'search'), o)
      case 'ensemble': return await ensembleCommand(parseArgs(rest, ensembleFlags, 'ensemble'), o)
      case 'worker': return await workerCommand(parseArgs(rest, workerFlags, 'worker'), o)
      case 'export': return exportCommand(parseArgs(rest, exportFlags, 'export', 1), o)
      case 'predict': return predictCommand(parseArgs(rest, predictFlags, 'predict'), o)
      case 'gradcheck': return gradcheckCommand(parseArgs(rest, gradcheckFlags, 'gradcheck'))
      case 'explain': return await explainCommand(parseArgs(rest, explainFlags, 'explain', 1))
      case 'check': return checkCommand(parseArgs(rest, checkFlags, 'check', 1), o)
      default: {
        const near = closest(cmd, ['train', 'finetune', 'search', 'ensemble', 'worker', 'export', 'predict', 'gradcheck', 'explain', 'check'])
        throw new ArgError(`unknown command '${cmd}' (${near !== undefined ? `did you mean ${near}? ` : ''}commands: train, finetune, search, ensemble, worker, export, predict, gradcheck, explain, check; see symgrad --help)`)
      }
    }
  } catch (e) {
    if (e instanceof ArgError) {
      err(`symgrad: ${e.message}`)
      return 2
    }
    if (e instanceof Error && e.name === 'QueueError') {
      err(`symgrad: ${cmd}: ${e.message}`)
      return 1
    }
    throw e
  }
}

/** `main` with the argument-error and note lines collected: `{ code, stderr }` (for tests and embedding). */
export async function runCli(argv: readonly string[], o: Omit<MainOptions, 'err'> = {}): Promise<{ readonly code: number; readonly stderr: string }> {
  const lines: string[] = []
  const code = await main(argv, { ...o, err: (l) => lines.push(l) })
  return { code, stderr: lines.map((l) => `${l}\n`).join('') }
}
