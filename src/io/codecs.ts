/**
 * Codecs of the file formats: tensors (`{ shape, f64le }`), any double (JSON numbers or "NaN",
 * "Infinity", "-Infinity", "-0") and `{ $num }` boxes, on top of the generic building blocks of
 * core/codecs.ts (struct, tagged, oneOf, number codecs, the one-line reporter: import those from there).
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { Tensor } from '../core/Tensor.js'
import { isRecord, listOf, NonNegativeInt, oneOf, struct } from '../core/codecs.js'
import { decodeFloat64, decodeNumber, encodeNumber, encodeTensor } from './floats.js'
import type { NumberJson, TensorJson } from './floats.js'

/** Any double, written as in floats.ts: a JSON number, or "NaN" | "Infinity" | "-Infinity" | "-0". */
export const AnyNumber = new t.Type<number, NumberJson, unknown>(
  'a number (or "NaN", "Infinity", "-Infinity", "-0")',
  (u): u is number => typeof u === 'number',
  (u, c) =>
    typeof u === 'number'
      ? t.success(u)
      : u === 'NaN' || u === 'Infinity' || u === '-Infinity' || u === '-0'
        ? t.success(decodeNumber(u))
        : t.failure(u, c),
  encodeNumber,
)

// ── tensors ──────────────────────────────────────────────────────────────────────────────────

const ShapeJson = listOf(NonNegativeInt, 'a shape (list of non-negative integers)')
const TensorFields = struct('a tensor { shape, f64le }', { shape: ShapeJson, f64le: t.string })

/** A tensor written as `{ shape, f64le }` (see floats.ts); the data must have exactly size(shape) doubles. */
export const TensorC = new t.Type<Tensor, TensorJson, unknown>(
  'a tensor { shape, f64le }',
  (u): u is Tensor => isRecord(u) && Array.isArray(u['shape']) && u['data'] instanceof Float64Array,
  (u, c) => {
    const f = TensorFields.validate(u, c)
    if (E.isLeft(f)) return f
    const data = decodeFloat64(f.right.f64le)
    const fc = t.appendContext(c, 'f64le', t.string, f.right.f64le)
    if (typeof data === 'string') return t.failure(f.right.f64le, fc, `{path}: ${data}`)
    const size = f.right.shape.reduce((a, b) => a * b, 1)
    if (data.length !== size)
      return t.failure(f.right.f64le, fc, `{path}: shape [${f.right.shape.join(',')}] needs ${size} doubles, got ${data.length}`)
    return t.success({ shape: Object.freeze([...f.right.shape]), data })
  },
  encodeTensor,
)

/** A tensor with finite entries only (parameters): a NaN or ±Inf is refused with its index. */
export const FiniteTensorC = new t.Type<Tensor, TensorJson, unknown>(
  'a tensor of finite numbers',
  TensorC.is,
  (u, c) => {
    const r = TensorC.validate(u, c)
    if (E.isLeft(r)) return r
    const i = r.right.data.findIndex((x) => !Number.isFinite(x))
    return i < 0 ? r : t.failure(u, c, `{path}: expected finite values, got ${r.right.data[i]} at flat index ${i} of shape [${r.right.shape.join(',')}]`)
  },
  encodeTensor,
)

const NumFields = struct('{ $num }', { $num: oneOf(['NaN', 'Infinity', '-Infinity', '-0']) })

/** `{ "$num": "NaN" | "Infinity" | "-Infinity" | "-0" }` (a number JSON cannot spell, boxed where bare strings mean text), decoded to the number. */
export const NumBox = new t.Type<number, { readonly $num: NumberJson }, unknown>(
  '{ $num }',
  (u): u is number => typeof u === 'number',
  (u, c) => {
    const r = NumFields.validate(u, c)
    return E.isLeft(r) ? r : t.success(decodeNumber(r.right.$num))
  },
  (x) => ({ $num: encodeNumber(x) }),
)
