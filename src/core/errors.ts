/**
 * Error values. Builders throw these at once (a programming error in user code, caught where the
 * graph is built); functions that consume user data return them inside an fp-ts `Either`.
 */
export type ErrorKind = 'shape' | 'binding' | 'grad' | 'value' | 'decode' | 'io'

/** The error of symgrad: a kind (shape, binding, grad, value, decode, io) and a one-line message. Builders throw it; readers return it in an Either. */
export class SymgradError extends Error {
  /** An error of this kind; `message` is one line naming what was wrong. */
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
  /** A shape error (kind 'shape'), its name 'ShapeError'. */
  constructor(message: string) {
    super('shape', message)
    this.name = 'ShapeError'
  }
}

/** Differentiation failed, e.g. an op has no derivative rule. */
export class GradError extends SymgradError {
  /** A differentiation error (kind 'grad'), its name 'GradError'. */
  constructor(message: string) {
    super('grad', message)
    this.name = 'GradError'
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * The error rule: builders throw at construction; anything that reads data (files, JSON, user
 * values) returns an `Either`; each Either-returning public call has an `…OrThrow` twin made by
 * `orThrowing`, which returns the Right value or throws the Left's SymgradError.
 */
export function orThrow<A>(r: { readonly _tag: 'Left'; readonly left: SymgradError } | { readonly _tag: 'Right'; readonly right: A }): A {
  if (r._tag === 'Left') throw r.left
  return r.right
}

/** The `…OrThrow` twin of an Either-returning function (same parameters, the Right value, or a thrown SymgradError). */
export function orThrowing<P extends readonly unknown[], A>(
  f: (...args: P) => { readonly _tag: 'Left'; readonly left: SymgradError } | { readonly _tag: 'Right'; readonly right: A },
): (...args: P) => A {
  return (...args) => orThrow(f(...args))
}
