/**
 * A user's records, added once with Registries.extend, reach every place a name or an op is
 * resolved through the one options field { registries }: models, run configs and training, the
 * compiler (the op's JavaScript and WebAssembly vector code on whichever backend the dtype selects),
 * graph decoding, ONNX export, checkpoints, and the command line's main.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it, vi } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { Registries } from '../src/records/Registries.js'
import { add, input, mul, relu, sum } from '../src/ops/index.js'
import { compile, compileStep, stages } from '../src/compile/index.js'
import { dense } from '../src/nn/layers.js'
import { sequential, sequentialWith, type Model } from '../src/nn/model.js'
import { spiral } from '../src/data/datasets.js'
import { decodeRunConfig } from '../src/records/runConfig.js'
import { buildTrainConfig } from '../src/train/config.js'
import { initTrainState, train } from '../src/train/loop.js'
import { decodeGraph, encodeGraph } from '../src/io/graph.js'
import { modelToOnnx } from '../src/onnx/model.js'
import { loadCheckpoint, saveCheckpoint } from '../src/records/files.js'
import { runCli } from '../src/cli/main.js'
import { sgd } from '../src/optim/index.js'
import { user } from './support/userRecords.js'

const registries = Registries.extendOrThrow(Registries.builtins, user.records)
const dir = mkdtempSync(join(tmpdir(), 'symgrad-registries-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const right = <A>(r: E.Either<Error, A>): A => {
  if (E.isLeft(r)) throw r.left
  return r.right
}
const leftMessage = (r: E.Either<Error, unknown>): string => (E.isLeft(r) ? r.left.message : 'no error')

describe('models: a user layer and a user init through sequentialWith(registries)', () => {
  const model = sequentialWith(registries)(dense(2, 4, { init: 'lecun' }), { kind: 'gain', start: 2 }, dense(4, 3))

  it('builds, declares the layer’s weight, and draws the init by the user’s record', () => {
    expect(model.spec.layers.map((l) => l.kind)).toEqual(['dense', 'gain', 'dense'])
    expect(Object.keys(model.weights())).toEqual(['dense0.W', 'gain0.g', 'dense1.W'])
    const { params } = model.init(R.key(3))
    // layer 0 draws from foldIn(key, 0); lecun is N(0,1)/√fan_in
    expect(T.equal(params['dense0.W']!, R.normal(R.foldIn(R.key(3), 0), [2, 4], 2 ** -0.5))).toBe(true)
    expect(Array.from(params['gain0.g']!.data)).toEqual([2, 2, 2, 2])
  })

  it('without the registries the init is one line listing the registered ones', () => {
    expect(() => sequential(dense(2, 4, { init: 'lecun' }), dense(4, 3))).toThrow(
      "sequential: layers[0].init: unknown init 'lecun' (registered: small, xavier, he, glorotNormal, glorotUniform)",
    )
    expect(leftMessage(decodeRunConfig({ init: 'lecun' }))).toBe(`config.init: expected one of 'small' | 'xavier' | 'he' | 'glorotNormal' | 'glorotUniform', got "lecun"`)
    expect(right(decodeRunConfig({ init: 'lecun' }, { registries })).init).toBe('lecun')
  })
})

describe('training: a run config naming the user optimizer and init, through buildTrainConfig', () => {
  it('signSgd moves every parameter by exactly lr·sign(dx)', () => {
    const run = right(decodeRunConfig({ data: 'spiral', optimizer: 'signSgd', init: 'lecun', learningRate: 0.01, schedule: 'constant', epochs: 1, batchSize: 30, l2: 0, shift: 0, preprocess: 'none' }, { registries }))
    const model = sequentialWith(registries)(dense(2, 6, { init: run.init }), { kind: 'gain' }, dense(6, 3))
    const data = spiral(R.key(2), { perClass: 10 })
    const config = { ...buildTrainConfig(run, 30, { registries }), maxSteps: 1 }
    const s0 = initTrainState(model, config, data.x)
    const s1 = train(model, { train: data }, config, s0)
    expect(s1.step).toBe(1)
    for (const [k, p] of Object.entries(s1.params)) {
      const moved = p.data.map((v, i) => Math.abs(v - s0.params[k]!.data[i]!))
      expect(moved.every((d) => Math.abs(d - 0.01) < 1e-12 || d === 0), k).toBe(true)
    }
    expect(leftMessage(decodeRunConfig({ optimizer: 'signSgd' }))).toMatch(/^config\.optimizer: expected one of 'sgd' \| .*, got "signSgd"/)
  })
})

describe('compile: the registries’ code reaches the backend the dtype selects', () => {
  const x = input('x', [4, 5])
  const y = relu(user.softsign(add(mul(x, 2), 1)))
  const b = { x: R.normal(R.key(4), [4, 5]) }

  it('float32 (WebAssembly): softsign’s vector code fuses the chain into one WebAssembly loop; without it softsign runs apart in JavaScript', () => {
    const loops = (o: object) => stages([y], { dtype: 'float32', ...o }).generated.loops.map((l) => `${l.native ? 'wasm' : 'js'}:${l.ops.map((op) => op.name).join(',')}`)
    expect(loops({ registries })).toEqual(['wasm:mul,add,softsign,relu'])
    expect(loops({})).toEqual(['wasm:mul,add', 'js:softsign', 'wasm:relu'])
    const got = compile([y], { dtype: 'float32', registries }).runOrThrow(b)[0]!
    const want = T.map(b.x, (v) => Math.max(0, (2 * v + 1) / (1 + Math.abs(2 * v + 1))))
    expect(T.maxRelError(got, want, 1e-6)).toBeLessThan(1e-6)
  })

  it('float64 (JavaScript): softsign is the user’s scalar expression in the loop, not a call to its scalar function', () => {
    const withCode = stages([y], { registries }).generated
    const without = stages([y], {}).generated
    expect(withCode.calls.length).toBe(0)
    expect(without.calls.length).toBe(1)
    expect(withCode.source).toContain('/ (1 + Math.abs(')
    const got = compile([y], { registries }).runOrThrow(b)[0]!
    const want = compile([y]).runOrThrow(b)[0]!
    expect(got.data.every((v, i) => Object.is(v, want.data[i]))).toBe(true)
  })

  it('compile and compileStep add the registries’ code once (a runtime part twice would be refused)', () => {
    const withPart = Registries.extendOrThrow(registries, { code: { runtime: [['userPart', () => ({ three: 3 })]] } })
    for (const dtype of ['float64', 'float32'] as const) {
      const want = compile([y], { dtype }).runOrThrow(b)[0]!
      expect(T.maxRelError(compile([y], { dtype, registries: withPart }).runOrThrow(b)[0]!, want, 1e-6)).toBeLessThan(1e-6)
      const step = compileStep({ values: { s: sum(y) } }, { dtype, registries: withPart })
      expect(Number.isFinite(step.runOrThrow(b).values.s)).toBe(true)
    }
  })
})

describe('graphs, ONNX and checkpoints', () => {
  const model = sequentialWith(registries)(dense(2, 4, { init: 'lecun' }), { kind: 'gain' }, dense(4, 3)) as unknown as Model

  it('decodeGraph resolves the user op through { registries }', () => {
    const scores = model.apply(input('x', ['N', 2]), 'test').out
    const json = JSON.parse(JSON.stringify(encodeGraph([scores]))) as unknown
    expect(right(decodeGraph(json, { registries }))[0]).toBe(scores)
    expect(leftMessage(decodeGraph(json))).toMatch(/unknown op 'softsign': define it with defineOp and pass registries that have it/)
  })

  it('ONNX export maps the user op through the registries’ table', () => {
    const { params, state } = model.init(R.key(1))
    expect(right(modelToOnnx(model, params, state, { registries })).opTypes).toContain('Softsign')
    expect(leftMessage(modelToOnnx(model, params, state))).toMatch(/op 'softsign' has no ONNX mapping/)
  })

  it('a checkpoint of the user layer, init and optimizer saves and loads through { registries }', () => {
    const run = right(decodeRunConfig({ data: 'spiral', optimizer: 'signSgd', init: 'lecun', learningRate: 0.01, schedule: 'constant', epochs: 1, batchSize: 30, l2: 0, shift: 0, preprocess: 'none' }, { registries }))
    const state = train(model, { train: spiral(R.key(2), { perClass: 10 }) }, buildTrainConfig(run, 30, { registries }))
    const path = join(dir, 'user.json')
    expect(leftMessage(saveCheckpoint(path, { spec: model.spec, run, state }))).toMatch(/layer kind "gain" is not in this reader's registries/)
    right(saveCheckpoint(path, { spec: model.spec, run, state }, { registries }))
    const back = right(loadCheckpoint(path, { registries }))
    expect(back.model.spec).toEqual(model.spec)
    expect(back.run).toEqual(run)
    expect(T.equal(back.state.params['gain0.g']!, state.params['gain0.g']!)).toBe(true)
  })
})

describe("the command line's main takes a registries value", () => {
  it('train and export resolve the user init, optimizer, layer and ONNX mapping only when given the registries', async () => {
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      const argv = ['train', '--data', 'xor', '--init', 'lecun', '--optimizer', 'signSgd', '--lr', '0.05', '--epochs', '2', '--no-babysit', '--report', join(dir, 'report')]
      expect(await runCli(argv, { registries })).toEqual({ code: 0, stderr: '' })
      const refused = await runCli(argv)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toBe("symgrad: --optimizer: optimizer 'signSgd' is not a built-in nor in symgrad train's --with records; start symgrad train with --with <the records module that defines it>\n")

      const model = sequentialWith(registries)(dense(2, 4), { kind: 'gain' }, dense(4, 3))
      const st = train(model, { train: spiral(R.key(2), { perClass: 10 }) }, { optimizer: sgd(0.1), epochs: 1, batchSize: 30, key: R.key(1) })
      const path = join(dir, 'gain.json')
      right(saveCheckpoint(path, { spec: model.spec, state: st }, { registries }))
      const out = join(dir, 'gain.onnx')
      expect(await runCli(['export', '--onnx', out, path], { registries })).toEqual({ code: 0, stderr: '' })
      const without = await runCli(['export', '--onnx', join(dir, 'x.onnx'), path])
      expect(without.code).toBe(2)
      expect(without.stderr).toMatch(/checkpoint\.spec\.layers\[1\]\.kind: layer kind 'gain' is not a built-in nor in symgrad export's --with records; start symgrad export with --with /)
    } finally {
      quiet.mockRestore()
    }
  }, 60_000)
})
