/**
 * The built-in optimizer kinds, in the order --help lists them. A new built-in kind is its record's
 * file plus one entry here; a user's kind is `withOptimizers(builtinOptimizers, mine)`.
 */
import { adagradDef, adamDef, adamwDef, momentumDef, nesterovDef, rmspropDef, sgdDef } from './builtins.js'
import { withOptimizers, type OptimizerRegistry } from './OptimizerDef.js'
import { adadeltaDef } from './adadelta.js'

export { adadelta, adadeltaDef, scaleByAdadelta } from './adadelta.js'

/** The registry of built-in optimizer kinds (extend it with `withOptimizers`). */
export const builtinOptimizers: OptimizerRegistry = withOptimizers(new Map(), sgdDef, momentumDef, nesterovDef, adagradDef, rmspropDef, adamDef, adamwDef, adadeltaDef)
