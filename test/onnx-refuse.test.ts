/**
 * toOnnx returns a Left, never throws, for a graph that is not one (own `__proto__` keys, null
 * data, inherited names), and never writes a number float32 cannot hold: a finite float64 weight
 * beyond ±3.4e38 is refused naming the parameter (`symgrad export` exits 2 and writes nothing).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { spiral } from '../src/data/datasets.js'
import { saveCheckpoint } from '../src/records/files.js'
import { runCli } from '../src/cli/main.js'
import { mlp } from '../src/nn/model.js'
import { toOnnx, type OnnxGraph } from '../src/onnx/export.js'
import { modelToOnnx } from '../src/onnx/model.js'
import { Registries } from '../src/records/Registries.js'
import * as ops from '../src/ops/index.js'
import * as O from '../src/optim/index.js'
import { train } from '../src/train/loop.js'
import { defineOp } from '../src/ops/Op.js'
import { apply } from '../src/core/Expr.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-onnx-refuse-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const x = ops.input('x', ['N', 2])
const W = ops.param('W', [2, 3])
const y = ops.matmul(x, W)
const good: OnnxGraph = { inputs: [x], outputs: { y }, values: { W: T.zeros([2, 3]) } }
/** An own enumerable `__proto__` field, as JSON.parse makes one. */
const withProto = <V>(rec: Record<string, V>, v: V): Record<string, V> => Object.defineProperty({ ...rec }, '__proto__', { value: v, enumerable: true })

const left = (g: unknown, registries?: unknown): string => {
  let r
  try {
    r = toOnnx(g as OnnxGraph, registries === undefined ? {} : { registries: registries as never })
  } catch (e) {
    return `THREW ${(e as Error).message}`
  }
  return E.isLeft(r) ? r.left.message : 'Right'
}

describe('toOnnx never throws', () => {
  it.each<[string, unknown, string | RegExp]>([
    ['null graph', null, 'onnx export: expected a graph { inputs, outputs, values }, got null'],
    ['outputs with an own __proto__', { ...good, outputs: withProto({ y }, y) }, `onnx export: outputs: '__proto__' is not allowed as a name`],
    ['values with an own __proto__', { ...good, values: withProto({ W: T.zeros([2, 3]) }, T.zeros([2, 3])) }, `onnx export: values: '__proto__' is not allowed as a name`],
    ['softmax with an own __proto__', { ...good, softmax: withProto({}, 'y') }, `onnx export: softmax: '__proto__' is not allowed as a name`],
    ['a value whose data is null', { ...good, values: { W: { shape: [2, 3], data: null } } }, `onnx export: values['W']: its data must be a Float64Array, got null`],
    ['a value whose data is short', { ...good, values: { W: { shape: [2, 3], data: new Float64Array(5) } } }, `onnx export: values['W']: its data holds 5 numbers, its shape [2,3] needs 6`],
    ['outputs null', { ...good, outputs: null }, 'onnx export: outputs: expected a record, got null'],
    ['no outputs', { ...good, outputs: {} }, 'onnx export: outputs: expected at least one output'],
    ['an output that is not an expression', { ...good, outputs: { y: 3 } }, `onnx export: outputs['y']: expected an expression`],
    ['inputs not a list', { ...good, inputs: 'x' }, 'onnx export: inputs: expected a list of input leaves'],
    ['an input that is a param', { ...good, inputs: [W] }, 'onnx export: inputs[0]: expected an input leaf (ops.input)'],
    ['a softmax of an inherited name', { ...good, softmax: { p: 'toString' } }, `onnx export: softmax output 'p': no output named 'toString'`],
    ['a table that is not a record', good, 'onnx export: registries.onnx: expected a Map of ONNX mappings by op record (Registries.extend)'],
  ])('%s', (name, g, msg) => {
    const m = left(g, name === 'a table that is not a record' ? { onnx: 'nope' } : undefined)
    if (typeof msg === 'string') expect(m).toBe(msg)
    else expect(m).toMatch(msg)
  })

  it('names that are Object.prototype members are plain names: a param toString without a value, an op named constructor', () => {
    const p = ops.param('toString', [2, 3])
    expect(left({ inputs: [x], outputs: { y: ops.matmul(x, p) }, values: {} })).toBe("onnx export: param 'toString' has no value (bind it in values, or list it as a graph input)")
    const ctorOp = defineOp({ name: 'constructor', arity: 1, kind: 'elementwise', shape: ([s]) => s!, eval: ([t]) => t!, notation: { form: 'call', name: 'constructor', latex: 'c' } })
    const z = apply(ctorOp, [y])
    expect(left({ ...good, outputs: { z } })).toMatch(/^onnx export: op 'constructor' has no ONNX mapping/)
  })

  it("a user table entry that throws a TypeError is a Left", () => {
    const myOp = defineOp({ name: 'myIdentity', arity: 1, kind: 'elementwise', shape: ([s]) => s!, eval: ([t]) => t!, notation: { form: 'call', name: 'myIdentity', latex: 'i' } })
    const registries = Registries.extendOrThrow(Registries.builtins, { ops: [myOp], onnx: [[myOp, { elementwise: false, emit: () => (null as unknown as { x: string }).x }]] })
    expect(left({ ...good, outputs: { y: apply(myOp, [y]) } }, registries)).toMatch(/^onnx export: Cannot read properties of null/)
  })

  it('a parameter name holding an escape sequence is quoted in the message', () => {
    const p = ops.param('W\u001b[2J', [2, 3])
    const m = left({ inputs: [x], outputs: { y: ops.matmul(x, p) }, values: {} })
    expect(m).toBe('onnx export: param "W\\u001b[2J" has no value (bind it in values, or list it as a graph input)')
    expect(m).not.toMatch(/\u001b/)
  })
})

describe('float32 range', () => {
  it.each<[string, number, string]>([
    ['1e39', 1e39, "onnx export: param 'W' holds 1e+39 at flat index 4: beyond float32 range (±3.4e38), in which ONNX runtimes compute"],
    ['-3.5e38', -3.5e38, "onnx export: param 'W' holds -3.5e+38 at flat index 4: beyond float32 range (±3.4e38), in which ONNX runtimes compute"],
    ['NaN', NaN, "onnx export: param 'W' holds NaN at flat index 4: not a finite number"],
    ['Infinity', Infinity, "onnx export: param 'W' holds Infinity at flat index 4: not a finite number"],
  ])('a weight of %s is refused naming the parameter and index', (_, v, msg) => {
    const data = new Float64Array(6)
    data[4] = v
    expect(left({ ...good, values: { W: T.make([2, 3], data) } })).toBe(msg)
  })
  it('float32 max itself passes; a constant 1e39 is refused, a constant −∞ is written as float32 −∞', () => {
    const data = new Float64Array(6).fill(3.4028234663852886e38)
    expect(left({ ...good, values: { W: T.make([2, 3], data) } })).toBe('Right')
    expect(left({ ...good, outputs: { y: ops.mul(y, 1e39) } })).toBe('onnx export: the constant 1e+39 holds 1e+39 at flat index 0: beyond float32 range (±3.4e38), in which ONNX runtimes compute')
    expect(left({ ...good, outputs: { y: ops.maximum(y, -Infinity) } })).toBe('Right')
    expect(left({ ...good, outputs: { y: ops.add(y, ops.tensor(T.of([1e39, 0, 0]))) } })).toMatch(/^onnx export: a tensor constant holds 1e\+39 at flat index 0: beyond float32 range/)
  })

  it('symgrad export: a checkpoint with a finite weight beyond float32 exits 2 with one line, and writes no file', async () => {
    const model = mlp([2, 4, 3] as number[])
    const st = train(model, { train: spiral(R.key(5), { perClass: 10 }) }, { optimizer: O.sgd(0.1), epochs: 1, batchSize: 30, key: R.key(1), evalTrainSize: 0 })
    const W0 = st.params['dense0.W']!
    const data = Float64Array.from(W0.data)
    data[1] = 1e39
    const ckpt = join(dir, 'big.json')
    expect(E.isRight(saveCheckpoint(ckpt, { spec: model.spec, state: { ...st, params: { ...st.params, 'dense0.W': T.make(W0.shape, data) } } }))).toBe(true)
    const out = join(dir, 'big.onnx')
    const r = await runCli(['export', '--onnx', out, ckpt])
    expect(r).toEqual({ code: 2, stderr: `symgrad: ${ckpt}: onnx export: param 'dense0.W' holds 1e+39 at flat index 1: beyond float32 range (±3.4e38), in which ONNX runtimes compute\n` })
    expect(existsSync(out)).toBe(false)
    // the same model within range exports
    expect(E.isRight(modelToOnnx(model, st.params, st.modelState))).toBe(true)
  })
})
