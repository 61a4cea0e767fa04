/**
 * Nightly-style property tests of every decoder (12,000 cases, 21,000 decoder calls): random JSON values and
 * random mutations of valid configs, specs and checkpoints never make a decoder throw and never
 * decode into an invalid object; whatever decodes re-encodes and decodes back exactly. Graphs with
 * hostile attributes (code in strings, objects, lists where numbers belong) are refused or decode to
 * graphs whose compiled code holds none of it and runs without effect.
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import { decodeRunConfig, encodeRunConfig, RunConfigC } from '../src/records/runConfig.js'
import { buildOptimizer, buildTrainConfig, type RunConfig } from '../src/train/config.js'
import { checkpointToText, decodeCheckpoint } from '../src/records/checkpoint.js'
import { decodeGraph, encodeGraph } from '../src/io/graph.js'
import { decodeSpec, encodeSpec } from '../src/records/spec.js'
import { decodeWith } from '../src/core/codecs.js'
import { fromSpec } from '../src/nn/model.js'
import * as ops from '../src/ops/index.js'
import { train } from '../src/train/loop.js'
import { spiral } from '../src/data/datasets.js'
import { isBoundLeaf, topoSort } from '../src/core/Expr.js'
import * as T from '../src/core/Tensor.js'
import { compile } from '../src/compile/index.js'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** Every path (list of keys) to a value inside `v`, the root included. */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out = [at]
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])))
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]))
  return out
}

type Mutation = { kind: 'replace'; value: Json } | { kind: 'delete' } | { kind: 'add'; key: string; value: Json } | { kind: 'negate' } | { kind: 'special'; value: number }

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> }),
  fc.constant({ kind: 'delete' as const }),
  // prototype names as keys (an own '__proto__' field, as JSON.parse makes it) and values nested past the decoders' depth limit
  fc.record({ kind: fc.constant('add' as const), key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('kind', 'lr', 'name', '$num', '$tensor', 'in', 'out', '__proto__', 'constructor', 'toString', 'hasOwnProperty')), value: fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json> }),
  fc.record({ kind: fc.constant('replace' as const), value: fc.integer({ min: 60, max: 2000 }).map((n) => { let v: Json = 1; for (let i = 0; i < n; i++) v = i % 2 ? [v] : { count: v }; return v }) }),
  fc.constant({ kind: 'negate' as const }),
  fc.record({ kind: fc.constant('special' as const), value: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e-320, 2 ** 53, 0.5, 1, 2) }),
)

/** `doc` with one mutation applied at the `pick`-th path (modulo the number of paths); `doc` is not changed. */
function mutate(doc: Json, pick: number, m: Mutation): Json {
  const copy = structuredClone(doc)
  const all = paths(copy)
  const path = all[pick % all.length]!
  if (path.length === 0) return m.kind === 'replace' ? m.value : m.kind === 'special' ? (m.value as Json) : copy
  let parent: any = copy // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const k of path.slice(0, -1)) parent = parent[k]
  const last = path[path.length - 1]!
  const target = parent[last]
  switch (m.kind) {
    case 'replace':
      parent[last] = m.value
      break
    case 'special':
      parent[last] = m.value
      break
    case 'negate':
      parent[last] = typeof target === 'number' ? -target : target
      break
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1)
      else delete parent[last]
      break
    case 'add':
      // an own field even for '__proto__' (assignment would replace the prototype instead)
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true })
      else if (Array.isArray(target)) target.push(m.value)
      break
  }
  return copy
}

/** Every object inside a decoded value has a plain prototype: no '__proto__' key replaced one. */
function plainPrototypes(v: unknown, seen = new Set<unknown>()): void {
  if (typeof v !== 'object' || v === null || seen.has(v) || ArrayBuffer.isView(v) || v instanceof Map || v instanceof Set) return
  seen.add(v)
  const proto: unknown = Object.getPrototypeOf(v)
  expect(proto === Object.prototype || proto === Array.prototype || proto === null).toBe(true)
  for (const x of Object.values(v)) plainPrototypes(x, seen)
}

const noThrow = <A>(f: () => E.Either<{ message: string }, A>): E.Either<{ message: string }, A> => {
  const r = f() // a throw fails the property
  if (E.isLeft(r)) {
    expect(r.left.message.length).toBeGreaterThan(0)
    expect(r.left.message.length).toBeLessThan(2000)
    expect(r.left.message).not.toContain('\n')
  } else {
    // the decoded data (a loaded checkpoint's rebuilt model is code, not data)
    const v = r.right as unknown
    plainPrototypes(typeof v === 'object' && v !== null && 'model' in v ? { ...v, model: undefined } : v)
  }
  return r
}

const validSpec: Json = { layers: [{ kind: 'dense', in: 2, out: 6, init: 'he' }, { kind: 'batchNorm' }, { kind: 'activation', fn: 'tanh' }, { kind: 'dropout', keep: 0.9 }, { kind: 'dense', in: 6, out: 3 }] }
const validConfig: Json = {
  data: 'spiral',
  optimizer: 'adamw',
  learningRate: 0.01,
  schedule: 'exponential',
  decay: 0.5,
  decayEvery: 2,
  hyper: { b1: 0.8, weightDecay: 0.001, eps: { kind: 'exponentialDecay', init: 1e-8, rate: 0.5, decaySteps: 10 } },
  clipNorm: 2,
  epochs: 2,
  batchSize: 8,
  seed: 3,
  l2: 0.001,
  maxSteps: 3,
  shift: 0,
}

/** Decoded config: invariants that the codec promises. */
function checkConfig(c: E.Either<unknown, RunConfig>): void {
  if (E.isLeft(c)) return
  const v = c.right
  expect(RunConfigC.is(encodeRunConfig(v))).toBe(true)
  expect(Number.isInteger(v.epochs) && v.epochs >= 1 && Number.isInteger(v.batchSize) && v.batchSize >= 1).toBe(true)
  expect(v.learningRate > 0 && Number.isFinite(v.learningRate)).toBe(true)
  expect(v.l2 >= 0).toBe(true)
  // exact round trip through JSON text
  const again = decodeRunConfig(JSON.parse(JSON.stringify(encodeRunConfig(v))))
  expect(again).toEqual(c)
  buildOptimizer(v, 1).init({}) // builds without throwing
}

describe('decoders never throw and never accept an invalid value (nightly)', () => {
  it('random JSON values (4 decoders × 2500)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (u) => {
        checkConfig(noThrow(() => decodeRunConfig(u)))
        noThrow(() => decodeSpec(u))
        noThrow(() => decodeCheckpoint(u))
        noThrow(() => decodeGraph(u))
      }),
      { numRuns: 2500 },
    )
  })

  it('mutations of a valid config (4000)', () => {
    expect(E.isRight(decodeRunConfig(validConfig))).toBe(true)
    fc.assert(
      fc.property(fc.nat(), mutationArb, (pick, m) => {
        checkConfig(noThrow(() => decodeRunConfig(mutate(validConfig, pick, m))))
      }),
      { numRuns: 4000 },
    )
  })

  it('mutations of a valid model spec and graph (1500 each)', () => {
    const spec = encodeSpec(E.getOrElseW(() => { throw new Error('bad spec') })(decodeSpec(validSpec))) as unknown as Json
    const x = ops.input('x', ['N', 3])
    const graph = encodeGraph([ops.sum(ops.mul(ops.tanh(ops.matmul(x, ops.param('W', [3, 2]))), ops.constant(-Infinity)))]) as unknown as Json
    fc.assert(
      fc.property(fc.nat(), mutationArb, (pick, m) => {
        const s = noThrow(() => decodeSpec(mutate(spec, pick, m)))
        if (E.isRight(s)) {
          expect(decodeSpec(JSON.parse(JSON.stringify(encodeSpec(s.right))))).toEqual(s)
          expect(E.isRight(fromSpec(s.right))).toBe(true)
        }
        const g = noThrow(() => decodeGraph(mutate(graph, pick, m)))
        if (E.isRight(g)) {
          const back = decodeGraph(JSON.parse(JSON.stringify(encodeGraph(g.right))))
          expect(E.isRight(back) && back.right.every((e, i) => e === g.right[i])).toBe(true)
        }
      }),
      { numRuns: 1500 },
    )
  })

  it('mutations of a valid checkpoint (2500)', () => {
    const cfg = E.getOrElseW(() => { throw new Error('bad config') })(decodeRunConfig(validConfig))
    const spec = E.getOrElseW(() => { throw new Error('bad spec') })(decodeSpec(validSpec))
    const model = E.getOrElseW(() => { throw new Error('bad model') })(fromSpec(spec))
    const state = train(model, { train: spiral(R.key(2), { perClass: 4 }) }, buildTrainConfig(cfg, 12))
    const text = E.getOrElseW(() => { throw new Error('bad checkpoint') })(checkpointToText({ spec, run: cfg, state }))
    const doc = JSON.parse(text) as Json
    fc.assert(
      fc.property(fc.nat(), mutationArb, (pick, m) => {
        const r = noThrow(() => decodeCheckpoint(mutate(doc, pick, m)))
        if (E.isLeft(r)) return
        // a decoded checkpoint is valid: params fit the model, are finite, and it saves and loads back identically
        for (const [k, t] of Object.entries(r.right.state.params)) {
          expect(t.shape).toEqual(r.right.model.paramShapes[k])
          expect(t.data.every(Number.isFinite)).toBe(true)
        }
        const again = checkpointToText(r.right)
        expect(E.isRight(again)).toBe(true)
        if (E.isRight(again)) {
          const back = decodeCheckpoint(JSON.parse(again.right))
          expect(E.isRight(back) && checkpointToText(back.right)).toEqual(again)
        }
      }),
      { numRuns: 2500 },
    )
    expect(decodeWith(RunConfigC, validConfig, 'config')._tag).toBe('Right')
  })
})

describe('graphs with hostile attributes (nightly)', () => {
  const flag = '__symgradNightlyPwned'
  const g = globalThis as Record<string, unknown>
  const code = [`2) + (globalThis.${flag} = 1, 0`, `(globalThis.${flag} = 1, 0)`, `0; globalThis.${flag} = 1; //`, `"]; globalThis.${flag} = 1; //`, `*/ globalThis.${flag} = 1; /*`, `N) * (globalThis.${flag} = 1`]
  const hostileArb: fc.Arbitrary<Json> = fc.oneof(
    fc.constantFrom(...code),
    fc.constantFrom<Json>({ $num: 'NaN' }, { $num: code[0]! }, {}, [code[1]!], [[1, 2]], ['N', code[5]!], '__proto__', 'constructor', -1, 1.5, 1e308, null, true),
    fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
    fc.array(fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constantFrom(...code)), { maxLength: 4 }) as fc.Arbitrary<Json>,
  )
  const x = ops.input('x', ['N', 4])
  const t = ops.pow(ops.transpose(ops.exp(ops.matmul(x, ops.param('W', [4, 2])))), 3)
  const graph = encodeGraph([
    ops.sum(ops.maximum(ops.add(t, ops.constant(-0.5, [2, 'N'])), 0), [1]),
    ops.sum(ops.mean(ops.reshape(ops.param('V', [2, 4, 2]), [4, 4]), [0])),
    ops.gatherLabel(ops.oneHot(ops.input('y', [3]), 2), ops.input('z', [3])),
    ops.sumTo(ops.broadcastTo(ops.input('u', [1, 3]), [2, 3]), [3]),
  ]) as unknown as Json
  const keys = ['p', 'value', 'axes', 'shape', 'perm', 'classes', 'name', '__proto__', 'extra']

  it('hostile values in every attribute position (1500): refused, or compiled without effect', () => {
    let decoded = 0
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...keys), hostileArb, (pick, key, v) => {
        const doc = structuredClone(graph) as { nodes: { attrs: Record<string, Json> }[] }
        const node = doc.nodes[pick % doc.nodes.length]!
        const own = Object.keys(node.attrs)
        const k = own.length > 0 && pick % 3 !== 0 ? own[pick % own.length]! : key
        Object.defineProperty(node.attrs, k, { value: v, enumerable: true, configurable: true, writable: true })
        const r = noThrow(() => decodeGraph(JSON.parse(JSON.stringify(doc))))
        if (E.isLeft(r)) return
        decoded++
        const f = compile(r.right)
        expect(f.source).not.toContain(flag)
        const leaves = topoSort(r.right).filter(isBoundLeaf)
        const bind = Object.fromEntries(leaves.map((l) => [l.attrs['name'] as string, T.fill(l.shape.map((d) => (typeof d === 'number' ? d : 2)), 1)]))
        f(bind)
        expect(g[flag]).toBeUndefined()
      }),
      { numRuns: 1500 },
    )
    expect(decoded).toBeGreaterThan(0)
  })
})
