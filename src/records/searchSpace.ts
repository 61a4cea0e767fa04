/**
 * A search space (src/train/search.ts's Space) as JSON, decoded with the codecs of every trust
 * boundary (codecs.ts): each key is a run config field, each value a dimension told apart by its
 * `kind`; unknown fields are refused with the nearest known name, and the first error is one line:
 *
 *   unknown field space.lr (did you mean learningRate?)
 *   space.learningRate.kind: expected one of 'uniform' | 'logUniform' | 'choice', got "log"
 *   space.learningRate.lo: expected a positive number, got 0
 *   space.l2: expected lo ≤ hi, got 2..1
 *
 * Decoded spaces list their fields in RunConfig's order; search draws are per sorted name, so
 * the order of a file's fields never changes a trial.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { SymgradError } from '../core/errors.js'
import { defaultRunConfig, type RunConfig } from '../train/config.js'
import type { Dim, Space } from '../train/search.js'
import { decodeWith, FiniteNumber, listOf, NonEmptyString, PositiveNumber, struct, tagged } from '../core/codecs.js'

type Range = { readonly lo: number; readonly hi: number }

/** `fields` with the check lo ≤ hi: `space.l2: expected lo ≤ hi, got 0.01..0.001`. */
function ordered<A extends Range, O>(fields: t.Type<A, O, unknown>): t.Type<A, O, unknown> {
  return new t.Type<A, O, unknown>(
    fields.name,
    (u): u is A => fields.is(u) && u.lo <= u.hi,
    (u, c) => {
      const r = fields.validate(u, c)
      if (E.isLeft(r)) return r
      return r.right.lo <= r.right.hi ? t.success(r.right) : t.failure(u, c, `{path}: expected lo ≤ hi, got ${r.right.lo}..${r.right.hi}`)
    },
    fields.encode,
  )
}

/** A value of a choice: a finite number or a non-empty string (one codec, so one error per value). */
const ChoiceValue = new t.Type<number | string, number | string, unknown>(
  'a finite number or a non-empty string',
  (u): u is number | string => FiniteNumber.is(u) || NonEmptyString.is(u),
  (u, c) => (typeof u === 'string' ? NonEmptyString.validate(u, c) : FiniteNumber.is(u) ? FiniteNumber.validate(u, c) : t.failure(u, c)),
  (v) => v,
)

/** `values` with at least one entry. */
const ChoiceValues = new t.Type<readonly (number | string)[], (number | string)[], unknown>(
  'a non-empty list of numbers or strings',
  (u): u is readonly (number | string)[] => Array.isArray(u) && u.length > 0 && u.every(ChoiceValue.is),
  (u, c) => {
    if (Array.isArray(u) && u.length === 0) return t.failure(u, c, '{path}: expected at least one value, got an empty list')
    return listOf(ChoiceValue, 'a non-empty list of numbers or strings').validate(u, c)
  },
  (vs) => [...vs],
)

/** One dimension of a search space. */
export const DimC: t.Type<Dim, unknown, unknown> = tagged('a search dimension', 'kind', {
  uniform: ordered(struct('a uniform dimension { kind, lo, hi }', { kind: t.literal('uniform'), lo: FiniteNumber, hi: FiniteNumber })),
  logUniform: ordered(struct('a log-uniform dimension { kind, lo, hi }', { kind: t.literal('logUniform'), lo: PositiveNumber, hi: PositiveNumber })),
  choice: struct('a choice dimension { kind, values }', { kind: t.literal('choice'), values: ChoiceValues }),
}) as t.Type<Dim, unknown, unknown>

/** The run config fields a space may search over (every RunConfig field). */
export const spaceFields = Object.keys(defaultRunConfig) as readonly (keyof RunConfig)[]

/** A search space as JSON: any subset of the run config's fields, each a dimension, nothing else. */
export const SpaceC = struct('a search space', {}, Object.fromEntries(spaceFields.map((k) => [k, DimC])) as Record<keyof RunConfig, typeof DimC>)

/** Decodes a search space; Left is one line (`space.learningRate.lo: expected a positive number, got 0`). */
export function decodeSpace(u: unknown, root = 'space'): Either<SymgradError, Space> {
  return decodeWith(SpaceC, u, root) as Either<SymgradError, Space>
}
