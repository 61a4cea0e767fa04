/**
 * Layer records declare what code used to infer: which parameters are weights (`weight: true`, no
 * name convention), the input shape `init` gets, a model's input shape stated once
 * (`sequential({ input: [1, 28, 28] }, …)`), and a layer holding layers (`residual`). Checkpoints
 * and specs written before these declarations load the same (fixtures written by the CLI then).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { FiniteNumber } from '../src/core/codecs.js'
import { grad } from '../src/ad/grad.js'
import { evaluate } from '../src/eval/evaluate.js'
import { diffSpecs, decodeModel, decodeSpec, encodeSpec } from '../src/records/spec.js'
import { loadCheckpoint, saveCheckpoint } from '../src/records/files.js'
import { initTrainState } from '../src/train/index.js'
import { sgd } from '../src/optim/index.js'
import { builtinLayers } from '../src/nn/builtinLayers.js'
import { defineLayer, keepLayer, noState } from '../src/nn/LayerDef.js'
import { Registries } from '../src/records/Registries.js'
import { center, conv, dense, dropout, flatten, maxPool, relu, reshape, residual, standardize, tanh } from '../src/nn/layers.js'
import { mlp, sequential, sequentialWith, toInference } from '../src/nn/model.js'
import { smallConvnet } from '../src/nn/convnets.js'
import { withPreprocessing } from '../src/nn/preprocessing.js'
import { l2, maxNorm } from '../src/nn/regularizers.js'
import { summary } from '../src/nn/summary.js'
import * as ops from '../src/ops/index.js'
import * as ort from 'onnxruntime-web'
import { modelToOnnx } from '../src/onnx/model.js'
import { codegen, fuse, interpret, jsBackend, linearize, plan, type Program } from '../src/compile/index.js'

ort.env.wasm.numThreads = 1 // one WebAssembly thread: no worker to start in a test

/** x·W + b by loops, for [N, in]·[in, out]. */
function affine(x: T.Tensor, w: T.Tensor, b: T.Tensor): T.Tensor {
  const [n, k] = x.shape as [number, number]
  const m = w.shape[1] as number
  const out = new Float64Array(n * m)
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = b.data[j]!
    for (let p = 0; p < k; p++) s += x.data[i * k + p]! * w.data[p * m + j]!
    out[i * m + j] = s
  }
  return { shape: [n, m], data: out }
}

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const right = <A>(e: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(e)) throw new Error(e.left.message)
  return e.right
}

/** A user's affine layer whose weight is named `0_W` and whose `W` is a bias-like offset: names carry no meaning. */
const oddNames = defineLayer({
  kind: 'oddNames', options: { width: FiniteNumber }, defaults: {}, prefix: 'odd',
  params: (o) => ({ '0_W': { shape: [o.width, o.width], weight: true }, W: { shape: [o.width] } }),
  state: noState,
  outShape: (_, s) => s,
  init: (o, key, { inShape }) => ({ params: { '0_W': R.normal(key, [inShape[0]!, o.width], 3), W: T.fill([o.width], inShape[0]!) }, state: {} }),
  apply: (_, x, { params }) => ({ out: ops.add(ops.matmul(x, params['0_W']), params.W) }),
  inference: keepLayer,
  describe: (o) => `odd ${o.width}`,
  example: { options: { width: 3 }, inShape: [3] },
})
const reg = Registries.extendOrThrow(Registries.builtins, { layers: [oddNames] })

describe('weights are declared by their layer', () => {
  it("a user layer's res0.0_W declared as a weight gets L2 and max-norm; its W declared without weight gets neither", () => {
    const m = sequentialWith(reg)(dense(3, 3), { kind: 'oddNames', width: 3, name: 'res0' }, dense(3, 2))
    expect(Object.keys(m.weights())).toEqual(['dense0.W', 'res0.0_W', 'dense1.W'])
    const { params } = m.init(R.key(1))
    // L2 reaches it: d(λΣW²)/dW = 2λW for res0.0_W, and the penalty leaves res0.W alone
    const penalty = l2(m.weights(), 0.5)
    const [g0W] = grad(penalty, [m.params()['res0.0_W']!])
    const [value, dW] = right(evaluate([penalty, g0W!], params))
    expect(T.maxRelError(dW!, T.scale(params['res0.0_W']!, 1), 0)).toBe(0)
    const expected = ['dense0.W', 'res0.0_W', 'dense1.W'].reduce((a, k) => a + params[k]!.data.reduce((s, v) => s + v * v, 0), 0) * 0.5
    expect(value!.data[0]).toBeCloseTo(expected, 10)
    // max-norm projects it (init std 3 makes its columns long) and leaves res0.W as it was
    const p = maxNorm(params, 0.5, m.weights())
    const w = p['res0.0_W']!
    for (let j = 0; j < 3; j++) expect(Math.hypot(...[0, 1, 2].map((i) => w.data[i * 3 + j]!))).toBeLessThanOrEqual(0.5 + 1e-12)
    expect(p['res0.W']).toBe(params['res0.W'])
  })

  it('a parameter declared as a bare shape (the form before declarations) is refused in one line, not taken as a bias', () => {
    const old = defineLayer({
      kind: 'oldForm', options: {}, defaults: {}, prefix: 'old',
      params: (_, s) => ({ W: s }) as never,
      state: noState, outShape: (_, s) => s,
      init: () => ({ params: {}, state: {} }),
      apply: (_, x) => ({ out: x }), inference: keepLayer, describe: () => 'old', example: { options: {}, inShape: [3] },
    })
    expect(() => sequentialWith(Registries.extendOrThrow(Registries.builtins, { layers: [old] }))(dense(2, 3), { kind: 'oldForm' })).toThrow(
      "sequential: layer 1 'old0': layer 'old0' (oldForm): parameter 'W' is declared as a bare shape [3]; declare { shape: [3], weight: true } for a weight (L2, max-norm) or { shape: [3] } otherwise",
    )
  })

  it('init receives the input shape', () => {
    const m = sequentialWith(reg)({ input: [4] }, { kind: 'oddNames', width: 4 }, flatten)
    expect(Array.from(m.init(R.key(2)).params['odd0.W']!.data)).toEqual([4, 4, 4, 4])
  })
})

describe("a model's input shape is stated once", () => {
  it('sequential({ input: [1, 28, 28] }, conv, …): every shape follows; rows and images give the same scores', () => {
    const m = sequential({ input: [1, 28, 28] }, conv(8, 5), relu, maxPool(2), flatten, dense(1152, 10))
    expect(m.in).toBe(784)
    expect(m.inShape).toEqual([1, 28, 28])
    expect(m.spec.input).toEqual([1, 28, 28])
    expect(m.layers.map((l) => l.outShape)).toEqual([[8, 24, 24], [8, 24, 24], [8, 12, 12], [1152], [10]])
    expect(summary(m).split('\n')[0]).toBe('input [N,1,28,28]')
    const { params } = m.init(R.key(3))
    const x = R.normal(R.key(4), [2, 784])
    const rows = right(evaluate([m.apply(ops.input('x', [2, 784]), 'test').out], { ...params, x }))[0]!
    const images = right(evaluate([m.apply(ops.input('x', [2, 1, 28, 28]) as never, 'test').out], { ...params, x: { shape: [2, 1, 28, 28], data: x.data } }))[0]!
    expect(T.equal(rows, images)).toBe(true)
    const back = right(decodeModel(JSON.parse(JSON.stringify(encodeSpec(m.spec)))))
    expect(back.spec).toEqual(m.spec)
    expect(E.isLeft(decodeSpec({ input: [1, 28, 28], in: 785, layers: m.spec.layers }))).toBe(true)
  })

  it('a model starting with reshape, or any layer that does not state its width, asks for { input } in one line', () => {
    const ask = `the first layer ("reshape") does not state its input width; state the model's input shape once: sequential({ input: [784] }, …) or sequential({ input: [1, 28, 28] }, …)`
    expect(() => sequential(reshape([1, 28, 28]), conv(8, 5), relu, maxPool(2), flatten, dense(1152, 10))).toThrow(`sequential: ${ask}`)
    // the width is never taken from a later layer (it used to be, and failed with "needs 2 entries")
    expect(() => sequential(reshape([1, 2, 2]), flatten, dense(4, 2))).toThrow(`sequential: ${ask}`)
    expect(() => sequential({ input: [784], extra: 1 } as never, dense(784, 2))).toThrow("sequential: the model's first argument takes only 'input', got 'extra'")
    // @ts-expect-error a width of 0 flows into dense(1, 2): refused by the types, and at run time
    expect(() => sequential({ input: [0] }, dense(1, 2))).toThrow('sequential: input must be a non-empty list of positive integers')
  })

  it('the existing forms keep working: a first dense layer states the width; { input: [w] } writes the same spec', () => {
    const a = sequential(dense(2, 16), relu, dense(16, 3))
    const b = sequential({ input: [2] }, dense(2, 16), relu, dense(16, 3))
    expect(b.spec).toEqual(a.spec)
    expect('input' in a.spec).toBe(false)
    // @ts-expect-error the stated input width 3 meets dense(2, 16): refused by the types, and at run time
    expect(() => sequential({ input: [3] }, dense(2, 16))).toThrow("sequential: layer 0 'dense0' expected input width 2, got 3 from the layer before")
  })

  it('a checkpoint written before { input } (standardize → dense) loads, and resumes against the model built today', () => {
    const spec = withPreprocessing(mlp([2, 8, 3], { init: 'he' }), standardize()).spec
    const loaded = right(loadCheckpoint(fixture('checkpoint-mlp-before-input.json'), { spec }))
    expect(loaded.model.spec).toEqual(spec)
    expect(Object.keys(loaded.model.weights())).toEqual(['dense0.W', 'dense1.W'])
  })

  it("a convnet spec written before { input } (center → reshape → conv …) decodes to today's convnet: saved runs still resume", () => {
    const old: unknown = JSON.parse(readFileSync(fixture('spec-convnet-before-input.json'), 'utf8'))
    const decoded = right(decodeSpec(old))
    expect(diffSpecs(withPreprocessing(smallConvnet([28, 28, 1], 2), center()).spec, decoded)).toEqual([])
    expect(JSON.stringify(encodeSpec(decoded))).toBe(JSON.stringify(old))
    expect(Object.keys(right(decodeModel(old)).weights())).toEqual(['conv0.W', 'conv1.W', 'dense0.W'])
  })
})

describe('residual: a layer holding layers', () => {
  const block = residual(dense(4, 4), tanh, dropout({ keep: 0.5 }), dense(4, 4))

  it('namespaces its leaves, keeps their weight declarations, and is x + f(x)', () => {
    const m = sequential(dense(3, 4), block, dense(4, 2))
    expect(Object.keys(m.paramShapes)).toEqual(['dense0.W', 'dense0.b', 'res0.dense0.W', 'res0.dense0.b', 'res0.dense1.W', 'res0.dense1.b', 'dense1.W', 'dense1.b'])
    expect(Object.keys(m.weights())).toEqual(['dense0.W', 'res0.dense0.W', 'res0.dense1.W', 'dense1.W'])
    const { params } = m.init(R.key(5))
    expect(T.equal(params['res0.dense0.W']!, params['res0.dense1.W']!)).toBe(false) // each inner layer its own key
    const x = R.normal(R.key(6), [5, 3])
    const xi = ops.input('x', [5, 3])
    const [out, h] = right(evaluate([m.apply(xi, 'test').out, sequential(dense(3, 4)).apply(xi, 'test').out], { ...params, x }))
    // by hand: h = dense0(x); f(h) = dense1(tanh(dense0(h))) inside the block; out = dense1(h + f(h))
    const f = (t: T.Tensor, w: string) => affine(t, params[`${w}.W`]!, params[`${w}.b`]!)
    const inner = f(T.map(f(h!, 'res0.dense0'), Math.tanh), 'res0.dense1')
    const want = f(T.add(h!, inner), 'dense1')
    expect(T.maxRelError(out!, want, 1e-12)).toBeLessThanOrEqual(1e-12)
  })

  it('checks its shapes, describes itself, drops an inner dropout in the inference form, and goes through JSON', () => {
    // @ts-expect-error a residual keeps its width, so the types see 4 meet dense(5, 2); at run time the block itself is refused
    expect(() => sequential(dense(3, 4), residual(dense(4, 5)), dense(5, 2))).toThrow(
      "sequential: layer 1 'res0': residual: its layers turn [N,4] into [N,5]; x + f(x) needs f to keep the shape",
    )
    expect(() => sequential(dense(3, 4), residual(standardize()), dense(4, 2))).toThrow("residual: layer 'std0' (standardize) has fitted state; put it in front of the block")
    const m = sequential(dense(3, 4), block, dense(4, 2))
    expect(summary(m)).toContain('residual x + f(x), f: dense 4→4, init xavier → tanh → dropout keep=0.5 → dense 4→4, init xavier')
    const inf = toInference(m)
    expect((inf.spec.layers[1] as unknown as { layers: { kind: string }[] }).layers.map((l) => l.kind)).toEqual(['dense', 'activation', 'dense'])
    expect(inf.paramShapes).toEqual(m.paramShapes)
    const json = JSON.parse(JSON.stringify(encodeSpec(m.spec)))
    expect(right(decodeModel(json)).spec).toEqual(m.spec)
    expect(E.isLeft(decodeModel({ ...json, layers: [json.layers[0], { kind: 'residual', layers: [{ kind: 'dense', in: 4 }] }, json.layers[2]] }))).toBe(true)
  })

  it("resolves inner kinds with the model's registry (a user's layer inside), and a dropout inside draws its own masks", () => {
    const m = sequentialWith(reg)(dense(2, 3), residual({ kind: 'oddNames', width: 3 }, dropout({ keep: 0.5 }), dropout({ keep: 0.5 })), dense(3, 2))
    expect(Object.keys(m.weights())).toContain('res0.odd0.0_W')
    const a = m.apply(ops.input('x', [4, 2]), 'train')
    expect(a.random.inputs.map((u) => u.name)).toEqual(['res0.dropout0.u', 'res0.dropout1.u'])
    const b = a.random.bindings(R.key(7), 4)
    expect(T.equal(b['res0.dropout0.u']!, b['res0.dropout1.u']!)).toBe(false)
  })
})

describe('checkpoints', () => {
  it('a model of stated input shape holding a residual block goes through a checkpoint file and back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'symgrad-decl-'))
    try {
      const m = sequential({ input: [1, 4, 4] }, conv(2, 3, { pad: 1 }), residual(conv(2, 3, { pad: 1 }), relu), flatten, dense(32, 3))
      const state = initTrainState(m, { optimizer: sgd(0.1), key: R.key(11) })
      const file = join(dir, 'run.json')
      expect(E.isRight(saveCheckpoint(file, { spec: m.spec, state }))).toBe(true)
      const back = right(loadCheckpoint(file, { spec: m.spec }))
      expect(back.model.spec).toEqual(m.spec)
      expect(back.model.spec.input).toEqual([1, 4, 4])
      expect(back.state.params['res0.conv0.W']!.data).toEqual(state.params['res0.conv0.W']!.data)
      expect(Object.keys(back.model.weights())).toEqual(['conv0.W', 'res0.conv0.W', 'dense0.W'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('ONNX export', () => {
  it('a model of stated input shape with a residual block (and a dropout inside) gives the same scores in onnxruntime', async () => {
    const m = sequential({ input: [1, 6, 6] }, conv(2, 3, { pad: 1 }), relu, residual(conv(2, 3, { pad: 1 }), relu, dropout({ keep: 0.5 })), maxPool(2), flatten, dense(18, 3))
    const { params, state } = m.init(R.key(9))
    const r = modelToOnnx(m, params, state)
    if (E.isLeft(r)) throw r.left
    expect(r.right.opTypes).toEqual(expect.arrayContaining(['Reshape', 'Conv', 'Add', 'MaxPool']))
    const x = R.normal(R.key(10), [4, 36])
    const mine = right(m.predict(params, state, x))
    const session = await ort.InferenceSession.create(r.right.bytes)
    const got = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x.data), [4, 36]) })
    const scores = got['scores']!.data as Float32Array
    expect(Math.max(...Array.from(scores, (v, i) => Math.abs(v - mine.scores.data[i]!) / Math.max(1, Math.abs(mine.scores.data[i]!))))).toBeLessThan(1e-5)
  })
})

describe("ops' attributes are checked on the way in, never dropped", () => {
  const x = ops.input('x', [1, 1, 6, 6])
  it('avgPool2d(x, { size: [3, 3] }) is a one-line error, not a 2×2 pool', () => {
    expect(() => ops.avgPool2d(x, { size: [3, 3] })).toThrow('avgPool2d: unknown attribute "size" (expected window, stride)')
    expect(() => ops.maxPool2d(x, { window: 'big' } as never)).toThrow("maxPool2d: attribute 'window': expected an integer or a pair of integers, got the string \"big\"")
    expect(() => ops.conv2d(x, ops.input('w', [1, 1, 3, 3]), { strid: 2 } as never)).toThrow('conv2d: unknown attribute "strid" (expected stride, pad)')
    expect(ops.avgPool2d(x, { window: 3 }).shape).toEqual([1, 1, 2, 2])
  })

  it('a program whose eqn carries an attribute its op does not declare is refused by the interpreter and by code generation', () => {
    const p = linearize([ops.avgPool2d(x)])
    const tampered: Program = { ...p, eqns: p.eqns.map((e) => (e.op.name === 'avgPool2d' ? { ...e, attrs: { ...e.attrs, size: [3, 3] } } : e)) }
    const bindings = { x: R.normal(R.key(8), [1, 1, 6, 6]) }
    expect(E.isRight(interpret(p, bindings))).toBe(true)
    const r = interpret(tampered, bindings)
    expect(E.isLeft(r) && r.left.message).toBe('avgPool2d: unknown attribute "size" (expected window, stride)')
    const s = fuse(tampered, jsBackend)
    expect(() => codegen(s, plan(s), jsBackend)).toThrow('avgPool2d: unknown attribute "size" (expected window, stride)')
  })
})
