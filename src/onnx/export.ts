/**
 * A symgrad expression graph as an ONNX model (opset 17), encoded by proto.ts (the records of the
 * ONNX schema it uses and their protocol-buffer bytes). Every op goes through the table in table.ts; two patterns
 * become single ONNX operators: a matmul plus a broadcast bias row becomes Gemm, and the inference
 * form of batch normalization (x − μ)/√(σ² + ε)·γ + β over [N, D] with μ, σ², γ, β leaves becomes
 * BatchNormalization. Parameters and other bound leaves are stored as float32 initializers (ONNX
 * runtimes compute in float32); the graph inputs keep their symbolic batch dimension.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import type { Expr, OpDef } from '../core/Expr.js'
import { topoSort } from '../core/Expr.js'
import type { Dim } from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { SymgradError } from '../core/errors.js'
import { AttributeType as T, DataType, encodeModel, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './proto.js'
import { builtinOnnx, type EmitCtx, type OnnxAttr, type OnnxRegistries, type OnnxTable } from './table.js'
import { float32Problem, onnxGraphProblem } from './check.js'
import { quoteName } from '../core/codecs.js'
import * as ops from '../ops/builtins.js'

/** The ONNX opset the export writes (17). */
export const ONNX_OPSET = 17
/** The ONNX IR version the export writes (8). */
export const ONNX_IR_VERSION = 8

/** What `toOnnx` exports: inputs, named outputs, the values of the other leaves, optional softmax outputs. */
export interface OnnxGraph {
  /** Graph inputs: `input` leaves by name (their symbolic dimensions stay symbolic). */
  readonly inputs: readonly Expr[]
  /** Graph outputs by name. */
  readonly outputs: Readonly<Record<string, Expr>>
  /** Values of the other leaves (`param`s and bound `input`s such as running statistics). */
  readonly values: Readonly<Record<string, Tensor>>
  /** Extra outputs computed in ONNX from a named output: `{ probabilities: { softmaxOf: 'scores' } }` (softmax over axis 1). */
  readonly softmax?: Readonly<Record<string, string>>
  readonly name?: string
  readonly docString?: string
}

/** An exported ONNX model: its bytes and the operator types it uses. */
export interface OnnxModel {
  readonly bytes: Uint8Array
  /** The ONNX operator types used, each once, in order of first use. */
  readonly opTypes: readonly string[]
}

class ExportError extends SymgradError {
  constructor(message: string) {
    super('value', `onnx export: ${message}`)
  }
}

type OShape = readonly Dim[]

function float32Bytes(data: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(data.length * 4)
  const v = new DataView(b.buffer)
  for (let i = 0; i < data.length; i++) v.setFloat32(i * 4, data[i]!, true)
  return b
}

function int64Bytes(data: readonly number[]): Uint8Array {
  const b = new Uint8Array(data.length * 8)
  const v = new DataView(b.buffer)
  data.forEach((x, i) => v.setBigInt64(i * 8, BigInt(x), true))
  return b
}

/** numpy broadcasting of two shapes (symbolic dims compare by name). */
function broadcast(a: OShape, b: OShape): OShape {
  const n = Math.max(a.length, b.length)
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1
    const y = b[b.length - n + i] ?? 1
    return x === 1 ? y : x
  })
}

const sameShape = (a: OShape, b: OShape) => a.length === b.length && a.every((d, i) => d === b[i])

function valueInfo(name: string, shape: OShape): OnnxValueInfo {
  return { name, elemType: DataType.FLOAT, dims: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: String(d) })) }
}

function attribute(name: string, v: OnnxAttr): OnnxAttribute {
  if (typeof v === 'number') return { name, type: T.INT, i: v }
  if (Array.isArray(v)) return { name, type: T.INTS, ints: [...(v as number[])] }
  if ('float' in (v as object)) return { name, type: T.FLOAT, f: (v as { float: number }).float }
  return { name, type: T.FLOATS, floats: [...(v as { floats: number[] }).floats] }
}

/** How many nodes of the graph use each node. */
function useCounts(order: readonly Expr[], roots: readonly Expr[]): Map<Expr, number> {
  const uses = new Map<Expr, number>()
  for (const e of order) for (const a of e.args) uses.set(a, (uses.get(a) ?? 0) + 1)
  for (const r of roots) uses.set(r, (uses.get(r) ?? 0) + 1)
  return uses
}

const isLeaf = (e: Expr, ...leaves: OpDef[]) => leaves.includes(e.op) && e.args.length === 0
const unBroadcast = (e: Expr): Expr => (e.op === ops.broadcastToOp ? e.args[0]! : e)

interface BatchNormMatch {
  readonly x: Expr
  readonly gamma: Expr
  readonly beta: Expr
  readonly mean: Expr
  readonly variance: Expr
  readonly eps: number
  /** Nodes inside the pattern that nothing else uses (not emitted). */
  readonly inner: readonly Expr[]
}

/** add(mul(div(sub(x, ↑μ), ↑sqrt(add(σ², ε))), ↑γ), ↑β) over [N, D] with leaves μ, σ², γ, β of shape [D]. */
function matchBatchNorm(add: Expr, uses: Map<Expr, number>): BatchNormMatch | undefined {
  const only = (e: Expr, op: OpDef) => e.op === op && uses.get(e) === 1
  if (add.op !== ops.addOp || add.shape.length !== 2) return undefined
  const [mul, bBeta] = add.args as [Expr, Expr]
  if (!only(mul, ops.mulOp)) return undefined
  const [div, bGamma] = mul.args as [Expr, Expr]
  if (!only(div, ops.divOp)) return undefined
  const [sub, bStd] = div.args as [Expr, Expr]
  if (!only(sub, ops.subOp) || !only(bStd, ops.broadcastToOp)) return undefined
  const [x, bMean] = sub.args as [Expr, Expr]
  const sqrt = bStd.args[0]!
  if (!only(sqrt, ops.sqrtOp)) return undefined
  const plus = sqrt.args[0]!
  if (!only(plus, ops.addOp)) return undefined
  const [variance, epsNode] = plus.args as [Expr, Expr]
  const epsConst = unBroadcast(epsNode)
  const eps = epsConst.op === ops.constOp ? epsConst.attrs['value'] : undefined
  const [gamma, beta, mean] = [unBroadcast(bGamma), unBroadcast(bBeta), unBroadcast(bMean)]
  const d = add.shape[1]
  const vec = (e: Expr) => isLeaf(e, ops.paramOp, ops.inputOp, ops.tensorOp) && e.shape.length === 1 && e.shape[0] === d
  if (typeof eps !== 'number' || ![gamma, beta, mean, variance].every(vec)) return undefined
  if (![bBeta, bGamma, bMean].every((b) => b.op === ops.broadcastToOp)) return undefined
  return { x, gamma, beta, mean, variance, eps, inner: [mul, div, sub, bStd, sqrt, plus] }
}

/** matmul(a, W) + ↑b with b a vector: Gemm(a, W, b). */
function matchGemm(add: Expr, uses: Map<Expr, number>): { a: Expr; w: Expr; b: Expr; inner: Expr[] } | undefined {
  if (add.op !== ops.addOp) return undefined
  const [m, bb] = add.args as [Expr, Expr]
  if (m.op !== ops.matmulOp || uses.get(m) !== 1 || bb.op !== ops.broadcastToOp || bb.args[0]!.shape.length !== 1) return undefined
  return { a: m.args[0]!, w: m.args[1]!, b: bb.args[0]!, inner: [m] }
}

/** Where ONNX mappings come from: `{ registries }`, whose `onnx` table maps each op record (default: the built-ins). */
export interface OnnxOptions {
  readonly registries?: OnnxRegistries
}

/** Encodes the graph as an ONNX ModelProto; Left names the first op with no ONNX mapping (or a leaf with no value). */
export function toOnnx(g: OnnxGraph, o: OnnxOptions = {}): Either<SymgradError, OnnxModel> {
  const table: unknown = o.registries === undefined ? builtinOnnx : o.registries.onnx
  const bad = onnxGraphProblem(g) ?? (table instanceof Map ? undefined : 'registries.onnx: expected a Map of ONNX mappings by op record (Registries.extend)')
  if (bad !== undefined) return E.left(new SymgradError('value', `onnx export: ${bad}`))
  try {
    return E.right(build(g, table as OnnxTable))
  } catch (e) {
    // an ExportError names the node; anything else (a user's table entry that throws) is one line too
    return E.left(e instanceof SymgradError ? e : new SymgradError('value', `onnx export: ${e instanceof Error ? e.message : String(e)}`))
  }
}

function build(g: OnnxGraph, table: OnnxTable): OnnxModel {
  const roots = Object.values(g.outputs)
  const order = topoSort(roots)
  const uses = useCounts(order, roots)
  const nodes: OnnxNode[] = []
  const initializers: OnnxTensor[] = []
  const opTypes: string[] = []
  const names = new Map<Expr, string>()
  const shapes = new Map<Expr, OShape>()
  const inputNames = new Set(g.inputs.map((i) => String(i.attrs['name'])))
  let counter = 0
  const fresh = (stem: string) => `${stem}_${counter++}`
  const emit = (opType: string, inputs: readonly string[], attrs: Readonly<Record<string, OnnxAttr>> = {}, out?: string): string => {
    const o = out ?? fresh(opType.toLowerCase())
    nodes.push({ opType, input: [...inputs], output: [o], name: fresh(`n_${opType}`), attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) })
    if (!opTypes.includes(opType)) opTypes.push(opType)
    return o
  }
  // `what` names the values in a refusal; only constants may be ±∞ (exact in float32), weights never NaN or ±∞
  const floatInit = (name: string, dims: readonly number[], data: ArrayLike<number>, what = `'${name}'`, nonFinite = false) => {
    const bad = float32Problem(data, nonFinite)
    if (bad !== undefined) throw new ExportError(`${what} ${bad}`)
    initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: float32Bytes(data) })
    return name
  }
  const int64s = (values: readonly number[]) => {
    const name = fresh('const_i64')
    initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: int64Bytes(values) })
    return name
  }
  const float = (value: number) => floatInit(fresh('const_f'), [], [value], `the constant ${String(value)}`, true)

  /** The node's value at its full symgrad shape (a deferred broadcast is expanded when its shape is concrete). */
  const full = (e: Expr, user: string): string => {
    const have = shapes.get(e)!
    if (sameShape(have, e.shape)) return names.get(e)!
    if (!e.shape.every((d) => typeof d === 'number')) throw new ExportError(`${user}: an argument broadcast to ${JSON.stringify(e.shape)} over a symbolic dimension has no ONNX form outside elementwise ops`)
    return emit('Expand', [names.get(e)!, int64s(e.shape as number[])])
  }

  const skip = new Set<Expr>()
  const bn = new Map<Expr, BatchNormMatch>()
  const gemm = new Map<Expr, ReturnType<typeof matchGemm> & {}>()
  for (const e of order) {
    const b = matchBatchNorm(e, uses)
    if (b) {
      bn.set(e, b)
      b.inner.forEach((i) => skip.add(i))
      continue
    }
    const m = matchGemm(e, uses)
    if (m) {
      gemm.set(e, m)
      m.inner.forEach((i) => skip.add(i))
    }
  }

  for (const e of order) {
    if (skip.has(e)) continue
    const op = e.op.name
    const leafName = typeof e.attrs['name'] === 'string' ? (e.attrs['name'] as string) : undefined
    if (e.op === ops.inputOp && leafName !== undefined && inputNames.has(leafName)) {
      names.set(e, leafName)
      shapes.set(e, e.shape)
      continue
    }
    if ((e.op === ops.inputOp || e.op === ops.paramOp) && leafName !== undefined) {
      const v = Object.hasOwn(g.values, leafName) ? g.values[leafName] : undefined
      if (v === undefined) throw new ExportError(`${op} ${quoteName(leafName)} has no value (bind it in values, or list it as a graph input)`)
      if (!sameShape(v.shape, e.shape)) throw new ExportError(`${op} ${quoteName(leafName)}: value of shape ${JSON.stringify(v.shape)}, expected ${JSON.stringify(e.shape)}`)
      names.set(e, floatInit(leafName, v.shape, v.data, `${op} ${quoteName(leafName)}`))
      shapes.set(e, e.shape)
      continue
    }
    if (e.op === ops.tensorOp && e.value !== undefined) {
      names.set(e, floatInit(fresh('tensor'), e.value.shape, e.value.data, 'a tensor constant', true))
      shapes.set(e, e.shape)
      continue
    }
    if (e.op === ops.constOp) {
      names.set(e, float(Number(e.attrs['value'])))
      shapes.set(e, [])
      continue
    }
    if (e.op === ops.broadcastToOp) {
      // left unexpanded: its users broadcast it themselves (or `full` expands it)
      names.set(e, names.get(e.args[0]!)!)
      shapes.set(e, shapes.get(e.args[0]!)!)
      continue
    }
    const b = bn.get(e)
    if (b) {
      const args = [full(b.x, 'batch norm'), ...[b.gamma, b.beta, b.mean, b.variance].map((a) => full(a, 'batch norm'))]
      names.set(e, emit('BatchNormalization', args, { epsilon: { float: b.eps } }))
      shapes.set(e, e.shape)
      continue
    }
    const m = gemm.get(e)
    if (m) {
      names.set(e, emit('Gemm', [full(m.a, 'matmul'), full(m.w, 'matmul'), full(m.b, 'add')]))
      shapes.set(e, e.shape)
      continue
    }
    const entry = table.get(e.op)
    if (entry === undefined) throw new ExportError(`op '${op}' has no ONNX mapping (add one: Registries.extend(base, { onnx: [[${op}Op, …]] }), then toOnnx(graph, { registries }))`)
    const args = e.args.map((a) => (entry.elementwise ? names.get(a)! : full(a, op)))
    const ctx: EmitCtx = {
      node: e, attrs: e.attrs, args, emit, int64s, float,
      fail: (message) => {
        throw new ExportError(`op '${op}': ${message}`)
      },
    }
    names.set(e, entry.emit(ctx))
    shapes.set(e, entry.elementwise ? e.args.map((a) => shapes.get(a)!).reduce(broadcast, [] as OShape) : e.shape)
  }

  const outputs: OnnxValueInfo[] = []
  for (const [name, e] of Object.entries(g.outputs)) {
    emit('Identity', [full(e, `output ${quoteName(name)}`)], {}, name)
    outputs.push(valueInfo(name, e.shape))
  }
  for (const [name, of] of Object.entries(g.softmax ?? {})) {
    const e = Object.hasOwn(g.outputs, of) ? g.outputs[of] : undefined
    if (e === undefined) throw new ExportError(`softmax output ${quoteName(name)}: no output named ${quoteName(of)}`)
    emit('Softmax', [of], { axis: 1 }, name)
    outputs.push(valueInfo(name, e.shape))
  }
  const used = new Set(nodes.flatMap((n) => n.input))
  const graph = {
    name: g.name ?? 'symgrad', node: nodes, initializer: initializers.filter((t) => used.has(t.name)),
    input: g.inputs.map((i) => valueInfo(String(i.attrs['name']), i.shape)), output: outputs,
    ...(g.docString !== undefined ? { docString: g.docString } : {}),
  }
  const bytes = encodeModel({ irVersion: ONNX_IR_VERSION, producerName: 'symgrad', producerVersion: '0.1.0', opsetImport: [{ domain: '', version: ONNX_OPSET }], graph })
  return { bytes, opTypes }
}
