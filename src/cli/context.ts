/**
 * What every command gets besides its flags: the registries its names resolve through (layer
 * kinds, inits, optimizers, ops and their code, ONNX mappings; `Registries.builtins` unless the
 * caller of `main` passes a user's, plus the records of its `--with` modules) and where one-line
 * notes go.
 */
import type { Registries } from '../records/Registries.js'

export interface CommandOptions {
  readonly registries: Registries
  /**
   * The `--with` modules `registries` were loaded from (absolute or as given), for the threads a
   * command starts (search trials, a queue worker's training thread): each loads the same modules.
   */
  readonly withModules: readonly string[]
  /** One-line notes and warnings (stderr). */
  readonly err: (line: string) => void
}
