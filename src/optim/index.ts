/**
 * Optimizers as pure state transitions (optax's shape), schedules, L-BFGS, parameter averaging
 * and model ensembles. Stands on core/ only: parameters and gradients are records of Tensors.
 */
export * from './GradientTransformation.js'
export type { GraphForm, UpdateOps, UpdateRule, RuleInputs, RuleOutputs } from './graphForm.js'
export * as params from './params.js'
export * from './schedules.js'
export * from './transforms.js'
export * from './states.js'
export * from './aliases.js'
export * from './lbfgs.js'
export * from './averaging.js'
export * from './ensemble.js'
export * from './hyper.js'
export * from './OptimizerDef.js'
export * from './builtins.js'
export * from './registry.js'
export * from './partition.js'

// ── …OrThrow twins (the error rule: see orThrowing in core/errors.ts) ─────────────────────────
import { orThrowing } from '../core/errors.js'
import { decodeHyper as decodeHyper_ } from './OptimizerDef.js'
import { averageCheckpoints as averageCheckpoints_ } from './averaging.js'
import { ensembleProba as ensembleProba_, accuracy as accuracy_ } from './ensemble.js'
/** `decodeHyper`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const decodeHyperOrThrow = orThrowing(decodeHyper_)
/** `averageCheckpoints`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const averageCheckpointsOrThrow = orThrowing(averageCheckpoints_)
/** `ensembleProba`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const ensembleProbaOrThrow = orThrowing(ensembleProba_)
/** `accuracy`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const accuracyOrThrow = orThrowing(accuracy_)
export * from './domains.js'
