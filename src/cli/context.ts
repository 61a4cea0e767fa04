/**
 * What every command gets besides its flags: the registries its names resolve through (layer
 * kinds, inits, optimizers, ops and their code, ONNX mappings; `Registries.builtins` unless the
 * caller of `main` passes a user's) and where one-line notes go.
 */
import type { Registries } from '../records/Registries.js'

export interface CommandOptions {
  readonly registries: Registries
  /** One-line notes and warnings (stderr). */
  readonly err: (line: string) => void
}
