/**
 * Hyperparameters as data: what a run config or a checkpoint holds in place of a number-or-schedule
 * (`Hyper`). A value is a number or a schedule spec in steps:
 *
 *   0.9
 *   { "kind": "stepDecay", "init": 0.1, "factor": 0.5, "every": 1000 }
 *
 * Schedules: constant {value}, stepDecay {init, factor, every}, exponentialDecay {init, rate,
 * decaySteps?, staircase?}, inverseTimeDecay {init, k}, linearWarmup {from, to, steps}.
 * `hyperOf` turns one into the optimizer's `Hyper` with the builders of schedules.ts.
 */
import * as t from 'io-ts'
import { describe, NonNegativeNumber, PositiveInt, PositiveNumber, struct, tagged } from '../core/codecs.js'
import type { Hyper } from './schedules.js'
import { constant, exponentialDecay, inverseTimeDecay, linearWarmup, stepDecay } from './schedules.js'

/** A schedule as data. */
export const ScheduleC = tagged('a schedule', 'kind', {
  constant: struct('a constant schedule', { kind: t.literal('constant'), value: PositiveNumber }),
  stepDecay: struct('a step decay schedule', { kind: t.literal('stepDecay'), init: PositiveNumber, factor: PositiveNumber, every: PositiveInt }),
  exponentialDecay: struct('an exponential decay schedule', { kind: t.literal('exponentialDecay'), init: PositiveNumber, rate: PositiveNumber }, { decaySteps: PositiveNumber, staircase: t.boolean }),
  inverseTimeDecay: struct('an inverse time decay schedule', { kind: t.literal('inverseTimeDecay'), init: PositiveNumber, k: NonNegativeNumber }),
  linearWarmup: struct('a linear warm-up schedule', { kind: t.literal('linearWarmup'), from: NonNegativeNumber, to: PositiveNumber, steps: PositiveInt }),
})
/** A learning-rate (or other hyperparameter) schedule as data: its kind and parameters, as run configs hold it. */
export type ScheduleSpec = t.TypeOf<typeof ScheduleC>

/** A hyperparameter as data: a number or a schedule spec. */
export type HyperSpec = number | ScheduleSpec

/**
 * A hyperparameter codec: a number checked by `number` (its message when it fails:
 * `config.hyper.momentum: expected a number in [0, 1), got 1`), or a schedule object.
 */
export function hyperC(number: t.Type<number, number, unknown>): t.Type<HyperSpec, unknown, unknown> {
  return new t.Type<HyperSpec, unknown, unknown>(
    `${number.name} or a schedule { kind, … }`,
    (u): u is HyperSpec => number.is(u) || ScheduleC.is(u),
    (u, c) =>
      typeof u === 'object' && u !== null && !Array.isArray(u) ? ScheduleC.validate(u, c)
      : typeof u !== 'number' ? t.failure(u, c)
      : number.is(u) ? number.validate(u, c)
      : t.failure(u, c, `{path}: expected ${number.name}, got ${describe(u)}`),
    (x) => (typeof x === 'number' ? x : ScheduleC.encode(x)),
  )
}

/** The `Hyper` (number or schedule function) a spec describes. */
export function hyperOf(s: HyperSpec): Hyper {
  if (typeof s === 'number') return s
  switch (s.kind) {
    case 'constant':
      return constant(s.value)
    case 'stepDecay':
      return stepDecay(s.init, s.factor, s.every)
    case 'exponentialDecay':
      return exponentialDecay(s.init, s.rate, s.decaySteps ?? 1, s.staircase ?? false)
    case 'inverseTimeDecay':
      return inverseTimeDecay(s.init, s.k)
    case 'linearWarmup':
      return linearWarmup(s.from, s.to, s.steps)
  }
}
