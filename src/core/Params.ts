/**
 * Parameter trees: a model's parameters as a flat record of named tensors. Every function here is
 * pure — it reads its arguments and returns fresh records and fresh tensor data.
 *
 * Structure mismatches between two records (a missing key, a different shape) are programming
 * errors inside an optimizer and throw a ShapeError naming the key; `checkSameStructure` returns
 * the same message as an Either for data that arrives from outside (checkpoints, user lists).
 */
import * as E from 'fp-ts/lib/Either.js'
import * as Sh from './Shape.js'
import * as T from './Tensor.js'
import type { Tensor } from './Tensor.js'
import { ShapeError } from './errors.js'
import { bareName, forbiddenKeys, quoteName } from './codecs.js'

/** Named tensors: a model's parameters ('dense0.W', 'dense0.b', …), gradients, optimizer buffers, state. The one definition. */
export type Params = Readonly<Record<string, Tensor>>

/** Keys in a fixed (sorted) order, so every walk over a record visits tensors in the same order. */
export function keys(p: Params): string[] {
  return Object.keys(p).sort()
}

/** Left(message naming the first differing key or shape) when `a` and `b` differ in structure. */
export function checkSameStructure(a: Params, b: Params, where: string): E.Either<ShapeError, true> {
  const ka = keys(a)
  const kb = keys(b)
  const list = (ks: readonly string[]) => (ks.length > 8 ? `${ks.slice(0, 8).map(bareName).join(', ')}, … (${ks.length})` : ks.map(bareName).join(', '))
  for (const [ks, rec, which] of [[ka, a, 'first'], [kb, b, 'second']] as const)
    for (const k of ks) {
      if (forbiddenKeys.includes(k)) return E.left(new ShapeError(`${where}: ${quoteName(k)} is not allowed as a key (the ${which} record)`))
      const bad = T.tensorProblem(rec[k])
      if (bad !== undefined) return E.left(new ShapeError(`${where}: key ${quoteName(k)} in the ${which} record is not a tensor: ${bad}`))
    }
  // own keys only: 'toString' is not a key of every record
  for (const k of ka)
    if (!Object.hasOwn(b, k)) return E.left(new ShapeError(`${where}: key ${quoteName(k)} is missing in the second record (keys: ${list(kb)})`))
  for (const k of kb)
    if (!Object.hasOwn(a, k)) return E.left(new ShapeError(`${where}: key ${quoteName(k)} is missing in the first record (keys: ${list(ka)})`))
  for (const k of ka) {
    const sa = a[k]!.shape
    const sb = b[k]!.shape
    if (!Sh.equal(sa, sb))
      return E.left(new ShapeError(`${where}: key ${quoteName(k)} has shape ${Sh.show(sa)} in the first record and ${Sh.show(sb)} in the second`))
  }
  return E.right(true)
}

function assertSame(a: Params, b: Params, where: string): void {
  const r = checkSameStructure(a, b, where)
  if (E.isLeft(r)) throw r.left
}

/** A record of `f` applied to each tensor. */
export function map(p: Params, f: (t: Tensor, key: string) => Tensor): Params {
  const out: Record<string, Tensor> = {}
  for (const k of keys(p)) out[k] = f(p[k]!, k)
  return out
}

/** Elementwise combination of records with the same structure. */
export function zipWith(a: Params, b: Params, f: (x: number, y: number) => number, where = 'Params.zipWith'): Params {
  assertSame(a, b, where)
  return map(a, (t, k) => T.zipWith(t, b[k]!, f))
}

/** The data arrays of a tuple of records, one Float64Array per record. */
export type DataOf<I extends readonly Params[]> = { readonly [K in keyof I]: Float64Array }

/**
 * The hot path of the update rules: one pass per tensor. For each key (sorted), `kernel` gets the
 * data arrays of `inputs` under that key, reads them only, and returns fresh output arrays of the
 * same length (new state buffers and the update, computed together in one indexed loop). Returns
 * one record per output, each tensor with the shape of `inputs[0]`'s. Every input record must have
 * the structure of `inputs[0]` (a ShapeError naming `where` otherwise). The per-key call costs
 * nothing next to the per-element work, and the loop inside the kernel has no calls at all.
 */
export function perTensor<const I extends readonly Params[], const R extends readonly Float64Array[]>(
  where: string, inputs: I, kernel: (...data: DataOf<I>) => R,
): { -readonly [K in keyof R]: Params } {
  const first = inputs[0]
  if (first === undefined) throw new RangeError(`${where}: perTensor needs at least one input record`)
  for (let j = 1; j < inputs.length; j++) assertSame(first, inputs[j]!, where)
  const ks = keys(first)
  // An empty record still yields one (empty) record per output: run the kernel once on no data to count them.
  const outs: Record<string, Tensor>[] = ks.length > 0 ? [] : kernel(...(inputs.map(() => new Float64Array(0)) as unknown as DataOf<I>)).map(() => ({}))
  for (const k of ks) {
    const data = inputs.map((p) => p[k]!.data) as unknown as DataOf<I>
    const res = kernel(...data)
    const shape = first[k]!.shape
    res.forEach((d, j) => {
      if (d.length !== first[k]!.data.length)
        throw new RangeError(`${where}: output ${j} for key '${k}' has ${d.length} values, expected ${first[k]!.data.length}`)
      ;(outs[j] ??= {})[k] = { shape, data: d }
    })
  }
  return outs as unknown as { -readonly [K in keyof R]: Params }
}

/** A record of zero tensors with the names and shapes of `p`. */
export function zerosLike(p: Params): Params {
  return map(p, (t) => T.zeros(t.shape))
}

/** The elementwise sum of two records of tensors with the same names. */
export function add(a: Params, b: Params, where = 'Params.add'): Params {
  return perTensor(where, [a, b], (x, y) => {
    const out = new Float64Array(x.length)
    for (let i = 0; i < out.length; i++) out[i] = x[i]! + y[i]!
    return [out]
  })[0]
}

/** The elementwise difference of two records of tensors with the same names. */
export function sub(a: Params, b: Params): Params {
  return perTensor('Params.sub', [a, b], (x, y) => {
    const out = new Float64Array(x.length)
    for (let i = 0; i < out.length; i++) out[i] = x[i]! - y[i]!
    return [out]
  })[0]
}

/** Every tensor of the record times `k`. */
export function scale(p: Params, k: number): Params {
  return perTensor('Params.scale', [p], (x) => {
    const out = new Float64Array(x.length)
    for (let i = 0; i < out.length; i++) out[i] = x[i]! * k
    return [out]
  })[0]
}

/** a + k·b */
export function axpy(a: Params, k: number, b: Params, where = 'Params.axpy'): Params {
  return perTensor(where, [a, b], (x, y) => {
    const out = new Float64Array(x.length)
    for (let i = 0; i < out.length; i++) out[i] = x[i]! + k * y[i]!
    return [out]
  })[0]
}

/** Σ over every key of ⟨a[k], b[k]⟩. */
export function dot(a: Params, b: Params): number {
  assertSame(a, b, 'Params.dot')
  let s = 0
  for (const k of keys(a)) s += T.dot(a[k]!, b[k]!)
  return s
}

/** √(Σ over all tensors of Σ x²): the norm of the whole record seen as one vector. */
export function globalNorm(p: Params): number {
  return Math.sqrt(dot(p, p))
}

/** Whether every tensor of the record is finite. */
export function isFinite(p: Params): boolean {
  return keys(p).every((k) => T.isFinite(p[k]!))
}

/** Total number of scalars. */
export function count(p: Params): number {
  return keys(p).reduce((s, k) => s + p[k]!.data.length, 0)
}

/** Largest elementwise relative error over all keys (see Tensor.maxRelError). */
export function maxRelError(a: Params, b: Params, floor = 1e-300): number {
  assertSame(a, b, 'Params.maxRelError')
  return keys(a).reduce((m, k) => Math.max(m, T.maxRelError(a[k]!, b[k]!, floor)), 0)
}

/** Same keys, shapes and bit-identical values. */
export function equal(a: Params, b: Params): boolean {
  return E.isRight(checkSameStructure(a, b, 'Params.equal')) && keys(a).every((k) => T.equal(a[k]!, b[k]!))
}

/** The record as text: each name and its tensor's values (`digits` significant digits). */
export function show(p: Params, digits = 4): string {
  return `{ ${keys(p).map((k) => `${k}: ${T.show(p[k]!, digits)}`).join(', ')} }`
}
