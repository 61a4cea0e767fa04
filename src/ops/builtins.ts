/**
 * The built-in ops, listed once, and the re-export of each op's file (records and builders).
 * Stages read an op's record from the node itself (`node.op`); this list seeds
 * `Registry.builtins` (a value, see Registry.ts), which resolves names for decoding, listing and
 * laws. The union of built-in names is derived from it, so a misspelled name does not compile.
 */
import { inputOp, paramOp, constOp, tensorOp } from './leaves.js'
import { addOp, subOp, mulOp, divOp, maximumOp, minimumOp, negOp, squareOp, powOp, absOp } from './elementwise.js'
import { expOp, logOp, sqrtOp, tanhOp, sigmoidOp, reluOp } from './unary.js'
import { gtOp, geOp, ltOp, leOp, eqOp, stepOp, signOp, whereOp } from './compare.js'
import { sumOp, meanOp, maxOp, logSumExpOp, countOp } from './reduce.js'
import { matmulOp } from './linalg.js'
import { broadcastToOp, sumToOp, reshapeOp, transposeOp } from './movement.js'
import { oneHotOp, gatherLabelOp } from './labels.js'
import { conv2dOp, conv2dBackpropInputOp, conv2dBackpropFilterOp } from './conv.js'
import { maxPool2dOp, maxPool2dBackpropOp, maxPool2dGatherOp, avgPool2dOp, avgPool2dBackpropOp } from './pool.js'
import { padOp } from './pad.js'
import { softplusOp } from './softplus.js'
import { log1pOp, expm1Op, normOp } from './stable.js'

/** The registry of built-in ops (each is tested by its laws). */
export const builtinOps = [
  inputOp, paramOp, constOp, tensorOp,
  addOp, subOp, mulOp, divOp, maximumOp, minimumOp, negOp, squareOp, powOp, absOp,
  expOp, logOp, sqrtOp, tanhOp, sigmoidOp, reluOp,
  gtOp, geOp, ltOp, leOp, eqOp, stepOp, signOp, whereOp,
  sumOp, meanOp, maxOp, logSumExpOp, countOp,
  matmulOp,
  broadcastToOp, sumToOp, reshapeOp, transposeOp,
  oneHotOp, gatherLabelOp,
  conv2dOp, conv2dBackpropInputOp, conv2dBackpropFilterOp,
  maxPool2dOp, maxPool2dBackpropOp, maxPool2dGatherOp, avgPool2dOp, avgPool2dBackpropOp, padOp,
  softplusOp,
  log1pOp, expm1Op, normOp,
] as const

/** The name of a built-in op. */
export type OpName = (typeof builtinOps)[number]['name']

export * from './leaves.js'
export * from './elementwise.js'
export * from './unary.js'
export * from './compare.js'
export * from './reduce.js'
export * from './linalg.js'
export * from './movement.js'
export * from './labels.js'
export * from './conv.js'
export * from './pool.js'
export * from './pad.js'
export * from './softplus.js'
export * from './stable.js'
