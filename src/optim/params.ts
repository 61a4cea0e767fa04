/** Parameter trees (core/Params.ts), where the optimizers read them. */
export * from '../core/Params.js'

import { orThrowing } from '../core/errors.js'
import { checkSameStructure as checkSameStructure_ } from '../core/Params.js'
export const checkSameStructureOrThrow = orThrowing(checkSameStructure_)
