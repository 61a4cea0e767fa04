/**
 * What a run will cost, estimated before it starts, so a queue worker can refuse a job that cannot
 * fit its memory limit or time budget instead of growing past it or training for ever. Pure.
 *
 *   memory  ≈ 8 bytes × (6·P + 4·batch·A + 2·2000·A)
 *           P parameters (the parameters, their gradients, two optimizer buffers, the best copy and
 *           an update), A activations of one example summed over the layers (kept forward and
 *           backward, for a batch), and the evaluation's chunks of 2,000 rows (train/programs.ts);
 *   seconds ≥ 2·P·examples / 1e11
 *           every parameter is used at least once (a multiply and an add) per example of every
 *           epoch; at 100 GFLOP/s, above what one worker's cores reach, so the time is a lower
 *           bound: a job refused by it could not have finished within the budget.
 */
import * as E from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { withinMemory, type Limits } from '../io/limits.js'
import type { Model } from '../nn/model.js'
import type { RunConfig } from './config.js'

/** The floating-point rate the time bound assumes (flop/s). */
export const PEAK_FLOPS = 1e11

export interface RunCost {
  readonly parameters: number
  readonly memoryBytes: number
  readonly minSeconds: number
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)

/** The estimates above for a run of `c` on `trainRows` examples with this model. */
export function runCost(c: Pick<RunConfig, 'epochs' | 'batchSize' | 'maxSteps'>, model: Pick<Model, 'paramShapes' | 'layers' | 'in'>, trainRows: number): RunCost {
  let parameters = 0
  for (const s of Object.values(model.paramShapes)) parameters += size(s)
  let activations = model.in
  for (const l of model.layers) activations += size(l.outShape)
  const examples = Math.min(c.epochs * trainRows, c.maxSteps !== undefined ? c.maxSteps * c.batchSize : Infinity)
  return {
    parameters,
    memoryBytes: 8 * (6 * parameters + 4 * Math.min(c.batchSize, trainRows) * activations + 2 * 2000 * activations),
    minSeconds: (2 * parameters * examples) / PEAK_FLOPS,
  }
}

/** Left when the run's memory estimate is over the limit or its least time over `maxSeconds`. */
export function checkRunCost(cost: RunCost, limits: Limits, maxSeconds: number, where: string): E.Either<SymgradError, void> {
  const mem = withinMemory(limits, cost.memoryBytes, where, `training ${cost.parameters} parameters`)
  if (E.isLeft(mem)) return mem
  if (cost.minSeconds > maxSeconds)
    return E.left(new SymgradError('value', `${where}: training ${cost.parameters} parameters takes at least ${cost.minSeconds.toPrecision(3)} s (2 flops per parameter per example at ${PEAK_FLOPS / 1e9} GFLOP/s), over the time budget of ${maxSeconds} s (--max-job-seconds)`))
  return E.right(undefined)
}
