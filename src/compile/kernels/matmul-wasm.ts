/**
 * A WebAssembly SIMD (f64x2) micro-kernel for the JavaScript backend's matmul, assembled here
 * from bytes (no build step, no binary download). Operands are packed exactly as for the
 * JavaScript kernel (panels of 4 rows of op(A) and 4 columns of op(B), interleaved along k), into
 * the module's memory; the kernel keeps a 4×4 tile of C in eight f64x2 accumulators. Used when the
 * engine supports WebAssembly SIMD (Node ≥ 16, current browsers); otherwise the plain kernel runs.
 * Results equal the JavaScript kernel's bit for bit: the same products are added in the same order.
 */

// ── a tiny assembler ──
const u32 = (n: number): number[] => {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}
const i32c = (n: number): number[] => {
  const out: number[] = [0x41]
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b]
    out.push(b | 0x80)
  }
}
const get = (l: number) => [0x20, ...u32(l)]
const set = (l: number) => [0x21, ...u32(l)]
const simd = (op: number) => [0xfd, ...u32(op)]
const mem = (align: number, offset: number) => [align, ...u32(offset)]
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_GE_U = 0x4f, I32_EQZ = 0x45
const F64_LOAD = 0x2b
const V128_LOAD = 0, V128_STORE = 0x0b, V128_CONST = 0x0c, F64X2_SPLAT = 0x14, F64X2_ADD = 240, F64X2_MUL = 242
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40
const section = (id: number, body: number[]) => [id, ...u32(body.length), ...body]
const vec = (items: number[][]) => [...u32(items.length), ...items.flat()]
const str = (s: string) => [...u32(s.length), ...Array.from(s, (c) => c.charCodeAt(0))]

/**
 * gemm(ap, bp, cp, mPanels, nPanels, kc): for every 4-row panel i of A and 4-column panel j of B
 * (byte addresses ap, bp; each panel kc·4 doubles), C[4i.., 4j..] += Ai·Bj, with C row-major of
 * row length nPanels·4 at cp.
 */
function gemmModule(): Uint8Array<ArrayBuffer> {
  const [AP0, BP0, CP0, MP, NP, KC] = [0, 1, 2, 3, 4, 5]
  const [I, J, P, AP, BP, CP] = [6, 7, 8, 9, 10, 11]
  const ACC = 12 // 12..19
  const [A, B01, B23] = [20, 21, 22]
  const body: number[] = []
  const emit = (...xs: (number | number[])[]) => xs.forEach((x) => (typeof x === 'number' ? body.push(x) : body.push(...x)))
  emit(i32c(0), set(I))
  emit(BLOCK, VOID, LOOP, VOID)
  emit(get(I), get(MP), I32_GE_U, BR_IF, 1)
  emit(i32c(0), set(J))
  emit(BLOCK, VOID, LOOP, VOID)
  emit(get(J), get(NP), I32_GE_U, BR_IF, 1)
  // ap = AP0 + i·kc·32; bp = BP0 + j·kc·32
  emit(get(AP0), get(I), get(KC), I32_MUL, i32c(32), I32_MUL, I32_ADD, set(AP))
  emit(get(BP0), get(J), get(KC), I32_MUL, i32c(32), I32_MUL, I32_ADD, set(BP))
  for (let k = 0; k < 8; k++) emit(simd(V128_CONST), new Array(16).fill(0), set(ACC + k))
  emit(get(KC), set(P))
  emit(BLOCK, VOID, get(P), I32_EQZ, BR_IF, 0, LOOP, VOID)
  emit(get(BP), simd(V128_LOAD), mem(3, 0), set(B01))
  emit(get(BP), simd(V128_LOAD), mem(3, 16), set(B23))
  for (let r = 0; r < 4; r++) {
    emit(get(AP), F64_LOAD, mem(3, 8 * r), simd(F64X2_SPLAT), set(A))
    emit(get(ACC + 2 * r), get(A), get(B01), simd(F64X2_MUL), simd(F64X2_ADD), set(ACC + 2 * r))
    emit(get(ACC + 2 * r + 1), get(A), get(B23), simd(F64X2_MUL), simd(F64X2_ADD), set(ACC + 2 * r + 1))
  }
  emit(get(AP), i32c(32), I32_ADD, set(AP), get(BP), i32c(32), I32_ADD, set(BP))
  emit(get(P), i32c(1), I32_SUB, set(P), get(P), BR_IF, 0)
  emit(END, END)
  // cp = CP0 + i·np·128 + j·32; each row: C += acc
  emit(get(CP0), get(I), get(NP), I32_MUL, i32c(128), I32_MUL, I32_ADD, get(J), i32c(32), I32_MUL, I32_ADD, set(CP))
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++)
      emit(get(CP), get(CP), simd(V128_LOAD), mem(3, 16 * h), get(ACC + 2 * r + h), simd(F64X2_ADD), simd(V128_STORE), mem(3, 16 * h))
    emit(get(CP), get(NP), i32c(32), I32_MUL, I32_ADD, set(CP))
  }
  emit(get(J), i32c(1), I32_ADD, set(J), BR, 0, END, END)
  emit(get(I), i32c(1), I32_ADD, set(I), BR, 0, END, END)
  emit(END)
  const locals = vec([[...u32(6), 0x7f], [...u32(11), 0x7b]])
  const code = [...locals, ...body]
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array(6).fill([0x7f])), 0x00]])),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...str('gemm'), 0x00, 0x00]])),
    ...section(10, vec([[...u32(code.length), ...code]])),
  ])
}

type Gemm = (ap: number, bp: number, cp: number, mp: number, np: number, kc: number) => void

export interface WasmMatmul {
  readonly run: (
    A: Float64Array, aOff: number, transA: boolean,
    B: Float64Array, bOff: number, transB: boolean,
    C: Float64Array, cOff: number, m: number, n: number, k: number, accumulate: boolean,
  ) => void
}

const KC = 256

/** The module, assembled and compiled once per realm (null where wasm SIMD is missing). */
let compiled: WebAssembly.Module | null | undefined

function gemmCompiled(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(gemmModule())
    } catch {
      compiled = null
    }
  }
  return compiled
}

/** A matmul over the SIMD kernel with its own memory, or undefined where wasm SIMD is missing. */
export function wasmMatmul(): WasmMatmul | undefined {
  const mod = gemmCompiled()
  if (mod === null) return undefined
  let gemm: Gemm
  let memory: WebAssembly.Memory
  try {
    memory = new WebAssembly.Memory({ initial: 16 })
    const inst = new WebAssembly.Instance(mod, { env: { mem: memory } })
    gemm = inst.exports['gemm'] as Gemm
  } catch {
    return undefined
  }
  let F = new Float64Array(memory.buffer)
  const ensure = (doubles: number): void => {
    const bytes = doubles * 8
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536))
    if (F.buffer !== memory.buffer) F = new Float64Array(memory.buffer)
  }
  const run: WasmMatmul['run'] = (A, aOff, transA, B, bOff, transB, C, cOff, m, n, k, accumulate) => {
    const m4 = (m + 3) & ~3
    const n4 = (n + 3) & ~3
    const ap = 0
    const bp = m4 * KC
    const cp = bp + n4 * KC
    ensure(cp + m4 * n4)
    F.fill(0, cp, cp + m4 * n4)
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0)
      // pack op(A) rows into 4-row panels: F[ap + (i>>2)·kc·4 + p·4 + (i&3)]
      if (m4 !== m) F.fill(0, ap + (m4 - 4) * kc, ap + m4 * kc)
      if (!transA)
        for (let i = 0; i < m; i++) {
          const src = aOff + i * k + k0
          const d = ap + (i >> 2) * kc * 4 + (i & 3)
          for (let p = 0; p < kc; p++) F[d + p * 4] = A[src + p]!
        }
      else
        for (let p = 0; p < kc; p++) {
          const src = aOff + (k0 + p) * m
          for (let i = 0; i < m; i++) F[ap + (i >> 2) * kc * 4 + p * 4 + (i & 3)] = A[src + i]!
        }
      if (n4 !== n) F.fill(0, bp + (n4 - 4) * kc, bp + n4 * kc)
      if (!transB)
        for (let p = 0; p < kc; p++) {
          const src = bOff + (k0 + p) * n
          for (let j = 0; j < n; j++) F[bp + (j >> 2) * kc * 4 + p * 4 + (j & 3)] = B[src + j]!
        }
      else
        for (let j = 0; j < n; j++) {
          const src = bOff + j * k + k0
          const d = bp + (j >> 2) * kc * 4 + (j & 3)
          for (let p = 0; p < kc; p++) F[d + p * 4] = B[src + p]!
        }
      gemm(ap * 8, bp * 8, cp * 8, m4 >> 2, n4 >> 2, kc)
    }
    for (let i = 0; i < m; i++) {
      const s = cp + i * n4
      const d = cOff + i * n
      if (accumulate) for (let j = 0; j < n; j++) C[d + j]! += F[s + j]!
      else for (let j = 0; j < n; j++) C[d + j] = F[s + j]!
    }
  }
  return { run }
}
