/**
 * The part of the ONNX schema (onnx.proto, IR version 8) that export.ts writes, as plain records,
 * and its protocol-buffer encoding: varints, length-delimited fields, little-endian floats.
 * Field numbers are those of onnx.proto; repeated numbers are written unpacked (proto2), which
 * every protobuf reader accepts.
 */

export interface OnnxDim { readonly dimValue?: number; readonly dimParam?: string }
export interface OnnxValueInfo { readonly name: string; readonly elemType: number; readonly dims: readonly OnnxDim[] }
export interface OnnxAttribute {
  readonly name: string
  readonly type: number
  readonly f?: number
  readonly i?: number
  readonly floats?: readonly number[]
  readonly ints?: readonly number[]
}
export interface OnnxNode { readonly opType: string; readonly input: readonly string[]; readonly output: readonly string[]; readonly name: string; readonly attribute: readonly OnnxAttribute[] }
export interface OnnxTensor { readonly name: string; readonly dims: readonly number[]; readonly dataType: number; readonly rawData: Uint8Array }
export interface OnnxGraphProto {
  readonly name: string
  readonly node: readonly OnnxNode[]
  readonly initializer: readonly OnnxTensor[]
  readonly input: readonly OnnxValueInfo[]
  readonly output: readonly OnnxValueInfo[]
  readonly docString?: string
}
export interface OnnxModelProto {
  readonly irVersion: number
  readonly producerName: string
  readonly producerVersion: string
  readonly opsetImport: readonly { readonly domain: string; readonly version: number }[]
  readonly graph: OnnxGraphProto
}

/** TensorProto.DataType and AttributeProto.AttributeType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const
export const AttributeType = { FLOAT: 1, INT: 2, FLOATS: 6, INTS: 7 } as const

/** A growing byte buffer with the protobuf wire types. */
class Writer {
  private buf = new Uint8Array(256)
  private n = 0
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + k))
    b.set(this.buf.subarray(0, this.n))
    this.buf = b
  }
  /** An unsigned or negative (two's complement, 10 bytes) 64-bit varint of a safe integer. */
  varint(v: number): void {
    let x = BigInt.asUintN(64, BigInt(v))
    this.room(10)
    do {
      const b = Number(x & 0x7fn)
      x >>= 7n
      this.buf[this.n++] = x > 0n ? b | 0x80 : b
    } while (x > 0n)
  }
  tag(field: number, wire: 0 | 1 | 2 | 5): void { this.varint(field * 8 + wire) }
  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2)
    this.varint(b.length)
    this.room(b.length)
    this.buf.set(b, this.n)
    this.n += b.length
  }
  string(field: number, s: string): void { this.bytes(field, new TextEncoder().encode(s)) }
  int(field: number, v: number): void { (this.tag(field, 0), this.varint(v)) }
  float(field: number, v: number): void {
    this.tag(field, 5)
    this.room(4)
    new DataView(this.buf.buffer).setFloat32(this.n, v, true)
    this.n += 4
  }
  message(field: number, write: (w: Writer) => void): void {
    const w = new Writer()
    write(w)
    this.bytes(field, w.finish())
  }
  finish(): Uint8Array { return this.buf.slice(0, this.n) }
}

function valueInfo(w: Writer, v: OnnxValueInfo): void {
  w.string(1, v.name)
  w.message(2, (type) => type.message(1, (tensor) => {
    tensor.int(1, v.elemType)
    tensor.message(2, (shape) => {
      for (const d of v.dims) shape.message(1, (dim) => (d.dimParam !== undefined ? dim.string(2, d.dimParam) : dim.int(1, d.dimValue ?? 0)))
    })
  }))
}

function attribute(w: Writer, a: OnnxAttribute): void {
  w.string(1, a.name)
  if (a.f !== undefined) w.float(2, a.f)
  if (a.i !== undefined) w.int(3, a.i)
  for (const f of a.floats ?? []) w.float(7, f)
  for (const i of a.ints ?? []) w.int(8, i)
  w.int(20, a.type)
}

function node(w: Writer, n: OnnxNode): void {
  for (const i of n.input) w.string(1, i)
  for (const o of n.output) w.string(2, o)
  w.string(3, n.name)
  w.string(4, n.opType)
  for (const a of n.attribute) w.message(5, (m) => attribute(m, a))
}

function tensor(w: Writer, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d)
  w.int(2, t.dataType)
  w.string(8, t.name)
  w.bytes(9, t.rawData)
}

function graph(w: Writer, g: OnnxGraphProto): void {
  for (const n of g.node) w.message(1, (m) => node(m, n))
  w.string(2, g.name)
  for (const t of g.initializer) w.message(5, (m) => tensor(m, t))
  if (g.docString !== undefined) w.string(10, g.docString)
  for (const v of g.input) w.message(11, (m) => valueInfo(m, v))
  for (const v of g.output) w.message(12, (m) => valueInfo(m, v))
}

/** The bytes of an ONNX ModelProto. */
export function encodeModel(m: OnnxModelProto): Uint8Array {
  const w = new Writer()
  w.int(1, m.irVersion)
  w.string(2, m.producerName)
  w.string(3, m.producerVersion)
  w.message(7, (g) => graph(g, m.graph))
  for (const o of m.opsetImport) w.message(8, (s) => (s.string(1, o.domain), s.int(2, o.version)))
  return w.finish()
}
