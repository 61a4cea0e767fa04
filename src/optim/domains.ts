/**
 * Where each hyperparameter of the built-in transformations lives, by name: the one table that
 * `withHyper` checks numbers against when a transformation is built (`adam(NaN)`, `sgd(-1)`,
 * `adam(0.1, { b1: 2 })` throw a SymgradError naming the hyperparameter), and that the records in
 * builtins.ts declare as their codecs, so a run config and a library call accept the same values.
 * A name not in the table (a user's own hyperparameter) must be a finite number.
 */
import type * as t from 'io-ts'
import { FiniteNumber, NonNegativeNumber, PositiveNumber, UnitInterval } from '../core/codecs.js'
import { SymgradError } from '../core/errors.js'
import type { Hyper } from './schedules.js'

/** Where each known hyperparameter must lie (learning rate positive, β in [0, 1)…). */
export const hyperDomains: Readonly<Record<string, t.Type<number, number, unknown>>> = {
  learningRate: PositiveNumber,
  momentum: UnitInterval,
  b1: UnitInterval,
  b2: UnitInterval,
  decay: UnitInterval,
  rho: UnitInterval,
  eps: PositiveNumber,
  weightDecay: NonNegativeNumber,
  maxNorm: PositiveNumber,
  scale: FiniteNumber,
}

/** The codec of hyperparameter `name` (a finite number when the table does not name it). */
export function hyperDomain(name: string): t.Type<number, number, unknown> {
  return Object.hasOwn(hyperDomains, name) ? hyperDomains[name]! : FiniteNumber
}

/** Throws a one-line SymgradError for the first number in `hs` outside its domain (schedules are checked per step). */
export function checkHypers(hs: Readonly<Record<string, Hyper>>): void {
  for (const k of Object.keys(hs)) {
    const v = hs[k]
    if (typeof v === 'function') continue
    const d = hyperDomain(k)
    if (typeof v !== 'number' || !d.is(v))
      throw new SymgradError('value', `optimizer hyperparameter ${k}: expected ${d.name} or a schedule, got ${typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : typeof v}`)
  }
}

/** Throws when a schedule gives a value that is not a finite number at `step` (a NaN learning rate would silently ruin every parameter). */
export function checkScheduled(values: Readonly<Record<string, number>>, step: number): void {
  for (const k of Object.keys(values)) {
    const v = values[k]
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new SymgradError('value', `optimizer hyperparameter ${k}: its schedule gave ${typeof v === 'number' ? String(v) : typeof v} at step ${step}, expected a finite number`)
  }
}
