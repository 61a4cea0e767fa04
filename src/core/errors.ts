/**
 * Error values. Builders throw these at once (a programming error in user code, caught where the
 * graph is built); functions that consume user data return them inside an fp-ts `Either`.
 */
export type ErrorKind = 'shape' | 'binding' | 'grad' | 'value' | 'decode' | 'io'

export class SymgradError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message)
    this.name = 'SymgradError'
  }
}

/** A shape rule failed: names the op, the argument and expected vs. actual shapes. */
export class ShapeError extends SymgradError {
  constructor(message: string) {
    super('shape', message)
    this.name = 'ShapeError'
  }
}

/** Differentiation failed, e.g. an op has no derivative rule. */
export class GradError extends SymgradError {
  constructor(message: string) {
    super('grad', message)
    this.name = 'GradError'
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
