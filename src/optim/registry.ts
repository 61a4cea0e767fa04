/**
 * The built-in optimizer kinds, in the order --help lists them. A new built-in kind is its record's
 * file plus one entry here; a user's kind is `Registries.extend(Registries.builtins, { optimizers: [mine] })`.
 */
import { adagradDef, adamDef, adamwDef, momentumDef, nesterovDef, rmspropDef, sgdDef } from './builtins.js'
import { optimizerRegistry, type OptimizerRegistry } from './OptimizerDef.js'
import { adadeltaDef } from './adadelta.js'

export { adadelta, adadeltaDef, scaleByAdadelta } from './adadelta.js'

/** The registry of built-in optimizer kinds (a user's are added with `Registries.extend`). */
export const builtinOptimizers: OptimizerRegistry = optimizerRegistry(sgdDef, momentumDef, nesterovDef, adagradDef, rmspropDef, adamDef, adamwDef, adadeltaDef)
