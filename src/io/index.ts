/**
 * io: the formats (JSON, tensors, numbers, graphs, CSV, PNG headers, limits) as data, decoded with
 * io-ts at every trust boundary. Everything exported here is pure and browser-safe. Run records
 * (specs, checkpoints, run configs, search spaces) stand on these in src/records, whose index is
 * symgrad's `io` namespace. Files are read and written by `atomic.ts` (Node only, so not exported
 * here): `readJsonFile`, `writeFileAtomic`, `lockForWriting`.
 *
 * Every decoder returns `Either<SymgradError, T>` whose Left is one line naming the path and the
 * expected vs found value (`config.learningRate: expected a positive number, got -0.1`). Unknown fields are refused with the nearest known name. Floats
 * round-trip exactly: tensors as base64 of little-endian float64 bytes, single numbers as JSON
 * numbers or "NaN" / "Infinity" / "-Infinity" / "-0" (see floats.ts).
 */
export { parseJson } from './json.js'
export { decodeWith, describe, report, formatError, closest, struct, tagged, oneOf, num, listOf, recordOf, FiniteNumber, PositiveNumber, PositiveInt, UnitInterval, KeepProbability } from '../core/codecs.js'
export { TensorC, FiniteTensorC, AnyNumber } from './codecs.js'
export { encodeTensor, encodeNumber, decodeNumber, encodeFloat64, decodeFloat64, toBase64, fromBase64, type TensorJson, type NumberJson } from './floats.js'
export { encodeGraph, decodeGraph, GraphC, GRAPH_FORMAT, GRAPH_VERSION, type GraphJson, type DecodeGraphOptions } from './graph.js'
export { fromCsv } from './csv.js'
export { pngHeader, colorTypeName, PNG_SIGNATURE, type PngHeader } from './png.js'

// ── …OrThrow twins (the error rule: see orThrowing in core/errors.ts) ─────────────────────────
import { orThrowing } from '../core/errors.js'
import { parseJson as parseJson_ } from './json.js'
import { decodeGraph as decodeGraph_ } from './graph.js'
import { fromCsv as fromCsv_ } from './csv.js'
export const parseJsonOrThrow = orThrowing(parseJson_)
export const decodeGraphOrThrow = orThrowing(decodeGraph_)
export const fromCsvOrThrow = orThrowing(fromCsv_)
export { defaultLimits, limitVars, limitsFromEnv, checkMlpSize, mlpParameters, maxDepth, type Limits } from './limits.js'
import { decodeWith as decodeWith_ } from '../core/codecs.js'
import { limitsFromEnv as limitsFromEnv_, checkMlpSize as checkMlpSize_ } from './limits.js'
import type * as t from 'io-ts'
export const limitsFromEnvOrThrow = orThrowing(limitsFromEnv_)
export const checkMlpSizeOrThrow = orThrowing(checkMlpSize_)
/** decodeWith's twin (generic, so written out): the decoded value, or a thrown SymgradError. */
export function decodeWithOrThrow<A, O>(codec: t.Type<A, O, unknown>, u: unknown, root: string): A {
  return orThrowing(decodeWith_<A, O>)(codec, u, root)
}
import { pngHeader as pngHeader_ } from './png.js'
export const pngHeaderOrThrow = orThrowing(pngHeader_)
