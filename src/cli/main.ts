/**
 * The command line: `symgrad <command> [flags]`. Argument errors print one line and exit with 2.
 */
import { mkdirSync } from 'node:fs'
import { ArgError, flagHelp, parseArgs, type FlagSpec } from './args.js'
import { configFlags, ensembleCommand, explainCommand, gradcheckCommand, trainCommand } from './commands.js'
import { searchCommand } from './searchCommand.js'

const trainFlags: Record<string, FlagSpec> = { ...configFlags, report: { kind: 'string', help: 'report folder   [report]' }, 'no-babysit': { kind: 'boolean', help: 'skip the checks before training' } }
const searchFlags: Record<string, FlagSpec> = {
  ...configFlags,
  trials: { kind: 'number', help: 'random trials per round   [8]' },
  grid: { kind: 'number', help: 'grid search with n points per numeric axis instead of random search' },
  rounds: { kind: 'number', help: 'coarse-to-fine rounds; each refines the space around the best 3   [1]' },
  space: { kind: 'string', help: 'JSON search space, e.g. {"learningRate":{"kind":"logUniform","lo":1e-3,"hi":0.3}}' },
  workers: { kind: 'number', help: 'worker threads   [all CPU cores]' },
  out: { kind: 'string', help: 'where to save the best configuration   [report/best-config.json]' },
}
const ensembleFlags: Record<string, FlagSpec> = { ...configFlags, models: { kind: 'number', help: 'how many models   [3]' } }
const gradcheckFlags: Record<string, FlagSpec> = {
  hidden: { kind: 'string', help: 'hidden widths   [6]' }, loss: { kind: 'string', help: 'softmax | svm   [softmax]' }, seed: { kind: 'number', help: 'seed   [0]' },
}
const explainFlags: Record<string, FlagSpec> = { at: { kind: 'string', help: 'values of the variables, e.g. x=-2,y=5,z=-4' } }

export const usage = `symgrad — neural networks as expression trees with symbolic gradients

Usage: symgrad <command> [flags]        (npm start runs the main job: symgrad train with defaults)

Commands
  train      train an MLP, with babysitting checks, a progress bar and a report folder
             symgrad train --hidden 200 --optimizer adam --lr 0.002 --epochs 5
             symgrad train --config my-run.json --report out/
  search     hyperparameter search (random by default), trials in parallel on all cores
             symgrad search --trials 8 --rounds 2
  ensemble   train several models from different seeds, single vs averaged accuracy
             symgrad ensemble --models 3 --epochs 3
  gradcheck  symbolic gradients of a small network vs central differences
             symgrad gradcheck --hidden 6,4 --loss svm
  explain    derivatives and the backprop trace of an expression
             symgrad explain "(x+y)*z" --at x=-2,y=5,z=-4

train / search / ensemble flags
${flagHelp(trainFlags)}

search flags
${flagHelp(Object.fromEntries(Object.entries(searchFlags).filter(([k]) => !(k in configFlags))))}

ensemble flags
${flagHelp({ models: ensembleFlags['models']! })}

gradcheck flags
${flagHelp(gradcheckFlags)}

explain flags
${flagHelp(explainFlags)}

Expressions for explain: numbers, variables, + - * / ^ (number exponent), parentheses and
exp log sqrt tanh sigmoid relu abs square max(a,b) min(a,b).
Exit status: 0 ok, 1 failure (e.g. a failed gradient check or a NaN stop), 2 bad arguments.`

export async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') return (console.log(usage), 0)
    if (rest.includes('--help') || rest.includes('-h')) return (console.log(usage), 0)
    switch (cmd) {
      case 'train': return trainCommand(parseArgs(rest, trainFlags, 'train'))
      case 'search': {
        const a = parseArgs(rest, searchFlags, 'search')
        if (a.flags['out'] === undefined) mkdirSync('report', { recursive: true })
        return await searchCommand(a)
      }
      case 'ensemble': return ensembleCommand(parseArgs(rest, ensembleFlags, 'ensemble'))
      case 'gradcheck': return gradcheckCommand(parseArgs(rest, gradcheckFlags, 'gradcheck'))
      case 'explain': return explainCommand(parseArgs(rest, explainFlags, 'explain'))
      default: throw new ArgError(`unknown command '${cmd}' (commands: train, search, ensemble, gradcheck, explain; see symgrad --help)`)
    }
  } catch (e) {
    if (e instanceof ArgError) {
      console.error(`symgrad: ${e.message}`)
      return 2
    }
    throw e
  }
}

// `symgrad … | head`: a closed pipe ends the output quietly
process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : (() => { throw e })()))

main(process.argv.slice(2)).then((code) => (process.exitCode = code))
