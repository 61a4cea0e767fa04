/** Parameter trees (core/Params.ts), where the optimizers read them. */
export * from '../core/Params.js'

import { orThrowing } from '../core/errors.js'
import { checkSameStructure as checkSameStructure_ } from '../core/Params.js'
/** `checkSameStructure`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkSameStructureOrThrow = orThrowing(checkSameStructure_)
