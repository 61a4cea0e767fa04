/**
 * The WebAssembly backend as one table a user extends (withCode): vector code for a user op joins
 * the fused SIMD loops (examples/09-wasm-op.ts), a loop holding an op without vector code is split
 * around it (float64: the JavaScript loop's bits), the vector vocabulary refuses anything but its
 * own instructions and a balanced stack, a runtime part built with the exported assembler runs on
 * the backend's memory, and the ONNX table is keyed by op record.
 */
import { describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import vm from 'node:vm'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import * as sg from '../src/ops/index.js'
import * as ops from '../src/ops/builtins.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { apply, type Expr, type OpDef } from '../src/core/Expr.js'
import { defineOp } from '../src/ops/define.js'
import { compile, explain, stages, withCode } from '../src/compile/index.js'
import { jsBackend } from '../src/compile/backend-js.js'
import { wasmBackend } from '../src/compile/backend-wasm.js'
import { evaluateOrThrow } from '../src/eval/evaluate.js'
import { assemble, forRange, get, i32, load, op, store, F32, I32, f32, type VInstr, type VectorCode } from '../src/kernels/index.js'
import { builtinOnnx, onnxTable } from '../src/onnx/table.js'
import { Registries } from '../src/records/Registries.js'
import { toOnnx } from '../src/onnx/export.js'
import { mish, mishOp, run, softsign, softsignBackend, softsignOp, softsignVector } from '../examples/09-wasm-op.js'

const loops = (outs: readonly Expr[], backend = wasmBackend({ dtype: 'float32' })!) =>
  stages(outs, { backend }).generated.loops.map((l) => `${l.native ? 'wasm' : 'js'}:${l.ops.map((o: OpDef) => o.name).join(',')}`)
const sameBits = (a: Float64Array | Float32Array, b: Float64Array | Float32Array) => a.every((v, i) => Object.is(v, b[i]) || (Number.isNaN(v) && Number.isNaN(b[i]!)))
const specials = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5, 25, -25]
const x = sg.input('x', ['N', 5])
const bind = (n: number, seed: number) => {
  const t = R.normal(R.key(seed), [n, 5], 3)
  t.data.forEach((_, j) => j % 4 === 0 && (t.data[j] = specials[(j / 4) % specials.length]!))
  return { x: t }
}

describe('examples/09-wasm-op: a user op with JavaScript and WebAssembly vector code', () => {
  it('its fused loop is one WebAssembly function, float32 within the law, float64 the JavaScript bits; mish alone is split out; ONNX maps it', () => {
    const r = run()!
    expect(r.softsignLoops).toEqual([{ ops: ['mul', 'add', 'softsign', 'relu'], native: true }])
    expect(r.float32Problem).toBeUndefined()
    expect(r.float64SameBits).toBe(true)
    expect(r.mishLoops).toEqual([{ ops: ['relu', 'mul'], native: true }, { ops: ['mish'], native: false }, { ops: ['add'], native: true }])
    expect(r.mishError).toBeLessThan(1e-5)
    expect(r.onnxOpTypes).toContain('Softsign')
  })

  it('the same chain without softsign’s vector code: softsign runs in its own JavaScript loop, with the same values', () => {
    const y = sg.relu(softsign(sg.add(sg.mul(x, 2), 1)))
    const plain = wasmBackend({ dtype: 'float64' })!
    expect(loops([y], plain)).toEqual(['wasm:mul,add', 'js:softsign', 'wasm:relu'])
    expect(loops([y], softsignBackend('float64')!)).toEqual(['wasm:mul,add,softsign,relu'])
    const b = bind(13, 3)
    const want = evaluateOrThrow(y, b).data
    for (const backend of [plain, softsignBackend('float64')!, jsBackend]) expect(sameBits(compile([y], { backend }).runOrThrow(b)[0]!.data, want)).toBe(true)
  })
})

describe('a fused loop holding an op without vector code is split around it', () => {
  it('relu·2+1 is one WebAssembly loop; with mish in the middle, two WebAssembly loops and a JavaScript loop for mish', () => {
    expect(loops([sg.add(sg.mul(sg.relu(x), 2), 1)])).toEqual(['wasm:relu,mul,add'])
    expect(loops([sg.add(mish(sg.mul(sg.relu(x), 2)), 1)])).toEqual(['wasm:relu,mul', 'js:mish', 'wasm:add'])
    const steps = explain([sg.add(mish(sg.mul(sg.relu(x), 2)), 1)], { backend: wasmBackend({ dtype: 'float32' })! }).split('\n').filter((l) => /^\d+: loop /.test(l))
    expect(steps.map((l) => l.includes(' in WebAssembly {'))).toEqual([true, false, true])
    // consecutive ops without vector code share their JavaScript loop; a value read on both sides is stored once
    const h = sg.mul(sg.relu(x), 2)
    expect(loops([sg.add(mish(mish(h)), h)])).toEqual(['wasm:relu,mul', 'js:mish,mish', 'wasm:add'])
  })

  it('float64: the JavaScript backend’s bits on NaN, ±0, ±∞ (log and pow have no vector code either)', () => {
    const h = sg.mul(sg.relu(x), 2)
    const outs = [sg.add(mish(h), h), sg.sub(sg.log(sg.abs(sg.add(x, 1))), sg.pow(sg.abs(x), 1.5)), sg.sum(sg.mul(mish(x), x))]
    const wasm = wasmBackend({ dtype: 'float64' })!
    expect(loops(outs, wasm).filter((l) => l.startsWith('js:'))).toEqual(['js:mish', 'js:log', 'js:pow', 'js:mish'])
    for (const n of [1, 7, 40]) {
      const b = bind(n, n)
      const w = compile(outs, { backend: wasm }).runOrThrow(b)
      const j = compile(outs, { backend: jsBackend }).runOrThrow(b)
      w.forEach((t, i) => expect(sameBits(t.data, j[i]!.data), `output ${i}`).toBe(true))
    }
  })

  it('vector code a dtype lacks (exp in float64) splits there only: the same op is native in float32', () => {
    const expish: VectorCode = ([v], _, V) => (V.exp === undefined ? undefined : [v!, V.exp, V.splatConst(1), V.sub])
    const expm1Op = defineOp({
      name: 'myExpm1', arity: 1, kind: 'elementwise', lowering: 'elementwise', shape: ([s]) => s!,
      eval: ([t]) => T.map(t!, (v) => Math.exp(v) - 1), scalar: () => (v) => Math.exp(v) - 1,
      notation: { form: 'call', name: 'myExpm1', latex: 'e^x-1' },
    })
    const y = sg.neg(apply(expm1Op, [sg.abs(x)]) as Expr)
    for (const dtype of ['float32', 'float64'] as const) {
      const b = withCode(wasmBackend({ dtype })!, { vector: [[expm1Op, expish]] })
      expect(loops([y], b)).toEqual(dtype === 'float32' ? ['wasm:abs,myExpm1,neg'] : ['wasm:abs', 'js:myExpm1', 'wasm:neg'])
      const got = compile([y], { backend: b }).runOrThrow(bind(9, 1))[0]!.data
      const want = evaluateOrThrow(y, bind(9, 1)).data
      got.forEach((v, i) => expect(Math.abs(v - want[i]!) <= 1e-5 * Math.max(1, Math.abs(want[i]!)) || Object.is(v, want[i]) || (Number.isNaN(v) && Number.isNaN(want[i]!))).toBe(true))
    }
  })
})

describe('vector code is a closed vocabulary', () => {
  const y = softsign(x)
  const compileWith = (code: VectorCode) => () => compile([y], { backend: withCode(wasmBackend({ dtype: 'float32' })!, { vector: [[softsignOp, code]] }) })
  it('refuses anything but its instructions, an unbalanced stack and a non-number constant, naming the op', () => {
    expect(compileWith(([v]) => [v!, Object.freeze({}) as VInstr])).toThrow("vector code of op 'softsign': item 1 is not an instruction of VectorOps")
    expect(compileWith(([v]) => [v!, 0xfd, 12] as unknown as VInstr[])).toThrow(/item 1 is not an instruction/)
    expect(compileWith(([v]) => [v!, v!])).toThrow("vector code of op 'softsign' leaves 2 values on the stack, expected 1")
    expect(compileWith((_, __, V) => [V.add])).toThrow("vector code of op 'softsign': instruction 0 pops 2 values from a stack of 0")
    expect(compileWith((_, __, V) => [V.splatConst('1); evil(' as unknown as number)])).toThrow('vector code: splatConst takes a number, got string')
    expect(compileWith(softsignVector)).not.toThrow()
  })

  it('withCode refuses vector code for a backend without vector loops, or for an op not lowered elementwise', () => {
    expect(() => withCode(jsBackend, { vector: [[softsignOp, softsignVector]] })).toThrow("withCode: backend 'js' has no vector loops")
    expect(() => withCode(wasmBackend({ dtype: 'float32' })!, { vector: [[ops.matmulOp, softsignVector]] })).toThrow("op 'matmul' is lowered 'kernel', not 'elementwise'")
  })
})

describe('a runtime part on the backend’s memory, assembled with symgrad/kernels', () => {
  // ── twice ──  twice(x) = 2x, as a kernel: a WebAssembly function over the buffers' byte offsets
  const twiceOp = defineOp({
    name: 'twice', arity: 1, kind: 'elementwise', lowering: 'kernel', shape: ([s]) => s!,
    eval: ([t]) => T.map(t!, (v) => 2 * v), notation: { form: 'call', name: 'twice', latex: '2' },
  })
  const [SRC, DST, N, I] = [0, 1, 2, 3]
  const bytes = assemble([{
    name: 'twice', params: [I32, I32, I32], locals: [I32],
    body: forRange(I, i32(0), [get(N), i32(2), op.shl], i32(4), [get(DST), get(I), op.add, get(SRC), get(I), op.add, load(F32), f32(2), 0x94, store(F32)]),
  }])
  const backend = withCode(wasmBackend({ dtype: 'float32' })!, {
    runtime: [['twice', (rt) => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: rt.memory! } }).exports]],
    kernels: [[twiceOp, { emit: (c) => `rt.twice.twice(${c.offset(c.args[0]!)}, ${c.offset(c.eqn.out)}, ${c.size(c.args[0]!)});` }]],
  })

  it('reads and writes the arena through byte offsets', () => {
    const y = sg.add(apply(twiceOp, [sg.mul(x, 3)]) as Expr, 1)
    const f = compile([y], { backend })
    expect(f.source).toContain('rt.twice.twice(')
    const b = { x: R.normal(R.key(4), [6, 5]) }
    const got = f.runOrThrow(b)[0]!.data
    b.x.data.forEach((v, i) => expect(got[i]).toBe(Math.fround(Math.fround(Math.fround(Math.fround(v) * 3) * 2) + 1)))
  })

  it('refuses a part name that is not identifier-like or that the runtime already has', () => {
    expect(() => withCode(backend, { runtime: [['a.b', () => 1]] })).toThrow(/runtime part "a.b" must be a new identifier-like name/)
    expect(() => withCode(backend, { runtime: [['twice', () => 1]] })).toThrow(/runtime part "twice" must be a new/)
    expect([...backend.parts!.keys()]).toEqual(['twice'])
    const clash = withCode(wasmBackend({ dtype: 'float32' })!, { runtime: [['gemm', () => 1]] })
    expect(() => compile([sg.mul(x, 2)], { backend: clash })).toThrow("withCode: backend 'wasm-float32' already has a runtime part 'gemm'")
  })
})

describe('the ONNX table is keyed by op record', () => {
  it('a different record with a built-in op’s name has no mapping, and registries refuse to map it: only the registered record of a name is mapped', () => {
    const otherRelu: OpDef = { ...ops.reluOp }
    const g = { inputs: [x], outputs: { y: apply(otherRelu, [x]) as Expr }, values: {} }
    const refused = toOnnx(g)
    expect(E.isLeft(refused) && refused.left.message).toBe("onnx export: op 'relu' has no ONNX mapping (add one: Registries.extend(base, { onnx: [[reluOp, …]] }), then toOnnx(graph, { registries }))")
    const mapped = Registries.extend(Registries.builtins, { onnx: [[otherRelu, { elementwise: true, emit: (c) => c.emit('Relu', c.args) }]] })
    expect(E.isLeft(mapped) && mapped.left.message).toBe("Registries.extend: onnx: op 'relu' is a different record from the registered op of that name")
    expect(builtinOnnx.has(otherRelu)).toBe(false)
    expect(() => onnxTable([[otherRelu, builtinOnnx.get(ops.reluOp)!], [otherRelu, builtinOnnx.get(ops.reluOp)!]])).toThrow("onnx table: op 'relu' is listed twice")
  })
})

describe('symgrad/kernels', () => {
  it('bundles for the browser and assembles a module in a realm without Node globals', async () => {
    const entry = fileURLToPath(new URL('../src/kernels/index.ts', import.meta.url))
    const out = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', globalName: 'kernels', write: false, logLevel: 'silent' })
    const realm = vm.createContext({ WebAssembly })
    vm.runInContext(out.outputFiles[0]!.text, realm)
    const r = vm.runInContext(
      `(() => {
        const k = kernels
        const bytes = k.assemble([{ name: 'f', params: [k.I32], results: [k.I32], locals: [], body: [k.get(0), k.i32(2), k.op.mul] }])
        return { hasProcess: typeof process !== 'undefined', simd: k.hasWasmSimd(), lanes: k.vectorF32.lanes, twice: new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: new WebAssembly.Memory({ initial: 1 }) } }).exports.f(21) }
      })()`,
      realm,
    )
    expect(r).toEqual({ hasProcess: false, simd: true, lanes: 4, twice: 42 })
  })
})
