/**
 * The error rule: every Either-returning public reader has an …OrThrow twin that returns the Right
 * value or throws the Left's SymgradError (same message); builders throw at construction.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as sg from '../src/index.js'
import * as node from '../src/node/index.js'

describe('…OrThrow twins', () => {
  it('each twin returns the Right value or throws the Left as a SymgradError with the same message', () => {
    const x = sg.input('x', [])
    const cases: [string, () => E.Either<sg.SymgradError, unknown>, () => unknown][] = [
      ['io.parseJson', () => sg.io.parseJson('{', 'f.json'), () => sg.io.parseJsonOrThrow('{', 'f.json')],
      ['io.decodeRunConfig', () => sg.io.decodeRunConfig({ lr: 1 }), () => sg.io.decodeRunConfigOrThrow({ lr: 1 })],
      ['io.decodeCheckpoint', () => sg.io.decodeCheckpoint({}), () => sg.io.decodeCheckpointOrThrow({})],
      ['io.fromCsv', () => sg.io.fromCsv('a,b', 'c.csv'), () => sg.io.fromCsvOrThrow('a,b', 'c.csv')],
      ['Data.fromIdx', () => sg.Data.fromIdx(new Uint8Array(3), new Uint8Array(3)), () => sg.Data.fromIdxOrThrow(new Uint8Array(3), new Uint8Array(3))],
      ['evaluateAll', () => sg.evaluateAll([x], {}), () => sg.evaluateAllOrThrow([x], {})],
      ['node.loadCheckpoint', () => node.loadCheckpoint('/nonexistent/run.json'), () => node.loadCheckpointOrThrow('/nonexistent/run.json')],
      ['node.loadCsv', () => node.loadCsv('/nonexistent/d.csv'), () => node.loadCsvOrThrow('/nonexistent/d.csv')],
    ]
    for (const [name, either, twin] of cases) {
      const r = either()
      expect([name, E.isLeft(r)]).toEqual([name, true])
      if (E.isLeft(r)) expect(twin, name).toThrow(new sg.SymgradError(r.left.kind, r.left.message))
    }
    expect(sg.io.parseJsonOrThrow('[1]', 'f.json')).toEqual([1])
    expect(sg.evaluateOrThrow(sg.add(x, 1), { x: sg.Tensor.scalar(2) }).data[0]).toBe(3)
    expect(sg.evaluateAllOrThrow([sg.add(x, 1)], { x: sg.Tensor.scalar(2) })).toBeDefined()
  })

  it('builders throw at construction', () => {
    const a: readonly number[] = [2, 3] // widened: the mismatch is found at run time, not by the type checker
    expect(() => sg.matmul(sg.input('a', a), sg.input('b', a))).toThrow(sg.ShapeError)
  })
})

describe('Either-returning functions never throw on hostile data that fits their types', () => {
  const T = sg.Tensor
  const short = { shape: [2, 3], data: new Float64Array(5) } as sg.Tensor.Tensor
  const nullData = { shape: [2, 3], data: null } as unknown as sg.Tensor.Tensor
  const badShape = { shape: [2.5], data: new Float64Array(2) } as unknown as sg.Tensor.Tensor
  /** A record with an own enumerable `__proto__` field, as JSON.parse makes one. */
  const withProto = <V>(rec: Record<string, V>, v: V): Record<string, V> => Object.defineProperty({ ...rec }, '__proto__', { value: v, enumerable: true })
  const x = sg.input('x', [2, 3])
  const W = sg.param('W', [2, 3])
  const loss = sg.sum(sg.mul(x, W))
  const ok = T.zeros([2, 3])
  const model = sg.nn.mlp([3, 2] as number[])
  const init = model.init(sg.Random.key(1))
  const small = sg.nn.mlp([2, 2] as number[])
  const trained = sg.train.train(small, { train: sg.Data.spiral(sg.Random.key(1), { classes: 2, perClass: 5 }) }, { optimizer: sg.optim.sgd(0.1), epochs: 1, batchSize: 10, key: sg.Random.key(1), evalTrainSize: 0 })
  const cases: [string, () => E.Either<sg.SymgradError, unknown>, RegExp][] = [
    ['evaluate, data null', () => sg.evaluate([loss], { x: nullData, W: ok }), /^binding for input 'x' \[2,3\] is not a tensor: its data must be a Float64Array or Float32Array, got null$/],
    ['evaluate, data short', () => sg.evaluate([loss], { x: short, W: ok }), /its data holds 5 numbers, its shape \[2,3\] needs 6$/],
    ['evaluate, shape 2.5', () => sg.evaluate([loss], { x: badShape, W: ok }), /its shape: bad dimension 2\.5/],
    ['evaluate, bindings null', () => sg.evaluate([loss], null as never), /^expected bindings/],
    ['evaluate, Float32Array data', () => sg.evaluate([loss], { x: { shape: [2, 3], data: new Float32Array(6) } as never, W: ok }), /expected Float64Array data/],
    ['interpret, data null', () => sg.interpret(sg.stages([loss]).program, { x: nullData, W: ok }), /is not a tensor/],
    ['compiled call, data null', () => sg.compile([loss])({ x: nullData, W: ok }), /is not a tensor/],
    ['traceBackward, data short', () => sg.traceBackward(loss, { x: short, W: ok }), /is not a tensor/],
    ['circuit, data null', () => sg.circuit([loss], { x: nullData, W: ok }), /is not a tensor/],
    ['gradcheck, data null', () => sg.gradcheck(loss, [W], { x: nullData, W: ok }), /is not a tensor/],
    ['node.toOnnx, own __proto__ output', () => node.toOnnx({ inputs: [x], outputs: withProto({}, loss), values: { W: ok } }), /'__proto__' is not allowed as a name/],
    ['node.toOnnx, value data null', () => node.toOnnx({ inputs: [x], outputs: { loss }, values: { W: nullData } }), /values\['W'\]: its data must be a Float64Array/],
    ['node.modelToOnnx, param data null', () => node.modelToOnnx(model, { ...init.params, 'dense0.W': nullData }, init.state), /values\['dense0.W'\]/],
    ['optim.averageCheckpoints, data null', () => sg.optim.averageCheckpoints([{ a: nullData }, { a: nullData }]), /key 'a' in the first record is not a tensor/],
    ['optim.averageCheckpoints, data short', () => sg.optim.averageCheckpoints([{ a: short }, { a: ok }]), /its data holds 5 numbers/],
    ['optim.averageCheckpoints, own __proto__', () => sg.optim.averageCheckpoints([withProto({}, ok), withProto({}, ok)]), /'__proto__' is not allowed as a key/],
    ['optim.averageCheckpoints, inherited name', () => sg.optim.averageCheckpoints([{ toString: ok }, { a: ok }]), /key 'toString' is missing in the second record/],
    ['optim.ensembleProba, a model returning null data', () => sg.optim.ensembleProba([() => nullData], ok), /model 0 returned no tensor: its data must be a Float64Array, got null/],
    ['optim.accuracy, data null', () => sg.optim.accuracy(nullData, [0, 1]), /probabilities are not a tensor/],
    ['gradcheck, h NaN (every comparison would pass)', () => sg.gradcheck(loss, [W], { x: ok, W: ok }, { h: NaN }), /^gradcheck: option h must be a finite positive number, got NaN$/],
    ['gradcheck, tol −1', () => sg.gradcheck(loss, [W], { x: ok, W: ok }, { tol: -1 }), /^gradcheck: option tol must be/],
    ['checkVjp, stencil 4', () => sg.checkVjp(loss, [W], { x: ok, W: ok }, { stencil: 4 as never }), /^checkVjp: option stencil must be 3 or 5, got 4$/],
    ['checkVjp, maxElements 0.5', () => sg.checkVjp(loss, [W], { x: ok, W: ok }, { maxElements: 0.5 }), /^checkVjp: option maxElements must be a positive integer/],
    ['io.encodeCheckpoint, a param whose data is null', () => sg.io.encodeCheckpoint({ spec: small.spec, state: { ...trained, params: { ...trained.params, 'dense0.W': nullData } } }), /^refusing to save a checkpoint: params\['dense0.W'\] is not a tensor: its data must be a Float64Array, got null$/],
    ['io.checkpointToText, a param whose data is short (it would load as refused)', () => sg.io.checkpointToText({ spec: small.spec, state: { ...trained, params: { ...trained.params, 'dense0.W': { shape: [2, 2], data: new Float64Array(2) } } } }), /is not a tensor: its data holds 2 numbers, its shape \[2,2\] needs 4$/],
    ['Data.makeDataset, x data null', () => sg.Data.makeDataset({ name: 'd', x: nullData, y: T.zeros([2]), classes: 2 }), /^dataset 'd': x is not a tensor: its data must be a Float64Array, got null$/],
    ['Data.makeDataset, y data null', () => sg.Data.makeDataset({ name: 'd', x: ok, y: { shape: [2], data: null } as never, classes: 2 }), /y is not a tensor/],
    ['Data.makeDataset, x data short', () => sg.Data.makeDataset({ name: 'd', x: short, y: T.zeros([2]), classes: 2 }), /x is not a tensor: its data holds 5 numbers/],
    ['Data.makeDataset, a name with an escape sequence', () => sg.Data.makeDataset({ name: 'd\u001b[2J', x: short, y: T.zeros([2]), classes: 2 }), /^dataset "d\\u001b\[2J": /],
    ['Data.fitCenter, data null', () => sg.Data.Preprocess.fitCenter(nullData), /^fitCenter: the data is not a tensor/],
    ['Data.fitPca, data short', () => sg.Data.Preprocess.fitPca(short, 2), /^fitPca: the data is not a tensor: its data holds 5 numbers/],
  ]
  it.each(cases)('%s', (_, f, re) => {
    let r: E.Either<sg.SymgradError, unknown> | undefined
    expect(() => (r = f())).not.toThrow()
    expect(r !== undefined && E.isLeft(r)).toBe(true)
    if (r !== undefined && E.isLeft(r)) {
      expect(r.left.message).toMatch(re)
      expect(r.left.message).not.toMatch(/[\n\u001b]/)
    }
  })
})

