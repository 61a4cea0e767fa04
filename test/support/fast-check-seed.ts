/**
 * Under CI (CI=true), every fast-check property runs from one fixed seed (FC_SEED, default below),
 * so a CI run is reproducible; local runs draw fresh seeds and keep exploring. A failure report
 * always prints the seed and path to replay it.
 */
import fc from 'fast-check'

if (process.env['CI'] === 'true' || process.env['FC_SEED'] !== undefined)
  fc.configureGlobal({ seed: Number(process.env['FC_SEED'] ?? 20261126) })
