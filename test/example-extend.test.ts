import { describe, expect, it } from 'vitest'
import { Random, Tensor as T, add, compile, evaluateOrThrow, grad, input, mul, nn, train as tr } from '../src/index.js'
import { assertLayerLaws, float32Agrees } from '../laws/index.js'
import { backend, gatedSwish, loopsOf, model, registries, run, swish, wasmSwish } from '../examples/06-extend.js'

describe('examples/06-extend: an op, a layer and an optimizer of the user, each one record', () => {
  it('checks their laws, trains the spiral (residual block included) through train, resumes bit for bit through the registries, prints the derivative', () => {
    const r = run()
    expect(r.derivative).toBe('σ(x)·(1 + x·(1 − σ(x)))')
    expect(r.meanLoss[1]).toBeLessThan(r.meanLoss[0] / 4)
    expect(r.trainAccuracy).toBeGreaterThanOrEqual(0.95)
    expect(r.steps).toBe(600)
    expect(r.resumedEqual).toBe(true)
    expect(r.graphRoundTrip).toBe(true)
    expect(r.summary).toMatch(/gswish0 +swish\(x·kernel\)·gate/)
    expect(r.summary).toMatch(/res0 +residual x \+ f\(x\), f: swish\(x·kernel\)·gate → dense 32→32/)
    expect(r.weights).toEqual(['dense0.W', 'gswish0.kernel', 'res0.gswish0.kernel', 'res0.dense0.W', 'dense1.W'])
    expect(r.swishLoops).toEqual([{ ops: ['mul', 'add', 'swish'], native: true }])
    expect(r.lawsChecked).toEqual(['op swish', 'layer gatedSwish', 'optimizer lion'])
  }, 120_000)
})

describe("the user op in the WebAssembly backend's fused loops", () => {
  const x = input('x', ['N', 7])
  const y = swish(add(mul(x, 2), 1))
  const b = { x: Random.normal(Random.key(1), [33, 7], 3) }
  const [f32, f64] = [wasmSwish('float32'), wasmSwish('float64')]

  it('float32: swish(2x + 1) is one WebAssembly loop with swish in it, within the float32 law of the interpreter', () => {
    if (f32 === undefined) throw new Error('no WebAssembly SIMD in this Node')
    expect(loopsOf([y], f32)).toEqual([{ ops: ['mul', 'add', 'swish'], native: true }])
    expect(float32Agrees([y], compile([y], { backend: f32 }), b)).toBeUndefined()
  })

  it('float64 lanes have no exp: swish runs in a JavaScript loop between WebAssembly loops, and the result is the JavaScript loop\'s bits', () => {
    if (f64 === undefined) throw new Error('no WebAssembly SIMD in this Node')
    const z = mul(swish(add(mul(x, 2), 1)), 3)
    expect(loopsOf([z], f64)).toEqual([{ ops: ['mul', 'add'], native: true }, { ops: ['swish'], native: false }, { ops: ['mul'], native: true }])
    const w = compile([z], { backend: f64 }).runOrThrow(b)[0]!
    const js = compile([z], { backend }).runOrThrow(b)[0]!
    expect(js.data.every((v, i) => Object.is(v, w.data[i]))).toBe(true)
    expect(T.maxRelError(js, evaluateOrThrow(z, b), 1e-12)).toBeLessThanOrEqual(1e-12)
  })
})

describe("the user layer's kernel is a weight by declaration: L2 and max-norm reach it, not its gate", () => {
  const { params, state } = model.init(Random.key(2))
  const kernels = ['gswish0.kernel', 'res0.gswish0.kernel']
  const gates = ['gswish0.gate', 'res0.gswish0.gate']
  const lambda = 0.03

  it('the penalties l2 and l2Half: gradient 2λ·kernel and λ·kernel, zero for the gates', () => {
    const wrt = [...kernels, ...gates].map((k) => model.params()[k]!)
    for (const [penalty, factor] of [[nn.l2(model.weights(), lambda), 2 * lambda], [nn.l2Half(model.weights(), lambda), lambda]] as const) {
      const g = evaluateOrThrow(grad(penalty, wrt), params)
      kernels.forEach((k, i) => expect(T.maxRelError(g[i]!, T.scale(params[k]!, factor), 1e-300)).toBeLessThanOrEqual(1e-15))
      gates.forEach((_, i) => expect(g[kernels.length + i]!.data.every((v) => v === 0)).toBe(true))
    }
  })

  it("training's regularization (l2, l2Half) adds 2λ·kernel and λ·kernel to the step's gradients and leaves the gates' alone", () => {
    const xb = Random.normal(Random.key(3), [8, 2])
    const yb = { shape: [8], data: Float64Array.from([0, 1, 2, 0, 1, 2, 0, 1]) }
    const step = (reg: tr.Regularization) => tr.buildPrograms(model, 'softmax', reg, { backend }).step(params, state, xb, yb, Random.key(4)).grads
    const plain = step({ kind: 'none' })
    for (const [kind, factor] of [['l2', 2 * lambda], ['l2Half', lambda]] as const) {
      const g = step({ kind, lambda })
      for (const k of kernels) {
        // g − plain = factor·kernel, up to the rounding of the sums (a few ulp of the gradients)
        const off = g[k]!.data.map((v, i) => Math.abs(v - plain[k]!.data[i]! - factor * params[k]!.data[i]!) / (Math.abs(v) + Math.abs(plain[k]!.data[i]!) + 1e-300))
        expect(Math.max(...off)).toBeLessThanOrEqual(1e-15)
        expect(T.maxRelError(g[k]!, plain[k]!, 1e-12)).toBeGreaterThan(1e-6) // the penalty is not lost in the rounding
      }
      for (const k of gates) expect(T.equal(g[k]!, plain[k]!)).toBe(true)
    }
  })

  it('max-norm projects each kernel column to norm c and returns the gates as they were', () => {
    const c = 0.5
    const p = nn.maxNorm(params, c, model.weights())
    for (const k of kernels) {
      const w = p[k]!
      const [rows, cols] = w.shape as [number, number]
      const norms = Array.from({ length: cols }, (_, j) => Math.hypot(...Array.from({ length: rows }, (_, i) => w.data[i * cols + j]!)))
      expect(Math.max(...norms)).toBeLessThanOrEqual(c + 1e-12)
      expect(Math.max(...norms)).toBeGreaterThan(c - 1e-12) // init std 1/√32 makes the columns longer than c: each is clipped
      expect(T.equal(w, params[k]!)).toBe(false)
    }
    for (const k of gates) expect(p[k]).toBe(params[k])
  })
})

describe("the example model's layers pass their laws", () => {
  it('gatedSwish, dense and residual on their examples, and residual holding gatedSwish and dense', () => {
    for (const kind of ['gatedSwish', 'dense', 'residual']) assertLayerLaws(nn.lookupLayer(registries.layers, kind)!, { registries })
    expect(nn.lookupLayer(registries.layers, 'gatedSwish')).toBe(gatedSwish)
    expect(() => nn.sequentialWith(registries)({ input: [1, 4, 4] }, { kind: 'gatedSwish' })).toThrow("sequential: layer 0 'gswish0': gatedSwish takes feature rows [N, d], got [N, 1, 4, 4]")
    const residual = nn.lookupLayer(registries.layers, 'residual')!
    // the residual record under a kind of its own, on an example holding the user's layer
    assertLayerLaws({ ...residual, kind: 'gatedResidual', example: { options: { layers: [{ kind: 'gatedSwish' }, nn.dense(3, 3)] }, inShape: [3] } }, { registries })
  }, 60_000)
})
