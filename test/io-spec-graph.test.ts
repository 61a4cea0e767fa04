import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { grad } from '../src/ad/grad.js'
import { evaluate } from '../src/eval/evaluate.js'
import * as ops from '../src/ops/index.js'
import { batchNorm, dense, dropout, leakyRelu, maxout, relu } from '../src/nn/layers.js'
import { sequential, toInference } from '../src/nn/model.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { l2 } from '../src/nn/regularizers.js'
import { decodeModel, decodeSpec, diffSpecs, encodeSpec, formatDiff } from '../src/records/spec.js'
import { decodeGraph, encodeGraph } from '../src/io/graph.js'

const left = <A>(r: E.Either<{ message: string }, A>): string => {
  if (E.isRight(r)) throw new Error('expected a Left')
  return r.left.message
}
const right = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const viaText = (v: unknown): unknown => JSON.parse(JSON.stringify(v))

const model = sequential(dense(4, 8, { init: 'he' }), batchNorm(), leakyRelu(0.1), dropout({ keep: 0.75 }), maxout(8, 5, 3, { init: { std: 0.05 } }), relu, dense(5, 3))

describe('model specs as JSON', () => {
  it('model.spec → JSON text → the same spec, and the same initial parameters', () => {
    const spec = right(decodeSpec(viaText(encodeSpec(model.spec))))
    expect(spec).toEqual(model.spec)
    const m2 = right(decodeModel(viaText(encodeSpec(model.spec))))
    const [a, b] = [model.init(R.key(3)).params, m2.init(R.key(3)).params]
    for (const k of Object.keys(a)) expect(T.equal(a[k]!, b[k]!)).toBe(true)
  })

  it('a hand-written spec (names, widths and defaults left out) decodes to what the builders make', () => {
    const json = {
      layers: [
        { kind: 'dense', in: 2, out: 16 },
        { kind: 'batchNorm' },
        { kind: 'activation', fn: 'relu' },
        { kind: 'dropout', keep: 0.5 },
        { kind: 'maxout', in: 16, out: 3 },
      ],
    }
    expect(right(decodeSpec(json))).toEqual(sequential(dense(2, 16), batchNorm(), relu, dropout({ keep: 0.5 }), maxout(16, 3)).spec)
    expect(right(decodeSpec(viaText(toInference(model).spec)))).toEqual(toInference(model).spec)
  })

  it('batch norm runningVarInit −0 decodes as 0, so a spec survives JSON text unchanged', () => {
    const s = decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 3 }, { kind: 'batchNorm', runningVarInit: -0 }] })
    if (E.isLeft(s)) throw s.left
    expect(Object.is((s.right.layers[1] as unknown as { runningVarInit: number }).runningVarInit, 0)).toBe(true)
    expect(decodeSpec(JSON.parse(JSON.stringify(encodeSpec(s.right))))).toEqual(s)
  })

  it('bad specs give one line naming the place', () => {
    const base = (layers: unknown[]) => ({ layers })
    expect(left(decodeSpec(base([{ kind: 'dense', in: 2, out: 3 }, { kind: 'dropuot', keep: 0.5 }])))).toBe(
      `spec.layers[1].kind: unknown layer kind "dropuot" (did you mean 'dropout'?)`,
    )
    expect(left(decodeSpec(base([{ kind: 'dense', in: 2, out: 3 }, { kind: 'dropout', keep: 1.5 }])))).toBe('spec.layers[1].keep: expected a keep probability in (0, 1], got 1.5')
    expect(left(decodeSpec(base([{ kind: 'dense', in: 2, out: 3 }, { kind: 'dropout', keep: 0 }])))).toBe('spec.layers[1].keep: expected a keep probability in (0, 1], got 0')
    expect(left(decodeSpec(base([{ kind: 'dense', in: 2, out: 3 }, { kind: 'dense', in: 4, out: 1 }])))).toBe('spec.layers[1].in: expected 3 (the width coming from the layer before), got 4')
    expect(left(decodeSpec(base([{ kind: 'dense', in: 2, out: 3.5 }])))).toBe('spec.layers[0].out: expected a positive integer, got 3.5')
    expect(left(decodeSpec(base([{ kind: 'dense', in: 2, out: 3, init: 'glorot' }])))).toBe("spec.layers[0].init: unknown init 'glorot' (registered: small, xavier, he, glorotNormal, glorotUniform)")
    expect(left(decodeSpec(base([{ kind: 'dense', in: 2, out: 3, init: { std: -1 } }])))).toBe('spec.layers[0].init.std: expected a positive number, got -1')
    expect(left(decodeSpec(base([{ kind: 'dense', in: 2, out: 3 }, { kind: 'batchNorm', momentum: 1 }])))).toBe('spec.layers[1].momentum: expected a number in [0, 1), got 1')
    expect(left(decodeSpec(base([{ kind: 'dense', in: 2, out: 3, widht: 4 }])))).toBe('unknown field spec.layers[0].widht (known fields: kind, in, out, init, name)')
    expect(left(decodeSpec(base([])))).toBe('spec.layers: no layer has a width (give spec.input, e.g. [1, 28, 28], or spec.in)')
    expect(left(decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 3 }], out: 4 }))).toBe("spec.out: expected 3 (the last layer's width), got 4")
    expect(left(decodeSpec({ layers: [{ kind: 'dense', in: 2, out: 3, name: 'a' }, { kind: 'dense', in: 3, out: 3, name: 'a' }] }))).toBe("spec: sequential: layer name 'a' is used twice")
  })

  it('two specs diff structurally, path by path', () => {
    const other = sequential(dense(4, 8, { init: 'he' }), batchNorm({ momentum: 0.99 }), leakyRelu(0.1), dropout({ keep: 0.5 }), maxout(8, 5, 3, { init: { std: 0.05 } }), relu, dense(5, 3))
    const d = diffSpecs(model.spec, other.spec)
    expect(d.map((x) => x.path)).toEqual(['spec.layers[1].momentum', 'spec.layers[3].keep'])
    expect(formatDiff(d)).toBe('spec.layers[1].momentum: 0.9 → 0.99\nspec.layers[3].keep: 0.75 → 0.5')
    expect(diffSpecs(model.spec, model.spec)).toEqual([])
    const shorter = sequential(dense(4, 8, { init: 'he' }))
    expect(diffSpecs(shorter.spec, model.spec).map((x) => x.path)).toContain('spec.layers[6]')
  })
})

describe('graphs as JSON', () => {
  const x = ops.input('x', ['N', 4])
  const y = ops.input('y', ['N'])
  const applied = model.apply(x, 'train')
  const loss = ops.add(softmaxCrossEntropy(applied.out, y), l2(model.weights(), 1e-3))
  const grads = grad(loss, model.params())
  const outputs = [loss, ...Object.values(grads), ...Object.values(applied.state)]

  it('loss, gradients and batch-norm updates decode to the identical interned nodes', () => {
    const back = right(decodeGraph(viaText(encodeGraph(outputs))))
    expect(back.length).toBe(outputs.length)
    back.forEach((e, i) => expect(e).toBe(outputs[i]))
  })

  it('constants JSON cannot spell (−Infinity, NaN, −0) and tensor constants survive', () => {
    const c = ops.maximum(ops.add(x, ops.constant(-Infinity)), ops.mul(ops.constant(NaN, [4]), ops.constant(-0)))
    const w = T.make([4], [1, -0, 2.5e-308, -7])
    const withTensor = ops.mul(c, ops.tensor(w))
    expect(right(decodeGraph(viaText(encodeGraph([c]))))[0]).toBe(c)
    const fresh = right(decodeGraph(viaText(encodeGraph([withTensor]))))[0]!
    expect(fresh).not.toBe(withTensor) // a tensor constant is interned by its Tensor's identity
    const xv = R.normal(R.key(1), [2, 4])
    const [a, b] = [right(evaluate([withTensor], { x: xv })), right(evaluate([fresh], { x: xv }))]
    expect(T.equal(a[0]!, b[0]!)).toBe(true)
    expect(right(decodeGraph(viaText(encodeGraph([withTensor])), { tensors: [w] }))[0]).toBe(withTensor)
  })

  it('bad graphs name the node', () => {
    const j = viaText(encodeGraph([ops.matmul(ops.param('A', [2, 3]), ops.param('B', [3, 4]))])) as { nodes: { op: string; args: number[]; attrs: Record<string, unknown> }[] }
    const edit = (f: (g: typeof j) => void) => {
      const g = structuredClone(j)
      f(g)
      return left(decodeGraph(g))
    }
    expect(edit((g) => (g.nodes[2]!.op = 'matmull'))).toBe(`graph.nodes[2].op: unknown op 'matmull' (did you mean 'matmul'?)`)
    expect(edit((g) => (g.nodes[2]!.args = [0, 5]))).toBe('graph.nodes[2].args[1]: node 5 is not defined before node 2')
    expect(edit((g) => (g.nodes[1]!.attrs['shape'] = [4, 4]))).toMatch(/^graph\.nodes\[2\] \(matmul\): matmul: .*\[2,3\].*\[4,4\]/)
    expect(edit((g) => ((g as { version: number } & typeof g).version = 9))).toBe('graph.version: expected 1 (the only graph format version this symgrad reads), got 9')
    expect(edit((g) => (g.nodes[0]!.attrs['shape'] = { $num: 'nan' }))).toBe(`graph.nodes[0].attrs.shape.$num: expected one of 'NaN' | 'Infinity' | '-Infinity' | '-0', got "nan" (did you mean 'NaN'?)`)
  })
})
