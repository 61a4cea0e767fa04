/**
 * An op of your own in the WebAssembly backend's fused SIMD loops, without touching src/:
 *
 *   - softsign(x) = x/(1 + |x|), d softsign = dx/(1 + |x|)²: one record, then a line of code per
 *     table — JavaScript (a scalar expression), WebAssembly (vector code in the closed vocabulary
 *     of `symgrad/kernels`: lane instructions, no bytes), ONNX (`Softsign`). A loop computing
 *     relu(softsign(2x + 1)) is then one WebAssembly function, float32 within the float32 law of
 *     the interpreter, float64 the JavaScript loop's bits;
 *   - mish(x) = x·tanh(softplus(x)) with JavaScript code only: in relu(x)·2 → mish → +1 the vector
 *     ops stay WebAssembly and mish alone runs in a JavaScript loop between them.
 *
 * Run: npx tsx examples/09-wasm-op.ts
 */
import {
  Random, Registries, abs, add, apply, compile, defineOp, div, evaluateOrThrow, input, jsBackend, mul, relu, sigmoid, softplus,
  square, stages, sub, tanh, wasmBackend, withCode, Tensor as T,
  type Backend, type Expr, type OpDef, type Shape,
} from '../src/index.js'
import type { VectorCode } from '../src/kernels/index.js'
import { toOnnx } from '../src/node/index.js'
import { assertOpLaws, float32Agrees } from '../laws/index.js'

// ── softsign ──  softsign(x) = x/(1 + |x|);  d softsign = dx/(1 + |x|)²
export const softsignOp = defineOp({
  name: 'softsign', arity: 1, kind: 'elementwise', lowering: 'elementwise',
  shape: ([s]) => s!,
  eval: ([t]) => T.map(t!, (x) => x / (1 + Math.abs(x))),
  scalar: () => (x) => x / (1 + Math.abs(x)),
  vjp: ({ args: [x], cot }) => [div(cot, square(add(1, abs(x!))))],
  notation: { form: 'call', name: 'softsign', latex: '\\operatorname{softsign}' },
  // the second derivative jumps at 0: the laws draw away from it
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }], domain: [{ lo: -3, hi: 3, awayFrom: [0] }] },
})
export const softsign = <S extends Shape.Shape>(x: Expr<S>): Expr<S> => apply(softsignOp, [x]) as Expr<S>

// ── mish ──  mish(x) = x·t, t = tanh(softplus(x));  d mish = (t + x·(1 − t²)·σ(x))·dx
export const mishOp = defineOp({
  name: 'mish', arity: 1, kind: 'elementwise', lowering: 'elementwise',
  shape: ([s]) => s!,
  eval: ([t]) => T.map(t!, (x) => x * Math.tanh(x > 20 ? x : Math.log1p(Math.exp(x)))),
  scalar: () => (x) => x * Math.tanh(x > 20 ? x : Math.log1p(Math.exp(x))),
  vjp: ({ args: [x], cot }) => {
    const t = tanh(softplus(x!))
    return [mul(cot, add(t, mul(x!, mul(sub(1, square(t)), sigmoid(x!)))))]
  },
  notation: { form: 'call', name: 'mish', latex: '\\operatorname{mish}' },
  law: { cases: [{ shapes: [[3, 4]], attrs: {} }] },
})
export const mish = <S extends Shape.Shape>(x: Expr<S>): Expr<S> => apply(mishOp, [x]) as Expr<S>

/** softsign's vector code: x / (|x| + 1), the same IEEE operations as the JavaScript line below. */
export const softsignVector: VectorCode = ([x], _, V) => [x!, x!, V.abs, V.splatConst(1), V.add, V.div]

/** The WebAssembly backend of a dtype with softsign's code in both its tables (undefined without WebAssembly SIMD). */
export function softsignBackend(dtype: 'float32' | 'float64'): Backend | undefined {
  const wasm = wasmBackend({ dtype })
  return wasm && withCode(wasm, {
    elementwise: [[softsignOp, ([x]) => `(${x} / (1 + Math.abs(${x})))`]],
    vector: [[softsignOp, softsignVector]],
  })
}

export interface LoopReport {
  readonly ops: readonly string[]
  readonly native: boolean
}
const loopsOf = (outs: readonly Expr[], backend: Backend): LoopReport[] =>
  stages(outs, { backend }).generated.loops.map((l) => ({ ops: l.ops.map((o: OpDef) => o.name), native: l.native }))

export interface WasmOpResult {
  /** relu(softsign(2x + 1)) in float32: its loops (one, WebAssembly). */
  readonly softsignLoops: readonly LoopReport[]
  /** The float32 function within the float32 law of the interpreter (undefined: it is). */
  readonly float32Problem: string | undefined
  /** float64 WebAssembly loop vs the JavaScript backend's loop: the same bits. */
  readonly float64SameBits: boolean
  /** relu(x)·2 → mish → +1 in float32: vector loops around a JavaScript loop for mish. */
  readonly mishLoops: readonly LoopReport[]
  /** Largest |compiled − interpreter| of the mish chain. */
  readonly mishError: number
  /** ONNX operator types of the exported softsign graph. */
  readonly onnxOpTypes: readonly string[]
}

export function run(o: { readonly log?: (line: string) => void } = {}): WasmOpResult | undefined {
  const log = o.log ?? (() => {})
  const [f32, f64] = [softsignBackend('float32'), softsignBackend('float64')]
  if (f32 === undefined || f64 === undefined) {
    log('this engine has no WebAssembly SIMD: nothing to show')
    return undefined
  }
  // the op's laws, compiled (float64 WebAssembly loops with its vector code) included
  assertOpLaws(softsignOp, { numRuns: 10, interpreters: [{ name: 'WebAssembly float64', prepare: (outs) => compile(outs, { backend: f64 }) }] })

  const x = input('x', ['N', 7])
  const y = relu(softsign(add(mul(x, 2), 1)))
  const softsignLoops = loopsOf([y], f32)
  log(`relu(softsign(2x + 1)), float32: ${softsignLoops.map((l) => `${l.native ? 'WebAssembly' : 'JavaScript'} loop [${l.ops.join(' ')}]`).join(', ')}`)
  const b = { x: Random.normal(Random.key(1), [33, 7], 3) }
  const float32Problem = float32Agrees([y], compile([y], { backend: f32 }), b)
  log(`float32 vs the interpreter: ${float32Problem ?? 'within the float32 law'}`)
  const w = compile([y], { backend: f64 }).runOrThrow(b)[0]!
  const js = compile([y], { backend: withCode(jsBackend, { elementwise: [[softsignOp, ([v]) => `(${v} / (1 + Math.abs(${v})))`]] }) }).runOrThrow(b)[0]!
  const float64SameBits = w.data.every((v, i) => Object.is(v, js.data[i]))
  log(`float64 WebAssembly vs JavaScript loop: ${float64SameBits ? 'the same bits' : 'DIFFERENT'}`)

  const z = add(mish(mul(relu(x), 2)), 1)
  const mishLoops = loopsOf([z], f32)
  log(`relu(x)·2 → mish → +1, float32: ${mishLoops.map((l) => `${l.native ? 'WebAssembly' : 'JavaScript'} [${l.ops.join(' ')}]`).join(', ')}`)
  const got = compile([z], { backend: f32 }).runOrThrow(b)[0]!
  const want = evaluateOrThrow(z, b)
  const mishError = got.data.reduce((m, v, i) => Math.max(m, Math.abs(v - want.data[i]!)), 0)
  log(`largest |compiled − interpreter|: ${mishError.toExponential(2)}`)

  const registries = Registries.extendOrThrow(Registries.builtins, { ops: [softsignOp], onnx: [[softsignOp, { elementwise: true, emit: (c) => c.emit('Softsign', c.args) }]] })
  const onnx = toOnnx({ inputs: [x], outputs: { y }, values: {} }, { registries })
  if (onnx._tag === 'Left') throw onnx.left
  log(`ONNX: ${onnx.right.opTypes.join(', ')}`)
  return { softsignLoops, float32Problem, float64SameBits, mishLoops, mishError, onnxOpTypes: onnx.right.opTypes }
}

if (process.argv[1]?.endsWith('09-wasm-op.ts')) run({ log: console.log })
