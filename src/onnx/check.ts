/**
 * What toOnnx checks before it builds anything, so that it returns a Left (never throws) for a
 * graph that is not one: outputs, values and softmax outputs as records of the right things (own
 * fields only, `__proto__` refused as a name), values as tensors; and every number it writes as
 * float32 (ONNX runtimes compute in float32) within float32's range: a finite float64 weight beyond
 * ±3.4e38 would become ±Inf and the whole model NaN.
 */
import type { Expr } from '../core/Expr.js'
import { forbiddenKeys, isRecord, quoteName } from '../core/codecs.js'
import { tensorProblem } from '../core/Tensor.js'
import { inputOp } from '../ops/leaves.js'

const isExpr = (u: unknown): u is Expr =>
  isRecord(u) && typeof u['id'] === 'number' && isRecord(u['op']) && typeof (u['op'] as { name?: unknown }).name === 'string' && Array.isArray(u['args'])

function recordProblem(u: unknown, what: string, each: (v: unknown, k: string) => string | undefined): string | undefined {
  if (!isRecord(u)) return `${what}: expected a record, got ${u === null ? 'null' : Array.isArray(u) ? 'a list' : typeof u}`
  for (const k of Object.keys(u)) {
    if (forbiddenKeys.includes(k)) return `${what}: ${quoteName(k)} is not allowed as a name`
    const p = each(u[k], k)
    if (p !== undefined) return `${what}[${quoteName(k)}]: ${p}`
  }
  return undefined
}

/** The first problem of `g` as an OnnxGraph, or undefined. */
export function onnxGraphProblem(g: unknown): string | undefined {
  if (!isRecord(g)) return `expected a graph { inputs, outputs, values }, got ${g === null ? 'null' : typeof g}`
  const inputs = g['inputs']
  if (!Array.isArray(inputs)) return 'inputs: expected a list of input leaves'
  const badInput = inputs.findIndex((e) => !isExpr(e) || e.op !== inputOp)
  if (badInput >= 0) return `inputs[${badInput}]: expected an input leaf (ops.input)`
  const outs = recordProblem(g['outputs'], 'outputs', (v) => (isExpr(v) ? undefined : 'expected an expression'))
  if (outs !== undefined) return outs
  if (Object.keys(g['outputs'] as object).length === 0) return 'outputs: expected at least one output'
  const vals = recordProblem(g['values'], 'values', (v) => tensorProblem(v))
  if (vals !== undefined) return vals
  if (g['softmax'] !== undefined) {
    const sm = recordProblem(g['softmax'], 'softmax', (v) => (typeof v === 'string' ? undefined : 'expected the name of an output'))
    if (sm !== undefined) return sm
  }
  for (const k of ['name', 'docString'])
    if (g[k] !== undefined && typeof g[k] !== 'string') return `${k}: expected a string, got ${typeof g[k]}`
  return undefined
}

/**
 * Why `data` cannot be written as float32, or undefined: a finite value beyond float32's range
 * (it would be written ±Inf), or, unless `nonFinite`, a NaN or ±∞ (never in weights).
 */
export function float32Problem(data: ArrayLike<number>, nonFinite: boolean): string | undefined {
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!
    if (Number.isFinite(x) ? !Number.isFinite(Math.fround(x)) : !nonFinite)
      return `holds ${String(x)} at flat index ${i}: ${Number.isFinite(x) ? 'beyond float32 range (±3.4e38), in which ONNX runtimes compute' : 'not a finite number'}`
  }
  return undefined
}
