/**
 * Expression graphs as JSON, and back to the identical interned graph.
 *
 *   { "format": "symgrad-graph", "version": 1,
 *     "nodes": [ { "op": "input", "args": [], "attrs": { "name": "x", "shape": ["N", 2] } },
 *                { "op": "param", "args": [], "attrs": { "name": "W", "shape": [2, 3] } },
 *                { "op": "matmul", "args": [0, 1], "attrs": {} } ],
 *     "outputs": [2] }
 *
 * Nodes are listed after their arguments (a topological order), each shared node once, so the
 * file is as large as the DAG, not the tree. Ops are named as in a registry (a value, default
 * `Registry.builtins`; pass one holding your own ops); the decoder rebuilds every node with
 * `apply`, which checks the attributes with the op's own codec, re-runs its shape rule and
 * interns the node, so
 * decoding gives back the very same (`===`) nodes as the graph that was encoded — except tensor
 * constants (op `tensor`), which are interned by the identity of their Tensor: a decoded one holds
 * a fresh Tensor with the same bits, so it and the nodes above it are new (equal in structure and
 * value, not `===`), unless the original tensors are passed in through `tensors`.
 *
 * Attribute numbers that JSON cannot spell (NaN, ±Infinity, −0, e.g. `constant(-Infinity)`) are
 * written `{ "$num": "NaN" }` (attributes hold no other objects, so this is unambiguous); tensor
 * values as in floats.ts. An attribute is a scalar or a list of scalars (no deeper nesting); what
 * each op accepts is its codec's business (a string where `pow` wants its exponent is refused).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { AttrValue, Attrs, Expr } from '../core/Expr.js'
import { apply, topoSort } from '../core/Expr.js'
import { SymgradError } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import * as Registry from '../ops/Registry.js'
import { describeValue } from '../ops/attrs.js'
import { closest, decodeWith, listOf, NonNegativeInt, recordOf, struct } from '../core/codecs.js'
import { NumBox, TensorC } from './codecs.js'
import { encodeNumber, encodeTensor } from './floats.js'
import type { NumberJson, TensorJson } from './floats.js'

/** The `format` field of a graph file. */
export const GRAPH_FORMAT = 'symgrad-graph'
/** The graph format version written (and read). */
export const GRAPH_VERSION = 1

type AttrJson = number | string | boolean | null | { readonly $num: NumberJson } | readonly AttrJson[]

function encodeAttr(v: AttrValue): AttrJson {
  if (Array.isArray(v)) return v.map(encodeAttr)
  if (typeof v === 'number') {
    const n = encodeNumber(v)
    return typeof n === 'number' ? n : { $num: n }
  }
  return v as AttrJson
}

const isScalar = (u: unknown): u is number | string | boolean | null => u === null || typeof u === 'number' || typeof u === 'string' || typeof u === 'boolean'

/** A scalar attribute: number, string, boolean, null or `{ $num }`. */
const ScalarAttrC = new t.Type<AttrValue, AttrJson, unknown>(
  'an attribute scalar (number, string, boolean, null or { $num })',
  isScalar,
  (u, c) => (isScalar(u) ? t.success(u) : typeof u === 'object' && !Array.isArray(u) ? NumBox.validate(u, c) : t.failure(u, c)),
  encodeAttr,
)

/** An attribute value: a scalar or a list of scalars (not nested deeper). */
const AttrC = new t.Type<AttrValue, AttrJson, unknown>(
  'an attribute value (number, string, boolean, null, { $num } or a list of these)',
  (u): u is AttrValue => isScalar(u) || (Array.isArray(u) && u.every(isScalar)),
  (u, c) => (Array.isArray(u) ? listOf(ScalarAttrC).validate(u, c) : ScalarAttrC.validate(u, c)),
  encodeAttr,
)

const NodeC = struct('a graph node { op, args, attrs }', { op: t.string, args: listOf(NonNegativeInt, 'a list of node indices'), attrs: recordOf(AttrC, 'a record of attributes') }, { value: TensorC })

/** The JSON form of a graph. */
export const GraphC = struct('a graph { format, version, nodes, outputs }', {
  format: t.literal(GRAPH_FORMAT),
  version: t.number,
  nodes: listOf(NodeC, 'a list of graph nodes'),
  outputs: listOf(NonNegativeInt, 'a list of node indices'),
})
/** An expression graph as JSON: nodes by id with op, arguments, attributes and shape. */
export type GraphJson = t.OutputOf<typeof GraphC>

interface NodeJson {
  readonly op: string
  readonly args: readonly number[]
  readonly attrs: Readonly<Record<string, AttrJson>>
  readonly value?: TensorJson
}

/** The graph under `outputs` as JSON (shared nodes once, arguments before users). */
export function encodeGraph(outputs: readonly Expr[]): GraphJson {
  const order = topoSort(outputs)
  const index = new Map<number, number>()
  const nodes: NodeJson[] = order.map((n, i) => {
    index.set(n.id, i)
    const attrs: Record<string, AttrJson> = {}
    for (const k of Object.keys(n.attrs).sort()) attrs[k] = encodeAttr(n.attrs[k]!)
    const node = { op: n.op.name, args: n.args.map((a) => index.get(a.id)!), attrs }
    return n.value !== undefined ? { ...node, value: encodeTensor(n.value) } : node
  })
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, nodes, outputs: outputs.map((o) => index.get(o.id)!) } as GraphJson
}

/** How `decodeGraph` resolves op names: the ops of a registries value. */
export interface DecodeGraphOptions {
  /** Name of the document in messages (default 'graph'). */
  readonly root?: string
  /** A registries value whose `ops` the names resolve to (default: the built-ins). */
  readonly registries?: Registry.OpRegistries
  /**
   * Known tensors: a decoded `tensor` node whose value has the same shape and values as one of
   * these uses it instead of a fresh copy (so a graph holding tensor constants decodes to the
   * identical interned nodes when the original tensors are at hand).
   */
  readonly tensors?: readonly Tensor[]
}

/**
 * The graph's outputs, rebuilt with `apply` (attributes checked, shape rules re-run, nodes
 * interned). Errors name the node: `graph.nodes[3].op: unknown op 'matmull' (did you mean
 * 'matmul'?)`, `graph.nodes[5].op: unknown op 'swish': define it with defineOp and pass …`,
 * `graph.nodes[4].args[1]: node 7 is not defined before node 4`, or the shape rule's own message.
 */
export function decodeGraph(u: unknown, o: DecodeGraphOptions = {}): Either<SymgradError, Expr[]> {
  const root = o.root ?? 'graph'
  const reg = o.registries?.ops ?? Registry.builtins
  const g = decodeWith(GraphC, u, root)
  if (E.isLeft(g)) return g
  const fail = (m: string) => E.left(new SymgradError('decode', m))
  if (g.right.version !== GRAPH_VERSION) return fail(`${root}.version: expected ${GRAPH_VERSION} (the only graph format version this symgrad reads), got ${g.right.version}`)
  const built: Expr[] = []
  for (let i = 0; i < g.right.nodes.length; i++) {
    const n = g.right.nodes[i]!
    const at = `${root}.nodes[${i}]`
    const op = Registry.lookup(reg, n.op)
    if (op === undefined) {
      const near = closest(n.op, Registry.names(reg))
      const shown = n.op.length <= 40 && /^[\x20-\x7e]*$/.test(n.op) ? `'${n.op}'` : describeValue(n.op)
      return fail(`${at}.op: unknown op ${shown}${near !== undefined ? ` (did you mean '${near}'?)` : `: ${Registry.howToRegister}`}`)
    }
    const args: Expr[] = []
    for (let j = 0; j < n.args.length; j++) {
      const a = built[n.args[j]!]
      if (a === undefined) return fail(`${at}.args[${j}]: node ${n.args[j]} is not defined before node ${i}`)
      args.push(a)
    }
    const takesValue = op.lowering === 'data' && !Object.hasOwn(n.attrs, 'name')
    if (takesValue !== (n.value !== undefined))
      return fail(takesValue ? `${at}.value: missing, expected a tensor for op '${op.name}'` : `${at}.value: op '${op.name}' takes no tensor value`)
    let value = n.value
    if (value !== undefined) value = o.tensors?.find((k) => sameTensor(k, value!)) ?? value
    try {
      built.push(apply(op, args, n.attrs as Attrs, value))
    } catch (e) {
      return fail(`${at} (${op.name}): ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  const outs: Expr[] = []
  for (let j = 0; j < g.right.outputs.length; j++) {
    const k = g.right.outputs[j]!
    const e = built[k]
    if (e === undefined) return fail(`${root}.outputs[${j}]: expected a node index below ${built.length}, got ${k}`)
    outs.push(e)
  }
  return E.right(outs)
}

function sameTensor(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]) && a.data.length === b.data.length && a.data.every((x, i) => Object.is(x, b.data[i]))
}
