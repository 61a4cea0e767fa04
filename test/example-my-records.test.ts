/**
 * examples/my-records.ts, the records module `symgrad … --with` loads: its op, layer and optimizer
 * obey their laws, its op's vector code makes a fused WebAssembly loop, its layer's weight (not
 * named W) is what L2 sees, and AMSGrad's second moment never decreases.
 */
import { describe, expect, it } from 'vitest'
import * as T from '../src/core/Tensor.js'
import * as R from '../src/core/Random.js'
import { compile, stages, wasmBackend, withCode } from '../src/compile/index.js'
import * as ops from '../src/ops/index.js'
import type { Expr } from '../src/core/Expr.js'
import { Registries } from '../src/records/Registries.js'
import { dense } from '../src/nn/layers.js'
import { sequentialWith } from '../src/nn/model.js'
import { optimizerOf } from '../src/optim/OptimizerDef.js'
import { assertLayerLaws, assertOpLaws, assertOptimizerLaws } from '../laws/index.js'
import { amsgrad, isru, isruDense, isruOp, isruScalar, isruVector, records } from '../examples/my-records.js'

describe('examples/my-records', () => {
  const f64 = wasmBackend({ dtype: 'float64' })
  const f32 = wasmBackend({ dtype: 'float32' })

  it('exports records { ops, layers, optimizers, code, onnx } holding its op, layer and optimizer', () => {
    expect(Object.keys(records).sort()).toEqual(['code', 'layers', 'onnx', 'ops', 'optimizers'])
    expect(records.ops).toEqual([isruOp])
    expect(records.layers).toEqual([isruDense])
    expect(records.optimizers).toEqual([amsgrad])
  })

  it('isru obeys the op laws, compiled with its WebAssembly vector code too', () => {
    const interpreters = f64 === undefined ? [] : [{ name: 'WebAssembly float64 with isru\'s code', prepare: (outs: readonly Expr[]) => compile(outs, { backend: withCode(f64, { elementwise: [[isruOp, isruScalar]], vector: [[isruOp, isruVector]] }) }) }]
    expect(() => assertOpLaws(isruOp, { numRuns: 10, interpreters })).not.toThrow()
  })

  it('relu(isru(2x + 1)) is one fused WebAssembly loop in float32', () => {
    if (f32 === undefined) return
    const backend = withCode(f32, { elementwise: [[isruOp, isruScalar]], vector: [[isruOp, isruVector]] })
    const x = ops.input('x', ['N', 5])
    const y = ops.relu(isru(ops.add(ops.mul(x, 2), 1)))
    const loops = stages([y], { backend }).generated.loops
    expect(loops.map((l) => ({ native: l.native, ops: l.ops.map((o) => o.name) }))).toEqual([{ native: true, ops: ['mul', 'add', 'isru', 'relu'] }])
    const b = { x: R.normal(R.key(2), [9, 5], 2) }
    const got = compile([y], { backend }).runOrThrow(b)[0]!
    got.data.forEach((v, i) => {
      const xi = 2 * b.x.data[i]! + 1
      expect(v).toBeCloseTo(Math.max(0, xi / Math.sqrt(1 + xi * xi)), 6)
    })
  })

  it('isruDense obeys the layer laws, and its weight `kernel` (not W) is what L2 and max-norm see', () => {
    expect(() => assertLayerLaws(isruDense)).not.toThrow()
    const model = sequentialWith(Registries.extendOrThrow(Registries.builtins, { ops: [isruOp], layers: [isruDense] }))({ kind: 'isruDense', in: 2, out: 4 }, dense(4, 3))
    expect(Object.keys(model.weights()).sort()).toEqual(['dense0.W', 'isru0.kernel'])
    expect(Object.keys(model.params()).sort()).toEqual(['dense0.W', 'dense0.b', 'isru0.bias', 'isru0.kernel'])
  })

  it('AMSGrad obeys the optimizer laws; its v̂ is the running maximum of v and the step is −lr·m/(√v̂ + ε)', () => {
    expect(() => assertOptimizerLaws(amsgrad, { numRuns: 10 })).not.toThrow()
    const opt = optimizerOf({ kind: 'amsgrad', learningRate: 0.1, hyper: { b2: 0.5 } }, { registries: Registries.extendOrThrow(Registries.builtins, { optimizers: [amsgrad] }) })
    const x = { w: T.make([1], [0]) }
    let s = opt.init(x)
    const [m, v, h] = [[0], [0], [0]]
    for (const g of [3, 0.1, 0.1]) {
      const [u, s2] = opt.update({ w: T.make([1], [g]) }, s, x)
      s = s2
      m[0] = 0.9 * m[0]! + 0.1 * g
      v[0] = 0.5 * v[0]! + 0.5 * g * g
      h[0] = Math.max(h[0]!, v[0]!)
      expect(u['w']!.data[0]).toBeCloseTo((-0.1 * m[0]!) / (Math.sqrt(h[0]!) + 1e-8), 12)
    }
    // v fell after the large gradient, v̂ kept its maximum
    const st = s as unknown as { v: { w: T.Tensor }; vHat: { w: T.Tensor } }
    expect(st.vHat.w.data[0]).toBeGreaterThan(st.v.w.data[0]!)
    expect(st.vHat.w.data[0]).toBeCloseTo(4.5, 12)
  })
})
