/**
 * A tiny WebAssembly assembler: enough of the binary format to write our SIMD kernels as
 * TypeScript that emits bytes, assembled in-process (no toolchain, no download). Functions are
 * lists of instructions; a module imports one memory `env.mem` and exports its functions by name.
 * @module
 */

/** n as unsigned LEB128 bytes (7 bits a byte, low first; the high bit says more follow): indices, sizes, offsets. */
export const u32 = (n: number): number[] => {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}
const s32 = (n: number): number[] => {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b]
    out.push(b | 0x80)
  }
}
const str = (s: string) => [...u32(s.length), ...Array.from(s, (c) => c.charCodeAt(0))]
const vec = (items: readonly number[][]) => [...u32(items.length), ...items.flat()]
const section = (id: number, body: number[]) => [id, ...u32(body.length), ...body]

/** Instruction bytes as a tree: a byte, or a list of Code flattened in order when assembled (so instructions nest). */
export type Code = number | readonly Code[]
/** The value types' encodings: i32, f32, f64 and v128 (the 128-bit SIMD vector). */
export const I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b
/** A value type of a parameter, result or local: one of I32, F32, F64, V128. */
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128

// ── instructions ──
/** local.get l: push local l (parameters first, then the function's `locals`). */
export const get = (l: number): Code => [0x20, ...u32(l)]
/** local.set l: pop into local l. */
export const set = (l: number): Code => [0x21, ...u32(l)]
/** local.tee l: store the top of the stack into local l and keep it there. */
export const tee = (l: number): Code => [0x22, ...u32(l)]
/** i32.const n (n truncated to a signed 32-bit integer, signed LEB128). */
export const i32 = (n: number): Code => [0x41, ...s32(n | 0)]
/** f32.const x: x rounded to float32, four little-endian bytes. */
export const f32 = (x: number): Code => [0x43, ...new Uint8Array(Float32Array.of(x).buffer)]
/** f64.const x: eight little-endian bytes. */
export const f64 = (x: number): Code => [0x44, ...new Uint8Array(Float64Array.of(x).buffer)]
/** call f: call the function at index f of the module (its place in `assemble`'s list). */
export const call = (f: number): Code => [0x10, ...u32(f)]
/** A memory immediate: alignment as log2 of bytes (2 for 4-byte, 3 for 8-byte) and a constant byte offset added to the address. */
export const memarg = (align: number, offset: number): number[] => [align, ...u32(offset)]
/**
 * Opcodes of the one-byte instructions used: i32 arithmetic, comparisons (S signed, U unsigned),
 * select/drop/return, scalar f32/f64 arithmetic and the conversions between them.
 */
export const op = {
  add: 0x6a, sub: 0x6b, mul: 0x6c, divS: 0x6d, remS: 0x6f, and: 0x71, or: 0x72, shl: 0x74, shrU: 0x76,
  eqz: 0x45, eq: 0x46, ne: 0x47, ltS: 0x48, ltU: 0x49, gtS: 0x4a, gtU: 0x4b, leS: 0x4c, geS: 0x4e, geU: 0x4f,
  select: 0x1b, drop: 0x1a, ret: 0x0f,
  f32add: 0x92, f32sub: 0x93, f32mul: 0x94, f32div: 0x95, f32max: 0x97,
  f64add: 0xa0, f64sub: 0xa1, f64mul: 0xa2, f64div: 0xa3, f64max: 0xa5,
  f64PromoteF32: 0xbb, f32DemoteF64: 0xb6, f32ConvertI32U: 0xb3, f64ConvertI32U: 0xb8,
} as const
/** Load a value of type t from the address on the stack plus `offset` bytes (v128.load for V128), naturally aligned. */
export const load = (t: ValType, offset = 0): Code =>
  t === I32 ? [0x28, ...memarg(2, offset)] : t === I64 ? [0x29, ...memarg(3, offset)] : t === F32 ? [0x2a, ...memarg(2, offset)] : t === F64 ? [0x2b, ...memarg(3, offset)] : [0xfd, 0, ...memarg(4, offset)]
/** Store a value of type t (top of stack) at the address below it plus `offset` bytes (v128.store for V128). */
export const store = (t: ValType, offset = 0): Code =>
  t === I32 ? [0x36, ...memarg(2, offset)] : t === I64 ? [0x37, ...memarg(3, offset)] : t === F32 ? [0x38, ...memarg(2, offset)] : t === F64 ? [0x39, ...memarg(3, offset)] : [0xfd, 11, ...memarg(4, offset)]
/** i32.load8_u: the byte at the address on the stack plus `offset`, zero-extended to an i32. */
export const load8U = (offset = 0): Code => [0x2d, ...memarg(0, offset)]
/** A SIMD instruction (0xfd prefix, LEB128 opcode). */
export const simd = (n: number): Code => [0xfd, ...u32(n)]
/** memory.fill(dst, byte, count): set count bytes from dst to byte (bulk memory). */
export const memFill: Code = [0xfc, 11, 0]
/** memory.copy(dst, src, count): copy count bytes, the ranges may overlap. */
export const memCopy: Code = [0xfc, 10, 0, 0]
/** v128.const of sixteen zero bytes: a vector with every lane 0. */
export const v128zero: Code = [0xfd, 12, ...new Array<number>(16).fill(0)]
/** Lane-typed SIMD instructions for float32x4 / float64x2. */
export interface Lanes {
  readonly elem: typeof F32 | typeof F64
  readonly bytes: 4 | 8
  readonly lanes: 4 | 2
  readonly splat: Code
  /** load one element and splat it to every lane. */
  readonly loadSplat: (offset: number) => Code
  readonly add: Code
  readonly sub: Code
  readonly mul: Code
  readonly max: Code
  /** extract_lane: the scalar of lane `lane` (0 ≤ lane < lanes) of the vector on the stack. */
  readonly extract: (lane: number) => Code
  readonly sadd: number
  readonly smul: number
  readonly smax: number
}
/** The float32x4 instructions: four float32 lanes in a v128. */
export const f32x4: Lanes = {
  elem: F32, bytes: 4, lanes: 4, splat: simd(0x13), loadSplat: (o) => [0xfd, 9, ...memarg(2, o)],
  add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), max: simd(0xe9), extract: (l) => [...(simd(0x1f) as number[]), l],
  sadd: op.f32add, smul: op.f32mul, smax: op.f32max,
}
/** The float64x2 instructions: two float64 lanes in a v128. */
export const f64x2: Lanes = {
  elem: F64, bytes: 8, lanes: 2, splat: simd(0x14), loadSplat: (o) => [0xfd, 10, ...memarg(3, o)],
  add: simd(0xf0), sub: simd(0xf1), mul: simd(0xf2), max: simd(0xf5), extract: (l) => [...(simd(0x21) as number[]), l],
  sadd: op.f64add, smul: op.f64mul, smax: op.f64max,
}

// ── structured control ──
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, VOID = 0x40
/** `if (cond) then else otherwise` with no result value; cond is an i32, nonzero meaning true. */
export const ifThen = (cond: Code, then: Code, otherwise?: Code): Code =>
  otherwise === undefined ? [cond, IF, VOID, then, END] : [cond, IF, VOID, then, ELSE, otherwise, END]
/** `for (l = from; l < to; l += step) body` over i32 locals (`to` evaluated each iteration). */
export const forRange = (l: number, from: Code, to: Code, step: Code, body: Code): Code => [
  from, set(l),
  BLOCK, VOID, LOOP, VOID,
  get(l), to, op.geS, BR_IF, 1,
  body,
  get(l), step, op.add, set(l),
  BR, 0, END, END,
]
/** `do body while (--l !== 0)`, skipped when l is 0 on entry. */
export const countDown = (l: number, body: Code): Code => [
  BLOCK, VOID, get(l), op.eqz, BR_IF, 0, LOOP, VOID,
  body,
  get(l), i32(1), op.sub, tee(l), BR_IF, 0, END, END,
]
/** The signed i32 minimum of a and b, evaluating each once through the scratch locals tmpA and tmpB. */
export const min = (a: Code, b: Code, tmpA: number, tmpB: number): Code => [a, tee(tmpA), b, tee(tmpB), get(tmpA), get(tmpB), op.ltS, op.select]

/** A function of a module: its exported name, signature, extra locals and body. */
export interface Func {
  readonly name: string
  readonly params: readonly ValType[]
  readonly results?: readonly ValType[]
  /** Extra locals (after the params), in order. */
  readonly locals: readonly ValType[]
  readonly body: Code
}

const flatten = (c: Code, out: number[] = []): number[] => {
  if (typeof c === 'number') out.push(c)
  else for (const x of c) flatten(x, out)
  return out
}

/** A module importing `env.mem` (shared when asked) and exporting every function by name. */
export function assemble(fns: readonly Func[], options: { readonly shared?: boolean; readonly maxPages?: number } = {}): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec((f.results ?? []).map((r) => [r]))])
  const memType = options.shared ? [0x03, 0x01, ...u32(options.maxPages ?? 16384)] : [0x00, 0x01]
  const bodies = fns.map((f) => {
    const groups: number[][] = []
    for (const t of f.locals) {
      const last = groups[groups.length - 1]
      if (last !== undefined && last[1] === t) last[0]!++
      else groups.push([1, t])
    }
    const code = [...vec(groups.map(([n, t]) => [...u32(n!), t!])), ...flatten(f.body), END]
    return [...u32(code.length), ...code]
  })
  const nameMap = vec(fns.map((f, i) => [...u32(i), ...str(f.name)]))
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, ...memType]])),
    ...section(3, vec(fns.map((_, i) => u32(i)))),
    ...section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...u32(i)]))),
    ...section(10, vec(bodies)),
    // the name section: profilers (node --cpu-prof, a browser's) show each function by its name
    ...section(0, [...str('name'), 1, ...u32(nameMap.length), ...nameMap]),
  ])
}

/** Whether this engine compiles WebAssembly SIMD (a v128 local suffices to tell). */
export function hasWasmSimd(): boolean {
  try {
    return WebAssembly.validate(assemble([{ name: 'f', params: [], locals: [V128], body: [] }]))
  } catch {
    return false
  }
}
