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
 *
 * Nesting depth of JSON documents is fixed (`maxDepth`, 64): symgrad's own documents nest about
 * ten levels, and the decoders are recursive.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { parseDecimal } from '../core/numbers.js'
import { quote } from '../core/codecs.js'

export interface Limits {
  readonly parameters: number
  readonly layers: number
  readonly trials: number
  readonly fileBytes: number
}

export const defaultLimits: Limits = { parameters: 10_000_000, layers: 256, trials: 10_000, fileBytes: 2 ** 30 }

/** The environment variable that raises each limit on the command line. */
export const limitVars: { readonly [K in keyof Limits]: string } = {
  parameters: 'SYMGRAD_MAX_PARAMETERS',
  layers: 'SYMGRAD_MAX_LAYERS',
  trials: 'SYMGRAD_MAX_TRIALS',
  fileBytes: 'SYMGRAD_MAX_FILE_BYTES',
}

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
