/**
 * How each symgrad op becomes standard ONNX operators (opset 17): one entry per op record, like the
 * compiler's backend tables (two ops sharing a name are different ops), read by the exporter
 * (export.ts). The table is a value, the `onnx` of a registries value: `Registries.extend(base, {
 * onnx: [[myOp, …]] })` and `toOnnx(graph, { registries })` export graphs that use ops of your own.
 * An op with no entry is refused, naming it.
 *
 * Elementwise entries rely on ONNX's numpy-style broadcasting, which is symgrad's own rule (shapes
 * aligned at the right, size-1 axes stretched): an argument that symgrad broadcast with
 * `broadcastTo` reaches them unexpanded. Other entries get their arguments at full shape.
 */
import type { Attrs, Expr, OpDef } from '../core/Expr.js'
import { SymgradError } from '../core/errors.js'
import * as ops from '../ops/builtins.js'
import { pairAttr } from '../ops/spatial.js'

/** An ONNX attribute value: an int, a list of ints, a float or a list of floats. */
export type OnnxAttr = number | readonly number[] | { readonly float: number } | { readonly floats: readonly number[] }

/** What an ONNX emitter receives: the node, its attributes, its arguments' ONNX names, and makers of nodes and constants. */
export interface EmitCtx {
  readonly node: Expr
  readonly attrs: Attrs
  /** The ONNX value names of the node's arguments. */
  readonly args: readonly string[]
  /** Adds an ONNX node; returns the name of its (first) output. Integers are INT/INTS attributes. */
  readonly emit: (opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttr>>) => string
  /** An int64 tensor constant (shapes, axes, pads). */
  readonly int64s: (values: readonly number[]) => string
  /** A float scalar constant. */
  readonly float: (value: number) => string
  /** Fails the export with `message` (it is prefixed with the op's name). */
  readonly fail: (message: string) => never
}

/** How one op becomes ONNX nodes: its emitter, and whether it is elementwise. */
export interface OnnxEntry {
  /** True: the op is elementwise with numpy broadcasting in ONNX (its arguments may arrive unexpanded). */
  readonly elementwise: boolean
  /** Adds the op's ONNX nodes through `c` and returns the ONNX name of the node's value. */
  readonly emit: (c: EmitCtx) => string
}

/** ONNX mappings keyed by op record. */
export type OnnxTable = ReadonlyMap<OpDef, OnnxEntry>

/** The part of a `Registries` value ONNX export reads: the mapping of each op record. */
export interface OnnxRegistries {
  readonly onnx: OnnxTable
}

/** A table from [op, entry] pairs; an op listed twice is an error. */
export function onnxTable(entries: readonly (readonly [OpDef, OnnxEntry])[]): OnnxTable {
  const m = new Map<OpDef, OnnxEntry>()
  for (const [op, e] of entries) {
    if (m.has(op)) throw new SymgradError('value', `onnx table: op '${op.name}' is listed twice`)
    m.set(op, e)
  }
  return m
}

const FLOAT = 1

const same = (opType: string): OnnxEntry => ({ elementwise: true, emit: (c) => c.emit(opType, c.args) })
const compare = (opType: string): OnnxEntry => ({ elementwise: true, emit: (c) => c.emit('Cast', [c.emit(opType, c.args)], { to: FLOAT }) })

function axesOf(c: EmitCtx): number[] {
  const axes = c.attrs['axes']
  if (!Array.isArray(axes) || axes.length === 0) c.fail(`expected a non-empty 'axes' attribute, got ${JSON.stringify(axes)}`)
  return axes as number[]
}
const reduceWithAttr = (opType: string): OnnxEntry => ({ elementwise: false, emit: (c) => c.emit(opType, c.args, { axes: axesOf(c), keepdims: 0 }) })

const pair = (c: EmitCtx, key: string, fallback: number): readonly [number, number] => {
  try {
    return pairAttr(c.attrs, key, fallback)
  } catch (e) {
    return c.fail(e instanceof Error ? e.message : String(e))
  }
}

/** The ONNX mapping of every built-in op (a user's are added with `Registries.extend`). */
export const builtinOnnx: OnnxTable = onnxTable([
  [ops.addOp, same('Add')], [ops.subOp, same('Sub')], [ops.mulOp, same('Mul')], [ops.divOp, same('Div')],
  [ops.maximumOp, same('Max')], [ops.minimumOp, same('Min')],
  [ops.negOp, same('Neg')], [ops.absOp, same('Abs')], [ops.expOp, same('Exp')], [ops.logOp, same('Log')], [ops.sqrtOp, same('Sqrt')],
  [ops.tanhOp, same('Tanh')], [ops.sigmoidOp, same('Sigmoid')], [ops.reluOp, same('Relu')], [ops.signOp, same('Sign')], [ops.softplusOp, same('Softplus')],
  // ONNX has no log1p or expm1: the exported graph computes them plainly (the runtime's precision)
  [ops.log1pOp, { elementwise: true, emit: (c) => c.emit('Log', [c.emit('Add', [c.args[0]!, c.float(1)])]) }],
  [ops.expm1Op, { elementwise: true, emit: (c) => c.emit('Sub', [c.emit('Exp', [c.args[0]!]), c.float(1)]) }],
  [ops.normOp, reduceWithAttr('ReduceL2')],
  [ops.squareOp, { elementwise: true, emit: (c) => c.emit('Mul', [c.args[0]!, c.args[0]!]) }],
  [ops.powOp, {
    elementwise: true,
    emit: (c) => {
      const p = c.attrs['p']
      return typeof p === 'number' ? c.emit('Pow', [c.args[0]!, c.float(p)]) : c.fail(`expected a number attribute 'p', got ${JSON.stringify(p)}`)
    },
  }],
  [ops.gtOp, compare('Greater')], [ops.geOp, compare('GreaterOrEqual')], [ops.ltOp, compare('Less')], [ops.leOp, compare('LessOrEqual')], [ops.eqOp, compare('Equal')],
  [ops.stepOp, { elementwise: true, emit: (c) => c.emit('Cast', [c.emit('Greater', [c.args[0]!, c.float(0)])], { to: FLOAT }) }],
  // where(c, a, b) takes a where c ≠ 0
  [ops.whereOp, { elementwise: true, emit: (c) => c.emit('Where', [c.emit('Not', [c.emit('Equal', [c.args[0]!, c.float(0)])]), c.args[1]!, c.args[2]!]) }],
  [ops.sumOp, { elementwise: false, emit: (c) => c.emit('ReduceSum', [c.args[0]!, c.int64s(axesOf(c))], { keepdims: 0 }) }],
  [ops.meanOp, reduceWithAttr('ReduceMean')],
  [ops.maxOp, reduceWithAttr('ReduceMax')],
  [ops.logSumExpOp, reduceWithAttr('ReduceLogSumExp')],
  [ops.matmulOp, { elementwise: false, emit: (c) => c.emit('MatMul', c.args) }],
  [ops.transposeOp, {
    elementwise: false,
    emit: (c) => {
      const perm = c.attrs['perm']
      const rank = c.node.shape.length
      return c.emit('Transpose', c.args, { perm: Array.isArray(perm) ? (perm as number[]) : Array.from({ length: rank }, (_, i) => rank - 1 - i) })
    },
  }],
  [ops.reshapeOp, {
    elementwise: false,
    emit: (c) => {
      const dims = c.node.shape.map((d) => (typeof d === 'number' ? d : -1))
      if (dims.filter((d) => d === -1).length > 1) c.fail(`a shape with more than one symbolic dimension (${JSON.stringify(c.node.shape)}) has no ONNX Reshape`)
      return c.emit('Reshape', [c.args[0]!, c.int64s(dims)])
    },
  }],
  [ops.conv2dOp, {
    elementwise: false,
    emit: (c) => {
      const [ph, pw] = pair(c, 'pad', 0)
      return c.emit('Conv', c.args, { strides: pair(c, 'stride', 1), pads: [ph, pw, ph, pw] })
    },
  }],
  [ops.maxPool2dOp, {
    elementwise: false,
    emit: (c) => {
      const window = pair(c, 'window', 2)
      return c.emit('MaxPool', c.args, { kernel_shape: window, strides: pair(c, 'stride', window[0]) })
    },
  }],
  [ops.avgPool2dOp, {
    elementwise: false,
    emit: (c) => {
      const window = pair(c, 'window', 2)
      return c.emit('AveragePool', c.args, { kernel_shape: window, strides: pair(c, 'stride', window[0]) })
    },
  }],
  [ops.padOp, {
    elementwise: false,
    emit: (c) => {
      const p = c.attrs['pads']
      if (!Array.isArray(p) || !p.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) c.fail(`only non-negative integer pads map to ONNX Pad, got ${JSON.stringify(p)}`)
      const q = p as number[]
      // symgrad interleaves (before, after) per axis; ONNX lists every axis' before, then every after
      return c.emit('Pad', [c.args[0]!, c.int64s([...q.filter((_, i) => i % 2 === 0), ...q.filter((_, i) => i % 2 === 1)])])
    },
  }],
])

