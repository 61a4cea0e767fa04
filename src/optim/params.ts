/** Parameter trees (core/Params.ts), where the optimizers read them. */
export * from '../core/Params.js'
