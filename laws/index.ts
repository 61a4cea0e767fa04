/**
 * symgrad/laws: reusable law suites for your own ops and models — plain predicates plus their
 * fast-check wiring (the fp-ts-laws split).
 *
 * ```ts
 * import { checkOpLaws } from 'symgrad/laws'
 * const failures = checkOpLaws(myOp).filter((r) => !r.ok)
 * ```
 * An op's `law` spec (cases, per-argument domain, `accept`) says where inputs are drawn.
 */
export * from './arbitraries.js'
export * from './support.js'
export * from './predicates.js'
export * from './agreement.js'
export * from './opLaws.js'
export * from './modelLaws.js'
export * from './optimizerLaws.js'
export * from './layerLaws.js'
export * from './dtype.js'
export * from './rewriteLaws.js'
