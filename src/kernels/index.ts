/**
 * symgrad/kernels: what a user needs to give the WebAssembly backend code of their own, from
 * outside src/ (browser-safe, like the core).
 *
 * - Vector code for an elementwise op, written in a closed vocabulary of lane instructions
 *   (`VectorOps`): `withCode(wasmBackend({ dtype: 'float32' })!, { vector: [[softsignOp, ([x], _, V)
 *   => [x, V.splatConst(1), x, V.abs, V.add, V.div]]] })`. The op then joins the fused SIMD loops.
 * - A whole kernel: a module made with the assembler (`assemble`, instructions, `forRange`…),
 *   instantiated as a runtime part on the backend's memory (`withCode(b, { runtime: [['mine', (rt)
 *   => new WebAssembly.Instance(…, { env: { mem: rt.memory } })]], kernels: [[op, { emit: (c) =>
 *   `rt.mine.exports.f(${c.offset(a)}, …)` }]] })`); buffers sit at `c.offset(v)` in that memory.
 */
export {
  assemble, hasWasmSimd, u32, get, set, tee, i32, f32, f64, call, memarg, op, load, store, simd,
  memFill, memCopy, v128zero, ifThen, forRange, countDown, min, f32x4, f64x2,
  I32, F32, F64, V128, type Code, type ValType, type Func, type Lanes,
} from '../compile/kernels/wasm-asm.js'
export {
  vectorF32, vectorF64, vectorOpsOf,
  type VectorOps, type VectorCode, type VInstr, type VCode, type VTemp,
} from '../compile/kernels/vector-code.js'
export { wasmVector } from '../compile/backend-wasm.js'
export type { Runtime, RuntimePart, KernelCode, KernelCtx, ExtraCode } from '../compile/backend.js'
