/**
 * Limits on the sizes a user gives (pure, browser-safe). Every size that reaches an allocation —
 * a model's parameter count, its layer count, the number of search trials, a file's bytes (also
 * after inflating a .gz file) — is checked against these before anything is allocated, and a size
 * over its limit is refused with one line naming the limit and how to raise it:
 *
 *   --hidden: the model [2, 1000000000000, 3] has 5e12 parameters, over the limit of 10000000 (raise it with SYMGRAD_MAX_PARAMETERS=<n>)
 *
 * The command line reads raised limits from the environment variables named in `limitVars`
 * (`limitsFromEnv`); library callers pass a `Limits` record where a function takes one.
 *
 * | limit      | default       | what it bounds                                                   |
 * |------------|---------------|------------------------------------------------------------------|
 * | parameters | 10,000,000    | weights and biases of a model (80 MB of float64 per copy)        |
 * | layers     | 256           | hidden layers of an MLP (deeper ones overflow generated code)    |
 * | trials     | 10,000        | trials of one search round (grid points or random draws)         |
 * | fileBytes  | 1 GiB         | bytes of an input file, and of a .gz file once inflated          |
 * | memoryBytes| 4 GiB         | what one reader or one queue job allocates, estimated beforehand |
 * |            |               | (rows × columns × 8 of a data set, a model's copies and batches) |
 * | classes    | 1,000         | classes of a data set (a label of 40000 would mean 40001 outputs)|
 * | configBytes| 1 MiB         | a run config or search space file (a few hundred bytes in use)   |
 * | specBytes  | 1 MiB         | a model spec file (about 100 bytes a layer)                      |
 * | graphBytes | 256 MiB       | a graph file (tensors as base64: 10 M parameters are 107 MB)     |
 * | checkpointBytes | 500 MiB  | a checkpoint (4 copies of 10 M parameters as base64 and history) |
 *
 * JSON costs many times its bytes to parse (a list of numbers about 16×), so each kind of JSON
 * document has a byte limit fitted to what it holds, checked before the file is read.
 *
 * Nesting depth of JSON documents is fixed (`maxDepth`, 64): symgrad's own documents nest about
 * ten levels, and the decoders are recursive.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { parseDecimal } from '../core/numbers.js'
import { quote } from '../core/codecs.js'

/** The size limits user input is checked against: parameters, layers, trials, file bytes. */
export interface Limits {
  readonly parameters: number
  readonly layers: number
  readonly trials: number
  readonly fileBytes: number
  readonly memoryBytes: number
  readonly classes: number
  readonly configBytes: number
  readonly specBytes: number
  readonly graphBytes: number
  readonly checkpointBytes: number
}

/** The limits used when none are given: 10,000,000 parameters, 256 layers, 10,000 trials, 1 GiB per file. */
export const defaultLimits: Limits = {
  parameters: 10_000_000, layers: 256, trials: 10_000, fileBytes: 2 ** 30, memoryBytes: 2 ** 32, classes: 1000,
  configBytes: 2 ** 20, specBytes: 2 ** 20, graphBytes: 2 ** 28, checkpointBytes: 500 * 2 ** 20,
}

/** The environment variable that raises each limit on the command line. */
export const limitVars: { readonly [K in keyof Limits]: string } = {
  parameters: 'SYMGRAD_MAX_PARAMETERS',
  layers: 'SYMGRAD_MAX_LAYERS',
  trials: 'SYMGRAD_MAX_TRIALS',
  fileBytes: 'SYMGRAD_MAX_FILE_BYTES',
  memoryBytes: 'SYMGRAD_MAX_MEMORY_BYTES',
  classes: 'SYMGRAD_MAX_CLASSES',
  configBytes: 'SYMGRAD_MAX_CONFIG_BYTES',
  specBytes: 'SYMGRAD_MAX_SPEC_BYTES',
  graphBytes: 'SYMGRAD_MAX_GRAPH_BYTES',
  checkpointBytes: 'SYMGRAD_MAX_CHECKPOINT_BYTES',
}

/** The kinds of JSON document symgrad reads, each under its own byte limit. */
export type DocumentKind = 'config' | 'spec' | 'graph' | 'checkpoint'
export const documentLimit: { readonly [K in DocumentKind]: keyof Limits } = { config: 'configBytes', spec: 'specBytes', graph: 'graphBytes', checkpoint: 'checkpointBytes' }

/** Deepest nesting of arrays and objects any decoder accepts (defined with the decoders, core/codecs.ts). */
export { maxDepth } from '../core/codecs.js'

/** The limits with those set in `env` (positive integers; anything else is an error naming the variable). */
export function limitsFromEnv(env: Readonly<Record<string, string | undefined>>): Either<SymgradError, Limits> {
  const out: Record<string, number> = { ...defaultLimits }
  for (const k of Object.keys(limitVars) as (keyof Limits)[]) {
    const raw = Object.hasOwn(env, limitVars[k]) ? env[limitVars[k]] : undefined
    if (raw === undefined || raw === '') continue
    const v = parseDecimal(raw)
    if (v === undefined || !Number.isSafeInteger(v) || v < 1) return E.left(new SymgradError('value', `${limitVars[k]}: expected a positive integer, got ${quote(raw, 20)}`))
    out[k] = v
  }
  return E.right(out as unknown as Limits)
}

/** `where: <what> is over the limit of <limit> (raise it with VAR=<n>)`, or Right when within. */
export function within(limits: Limits, k: keyof Limits, value: number, where: string, what: string): Either<SymgradError, void> {
  return value <= limits[k]
    ? E.right(undefined)
    : E.left(new SymgradError('value', `${where}: ${what}, over the limit of ${limits[k]} (raise it with ${limitVars[k]}=<n>)`))
}

/** Bytes as `1.5 GB` for messages (exact counts stay in the limits themselves). */
export function showBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toPrecision(3)} GB` : n >= 1e6 ? `${(n / 1e6).toPrecision(3)} MB` : `${Math.round(n)} bytes`
}

/** Left when an estimated allocation of `bytes` is over the memory limit: `where: <what> needs about 8.00 GB, over …`. */
export function withinMemory(limits: Limits, bytes: number, where: string, what: string): Either<SymgradError, void> {
  return within(limits, 'memoryBytes', bytes, where, `${what} needs about ${showBytes(bytes)} of memory`)
}

/** Weights and biases of an MLP with these layer widths (inputs, hidden…, outputs), as a float (no overflow). */
export function mlpParameters(widths: readonly number[]): number {
  let n = 0
  for (let i = 0; i + 1 < widths.length; i++) n += (widths[i]! + 1) * widths[i + 1]!
  return n
}

/** Left when an MLP of these widths has too many layers or parameters. */
export function checkMlpSize(widths: readonly number[], limits: Limits, where: string): Either<SymgradError, void> {
  const layers = within(limits, 'layers', widths.length - 2, where, `${widths.length - 2} hidden layers`)
  if (E.isLeft(layers)) return layers
  const p = mlpParameters(widths)
  const shown = widths.length > 8 ? `[${widths.slice(0, 4).join(', ')}, …, ${widths[widths.length - 1]}]` : `[${widths.join(', ')}]`
  return within(limits, 'parameters', p, where, `the model ${shown} has ${p > 1e15 ? p.toExponential(1) : p} parameters`)
}
