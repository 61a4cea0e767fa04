/**
 * Checks of a run against its data and the size limits, made before any work (allocation,
 * training, output): each failure is one line naming the flag or field, expected vs found, and for
 * a size over a limit the environment variable that raises it (src/io/limits.ts).
 */
import type { LayerRegistries } from '../nn/LayerDef.js'
import * as E from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import * as D from '../data/Dataset.js'
import { checkMlpSize, limitsFromEnv, within, type Limits } from '../io/limits.js'
import { modelFor, type RunConfig } from '../train/config.js'
import type { Space } from '../train/search.js'
import type { LoadedData } from './data.js'

/** The limits in force on the command line (defaults, raised by SYMGRAD_MAX_* variables). */
export function cliLimits(): E.Either<SymgradError, Limits> {
  return limitsFromEnv(process.env)
}

const fail = (m: string): E.Either<SymgradError, never> => E.left(new SymgradError('value', m))

/** Layer count alone (known before the data is loaded, so a 50-million-layer config is refused at once). */
export function checkLayers(hidden: readonly number[], limits: Limits, where = '--hidden'): E.Either<SymgradError, void> {
  return within(limits, 'layers', hidden.length, where, `${hidden.length} hidden layers`)
}

/**
 * The run fits its data and the limits: the model builds on the rows, its layers and parameters, a shift smaller than
 * the images, and every split non-empty (a validation accuracy of an empty split is NaN).
 */
export function checkRun(c: RunConfig, data: LoadedData, limits: Limits, o: { readonly where?: string; readonly registries?: LayerRegistries } = {}): E.Either<SymgradError, void> {
  const where = o.where ?? '--hidden'
  const classes = within(limits, 'classes', data.train.classes, c.data, `${data.train.classes} classes`)
  if (E.isLeft(classes)) return classes
  if (c.layers !== undefined) {
    const count = within(limits, 'layers', c.layers.length, 'config.layers', `${c.layers.length} layers`)
    if (E.isLeft(count)) return count
  }
  const size = checkMlpSize([D.features(data.train), ...c.hidden, data.train.classes], limits, where)
  if (E.isLeft(size)) return size
  // the model builds on these rows (a convnet needs images it can convolve)
  const model = modelFor(c, D.features(data.train), data.train.classes, { ...(data.image !== undefined ? { image: data.image } : {}), ...(o.registries !== undefined ? { registries: o.registries } : {}) })
  if (E.isLeft(model)) return model
  if (c.layers !== undefined) {
    const n = Object.values(model.right.paramShapes).reduce((a, s) => a + s.reduce((p, d) => p * d, 1), 0)
    const params = within(limits, 'parameters', n, 'config.layers', `${n} parameters`)
    if (E.isLeft(params)) return params
  }
  if (data.image !== undefined && c.shift > 0) {
    const side = Math.min(data.image[0], data.image[1])
    if (c.shift >= side) return fail(`--shift: expected 0..${side - 1} pixels for ${data.image[0]}×${data.image[1]} images (a larger shift moves the whole image out of the frame), got ${c.shift}`)
  }
  for (const [part, ds] of [['train', data.train], ['validation', data.validation], ['test', data.test]] as const)
    if (D.size(ds) === 0) return fail(`${c.data}: the ${part} split is empty (${D.size(data.train)} train / ${D.size(data.validation)} validation / ${D.size(data.test)} test rows); the data needs more rows`)
  return E.right(undefined)
}

/** How many points a search round has: the trial count, or the grid's product of axis lengths (a float, no overflow). */
export function roundSize(space: Space, trials: number, grid: number | undefined): number {
  if (grid === undefined) return trials
  let n = 1
  for (const d of Object.values(space)) n *= d.kind === 'choice' ? d.values.length : grid
  return n
}

/** Left when a search round would be too large. */
export function checkRoundSize(space: Space, trials: number, grid: number | undefined, limits: Limits): E.Either<SymgradError, void> {
  const n = roundSize(space, trials, grid)
  return within(limits, 'trials', n, grid !== undefined ? '--grid' : '--trials', `${n} trials per round`)
}

/** Search fields whose values every trial would ignore (workers load the base run's data), so a space may not hold them. */
export const unsearchable = ['data', 'preprocess'] as const

export function checkSearchable(space: Space): E.Either<SymgradError, void> {
  const bad = unsearchable.filter((k) => Object.hasOwn(space, k))
  return bad.length === 0
    ? E.right(undefined)
    : fail(`space.${bad[0]}: cannot be searched (every trial loads the base run's data); give it with --${bad[0]} and run one search per value`)
}
