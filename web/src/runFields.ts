/**
 * The classifier panel's fields read strictly, with the CLI's rules: text to numbers as `symgrad
 * train` reads its flags (an empty or non-numeric field is an error, never a default), the values
 * through the run-config codecs (`decodeRunConfig`) and the CLI's size limits, then the page's own
 * smaller bound on parameters (a browser tab trains in seconds). The first bad field comes back
 * with one line naming it; nothing is filled in.
 */
import * as E from 'fp-ts/lib/Either.js'
import { quote } from '../../src/core/codecs.js'
import { checkMlpSize, defaultLimits, mlpParameters } from '../../src/io/limits.js'
import { decodeRunConfig } from '../../src/records/runConfig.js'
import type { RunSettings } from './trainer.js'
import type { ToyName } from './toyData.js'

export interface FieldError {
  /** The id of the field at fault. */
  readonly field: string
  readonly message: string
}

/** The fields the panel has: element id, its label, and the run-config key it fills. */
export const runFields = {
  hidden: { id: 'cl-hidden', label: 'hidden layers', key: 'hidden' },
  lr: { id: 'cl-lr', label: 'learning rate', key: 'learningRate' },
  l2: { id: 'cl-l2', label: 'L2 λ', key: 'l2' },
  keep: { id: 'cl-keep', label: 'dropout keep', key: 'keep' },
  activation: { id: 'cl-activation', label: 'activation', key: 'activation' },
  init: { id: 'cl-init', label: 'init', key: 'init' },
  optimizer: { id: 'cl-optimizer', label: 'optimizer', key: 'optimizer' },
  batchNorm: { id: 'cl-bn', label: 'batch norm', key: 'batchNorm' },
} as const

/** Most weights and biases the page trains (the CLI's limit is 10,000,000). */
export const PAGE_MAX_PARAMETERS = 200_000
const toyNames: readonly ToyName[] = ['spiral', 'xor', 'circles']
const toyClasses: Record<ToyName, number> = { spiral: 3, xor: 2, circles: 2 }
const pageOptimizers = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const
const pageActivations = ['relu', 'tanh', 'sigmoid', 'leakyRelu'] as const
const pageInits = ['he', 'xavier', 'small'] as const

type Field = keyof typeof runFields
const bad = (f: Field, message: string): E.Either<FieldError, never> => E.left({ field: runFields[f].id, message: `${runFields[f].label}: ${message}` })

/** A number as the CLI reads a number flag: empty or not a finite number is an error. */
function numberOf(f: Field, raw: string): E.Either<FieldError, number> {
  const v = Number(raw)
  return raw.trim() === '' || !Number.isFinite(v) ? bad(f, `expects a number, got ${quote(raw)}`) : E.right(v)
}

export interface FormValues {
  readonly data: string
  readonly hidden: string
  readonly activation: string
  readonly init: string
  readonly standardize: boolean
  readonly batchNorm: boolean
  readonly keep: string
  readonly optimizer: string
  readonly lr: string
  readonly l2: string
}

/** The form's values as run settings, or the first bad field and its one-line message. */
export function readRunForm(v: FormValues, base: Pick<RunSettings, 'seed' | 'maxSteps'>): E.Either<FieldError, RunSettings> {
  if (!(toyNames as readonly string[]).includes(v.data)) return E.left({ field: 'cl-data', message: `data: expected one of ${toyNames.join(', ')}, got ${quote(v.data)}` })
  const nums: [Field, string][] = [['lr', v.lr], ['l2', v.l2], ['keep', v.keep]]
  const read: Record<string, number> = {}
  for (const [f, raw] of nums) {
    const n = numberOf(f, raw)
    if (E.isLeft(n)) return n
    read[f] = n.right
  }
  // the CLI's --hidden: comma-separated widths, an empty entry is not a number
  const hidden = v.hidden.split(',').map((w) => (w.trim() === '' ? NaN : Number(w)))
  const json = { hidden, activation: v.activation, init: v.init, batchNorm: v.batchNorm, keep: read['keep'], optimizer: v.optimizer, learningRate: read['lr'], l2: read['l2'] }
  const c = decodeRunConfig(json, { root: '\u0000' })
  if (E.isLeft(c)) {
    const m = /^\u0000\.(\w+)(?:\[\d+\])?: (.*)$/.exec(c.left.message)
    const f = (Object.keys(runFields) as Field[]).find((k) => runFields[k].key === m?.[1]) ?? 'hidden'
    return bad(f, m?.[2] ?? c.left.message)
  }
  // choices the page's trainer has (the run config knows more, e.g. elu, which the page does not offer)
  for (const [f, val, allowed] of [['activation', v.activation, pageActivations], ['init', v.init, pageInits], ['optimizer', v.optimizer, pageOptimizers]] as const)
    if (!(allowed as readonly string[]).includes(val)) return bad(f, `expected one of ${allowed.join(', ')}, got ${quote(val)}`)
  const widths = [2, ...c.right.hidden, toyClasses[v.data as ToyName]]
  // the page's bound first (it is the smaller one); the CLI's layer count as well
  const p = mlpParameters(widths)
  const shown = widths.length > 8 ? `[${widths.slice(0, 4).join(', ')}, …, ${widths.at(-1)}]` : `[${widths.join(', ')}]`
  if (p > PAGE_MAX_PARAMETERS) return bad('hidden', `the model ${shown} has ${p > 1e15 ? p.toExponential(1) : p} parameters; the playground trains up to ${PAGE_MAX_PARAMETERS} (symgrad train takes up to ${defaultLimits.parameters})`)
  const size = checkMlpSize(widths, defaultLimits, 'x')
  if (E.isLeft(size)) return bad('hidden', size.left.message.replace(/^x: /, '').replace(/ \(raise it with \w+=<n>\)$/, ''))
  return E.right({
    data: v.data as ToyName, hidden: c.right.hidden, activation: v.activation as RunSettings['activation'], init: v.init as RunSettings['init'],
    standardize: v.standardize, batchNorm: v.batchNorm, keep: c.right.keep, optimizer: v.optimizer as RunSettings['optimizer'], lr: c.right.learningRate, l2: c.right.l2, ...base,
  })
}
