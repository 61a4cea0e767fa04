/**
 * Schedules: a hyperparameter as a pure function of the step count t = 0, 1, 2, … (the number of
 * updates already applied). Every optimizer hyperparameter accepts a plain number or a schedule;
 * `toSchedule` turns a number into `constant`.
 */
import { SymgradError } from '../core/errors.js'

/** A value per step count: a learning-rate (or other hyperparameter) schedule. */
export type Schedule = (step: number) => number

/** A hyperparameter: a fixed number or a schedule of the step. */
export type Hyper = number | Schedule

/** A hyperparameter as a schedule: a number becomes a constant one. */
export function toSchedule(h: Hyper): Schedule {
  return typeof h === 'number' ? constant(h) : h
}

/** The value of a hyperparameter at `step`. */
export function valueAt(h: Hyper, step: number): number {
  return typeof h === 'number' ? h : h(step)
}

/** Values of a record of hyperparameters at `step` (what a state shows as `hyperparams`). */
export function valuesAt<K extends string>(hs: Readonly<Record<K, Hyper>>, step: number): Record<K, number> {
  const out = {} as Record<K, number>
  for (const k of Object.keys(hs) as K[]) out[k] = valueAt(hs[k], step)
  return out
}

/**
 * Throws a SymgradError naming the schedule and argument unless every number is finite (a NaN
 * learning rate would otherwise surface as NaN parameters steps later) and `positive` ones are > 0.
 */
function checkArgs(place: string, args: Readonly<Record<string, number>>, positive: readonly string[] = []): void {
  for (const [k, v] of Object.entries(args))
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive.includes(k) && !(v > 0)))
      throw new SymgradError('value', `${place}: ${k} must be a finite${positive.includes(k) ? ' positive' : ''} number, got ${String(v)}`)
}

/** lr(t) = value */
export function constant(value: number): Schedule {
  checkArgs('constant', { value })
  return () => value
}

/** Step decay: lr(t) = lr₀ · factor^⌊t / every⌋ (e.g. halve every 10 epochs). */
export function stepDecay(init: number, factor: number, every: number): Schedule {
  checkArgs('stepDecay', { init, factor, every }, ['every'])
  return (t) => init * Math.pow(factor, Math.floor(t / every))
}

/**
 * Exponential decay: lr(t) = lr₀ · rate^(t / decaySteps), i.e. lr₀·e^(−k·t) with
 * k = −ln(rate)/decaySteps. With `staircase`, the exponent is ⌊t / decaySteps⌋.
 */
export function exponentialDecay(init: number, rate: number, decaySteps = 1, staircase = false): Schedule {
  checkArgs('exponentialDecay', { init, rate, decaySteps }, ['decaySteps'])
  return (t) => init * Math.pow(rate, staircase ? Math.floor(t / decaySteps) : t / decaySteps)
}

/** 1/t decay: lr(t) = lr₀ / (1 + k·t). */
export function inverseTimeDecay(init: number, k: number): Schedule {
  checkArgs('inverseTimeDecay', { init, k })
  return (t) => init / (1 + k * t)
}

/** Linear warm-up from `from` to `to` over `steps` steps, then constant `to`. */
export function linearWarmup(from: number, to: number, steps: number): Schedule {
  checkArgs('linearWarmup', { from, to, steps }, ['steps'])
  return (t) => (t >= steps ? to : from + ((to - from) * t) / steps)
}

/** `a` for t < boundary, then `b` shifted so that it starts at its own step 0. */
export function join(a: Schedule, b: Schedule, boundary: number): Schedule {
  checkArgs('join', { boundary })
  return (t) => (t < boundary ? a(t) : b(t - boundary))
}
