/**
 * The fused training step: forward, backward and the optimizer's graph form in one program.
 * Compiled in float64 the graph form's update is update's, bit for bit, for every built-in; a run
 * through the fused step equals the run through the JavaScript update bit for bit in float64 and
 * within the float32 law in float32; resuming a fused run stopped mid-epoch is bit-identical; a
 * non-finite step stops as before and keeps the last finite values.
 */
import { describe, expect, it } from 'vitest'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { compile } from '../src/compile/index.js'
import { spiral } from '../src/data/datasets.js'
import { mlp } from '../src/nn/model.js'
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from '../src/optim/aliases.js'
import { adadelta } from '../src/optim/adadelta.js'
import { chain, type GradientTransformation, type PlainState } from '../src/optim/GradientTransformation.js'
import { stepDecay, exponentialDecay } from '../src/optim/schedules.js'
import { addDecayedWeights, clipByGlobalNorm, scale, scaleByLearningRate } from '../src/optim/transforms.js'
import type { Params } from '../src/core/Params.js'
import { train, type TrainConfig } from '../src/train/loop.js'
import { buildPrograms, type Programs } from '../src/train/programs.js'
import { exprOps } from '../src/train/fusedStep.js'
import type { TrainState } from '../src/train/TrainState.js'
import { float32Tolerance } from '../laws/dtype.js'

const ds = spiral(R.key(0), { classes: 3, perClass: 40 })

const builtins: readonly (readonly [string, () => GradientTransformation<PlainState>])[] = [
  ['sgd', () => sgd(0.1)],
  ['momentum', () => momentum(stepDecay(0.05, 0.5, 3), 0.9)],
  ['nesterov', () => nesterov(0.05, 0.8)],
  ['adagrad', () => adagrad(0.1)],
  ['rmsprop', () => rmsprop(exponentialDecay(0.01, 0.9, 4))],
  ['adam', () => adam(stepDecay(0.02, 0.5, 4))],
  ['adamw', () => adamw(0.02, 0.01)],
  ['adadelta', () => adadelta(1, { rho: 0.9 })],
  ['scale, addDecayedWeights, scaleByLearningRate', () => chain(scale(0.5), addDecayedWeights(0.1), scaleByLearningRate(0.1))],
]

/** The same optimizer without its graph form: the fold runs its update in JavaScript. */
const withoutGraph = <S,>(o: GradientTransformation<S>): GradientTransformation<S> => ({ init: o.init, update: (g, s, x) => o.update(g, s, x) })

const bits = (p: Params) => Object.keys(p).sort().map((k) => [k, [...p[k]!.data]])

function sameParams(a: Params, b: Params): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => b[k] !== undefined && T.equal(a[k]!, b[k]!))
}

/** Programs whose gradient-only step must not run: proves a run took the fused step. */
const fusedOnly = (p: Programs): Programs => ({ ...p, step: () => { throw new Error('the gradient-only step ran') } })

describe('the graph form compiled', () => {
  const shapes = { a: [2, 3], b: [3] } as const
  const draw = (seed: number, shape: readonly number[], lo = -2, hi = 2) => R.uniform(R.key(seed), shape, lo, hi)
  for (const [name, build] of builtins)
    it(`${name}: float64 gives update's bits, float32 agrees within the float32 law (3 steps)`, () => {
      const opt = build()
      const graph = opt.graph!
      expect(graph).toBeDefined()
      const x: Params = { a: draw(1, shapes.a), b: draw(2, shapes.b) }
      let s = opt.init(x)
      for (let step = 0; step < 3; step++) {
        const g: Params = { a: draw(10 + step, shapes.a), b: draw(20 + step, shapes.b) }
        const [u, s2] = opt.update(g, s, x)
        const { scalars, state: next } = graph.advance(s)
        const bufs = graph.buffers(s)
        const bufNames = Object.keys(bufs)
        const sIn = Object.fromEntries(Object.keys(scalars).map((k) => [k, ops.input(`s:${k}`, [])]))
        const outs = Object.keys(x).flatMap((k) => {
          const r = graph.rule(exprOps, { g: ops.input(`g:${k}`, x[k]!.shape), x: ops.input(`x:${k}`, x[k]!.shape), buffers: Object.fromEntries(bufNames.map((b) => [b, ops.input(`${b}:${k}`, x[k]!.shape)])), scalars: sIn })
          return [r.u, ...bufNames.map((b) => r.buffers[b]!)]
        })
        const bindings = {
          ...Object.fromEntries(Object.keys(x).flatMap((k) => [[`g:${k}`, g[k]!], [`x:${k}`, x[k]!], ...bufNames.map((b) => [`${b}:${k}`, bufs[b]![k]!])])),
          ...Object.fromEntries(Object.entries(scalars).map(([k, v]) => [`s:${k}`, T.scalar(v)])),
        }
        for (const dtype of ['float64', 'float32'] as const) {
          const got = compile(outs, { dtype }).runOrThrow(bindings)
          const per = 1 + bufNames.length
          Object.keys(x).forEach((k, i) => {
            const want = [u[k]!, ...bufNames.map((b) => graph.buffers(s2)[b]![k]!)]
            want.forEach((w, j) => {
              const t = got[i * per + j]!
              if (dtype === 'float64') expect([...t.data]).toEqual([...w.data])
              else w.data.forEach((v, e) => expect(Math.abs(t.data[e]! - v)).toBeLessThanOrEqual(float32Tolerance * (Math.abs(v) + 1e-3)))
            })
          })
        }
        // the rest of the state is advance's
        expect(graph.withBuffers(next, graph.buffers(s2))).toEqual(s2)
        s = s2
      }
    })
})

describe('train through the fused step', () => {
  const model = mlp([2, 16, 3])
  const base = { epochs: 2, batchSize: 32, key: R.key(5), regularization: { kind: 'l2', lambda: 1e-3 } } as const
  const programs = buildPrograms(model, 'softmax', base.regularization)

  for (const [name, build] of builtins)
    it(`${name}: float64 equals the JavaScript update bit for bit (params, optimizer state, losses)`, () => {
      const fused = train(model, { train: ds }, { ...base, optimizer: build(), programs: fusedOnly(programs) })
      const js = train(model, { train: ds }, { ...base, optimizer: withoutGraph(build()), programs })
      expect(fused.status).toBe('done')
      expect(bits(fused.params)).toEqual(bits(js.params))
      expect(fused.optState).toEqual(js.optState)
      // the same text too (key order included): a checkpoint of either is the same file
      expect(JSON.stringify([fused.params, fused.optState])).toBe(JSON.stringify([js.params, js.optState]))
      expect(fused.history.loss).toEqual(js.history.loss)
      expect(fused.history.learningRate).toEqual(js.history.learningRate)
      // ‖update‖/‖param‖: the program's norms, summed in its own order
      for (const k of Object.keys(fused.history.ratio))
        fused.history.ratio[k]!.forEach((r, i) => {
          const w = js.history.ratio[k]![i]!
          if (Number.isNaN(w)) expect(r).toBeNaN()
          else expect(Math.abs(r - w)).toBeLessThanOrEqual(1e-12 * Math.abs(w))
        })
    })

  it('float32: the fused run stays within the float32 law of the float64 JavaScript run (adam, 2 epochs)', () => {
    const p32 = buildPrograms(model, 'softmax', base.regularization, { dtype: 'float32' })
    const fused = train(model, { train: ds }, { ...base, optimizer: adam(0.02), programs: fusedOnly(p32) })
    const js = train(model, { train: ds }, { ...base, optimizer: withoutGraph(adam(0.02)), programs })
    for (const k of Object.keys(js.params)) {
      const d = T.norm(T.sub(fused.params[k]!, js.params[k]!)) / T.norm(js.params[k]!)
      expect(d).toBeLessThan(1e-3)
    }
    fused.history.loss.forEach((l, i) => expect(Math.abs(l - js.history.loss[i]!)).toBeLessThan(1e-3 * js.history.loss[i]!))
  })

  it('an optimizer without a graph form (clipping first) runs its update in JavaScript, with the same results as before', () => {
    const opt = () => chain(clipByGlobalNorm(1), adam(0.02))
    expect(opt().graph).toBeUndefined()
    const a = train(model, { train: ds }, { ...base, optimizer: opt(), programs })
    const b = train(model, { train: ds }, { ...base, optimizer: withoutGraph(opt()), programs })
    expect(sameParams(a.params, b.params)).toBe(true)
    expect(() => train(model, { train: ds }, { ...base, optimizer: opt(), programs: fusedOnly(programs) })).toThrow('the gradient-only step ran')
  })

  for (const dtype of ['float64', 'float32'] as const)
    it(`${dtype}: a run stopped by maxSteps mid-epoch and continued equals the uninterrupted run bit for bit (dropout, batch norm, adam)`, () => {
      const net = mlp([2, 12, 3], { keep: 0.8, batchNorm: true })
      const pr = fusedOnly(buildPrograms(net, 'softmax', { kind: 'none' }, { dtype }))
      const cfg: TrainConfig = { optimizer: adam(stepDecay(0.02, 0.5, 5)), epochs: 3, batchSize: 25, key: R.key(9), programs: pr }
      const whole = train(net, { train: ds, validation: ds }, cfg)
      const half = train(net, { train: ds, validation: ds }, { ...cfg, maxSteps: 7 })
      expect([half.status, half.step, half.epoch, half.batch]).toEqual(['running', 7, 1, 2])
      const rest = train(net, { train: ds, validation: ds }, cfg, structuredClone(half))
      expect(rest.step).toBe(whole.step)
      expect(bits(rest.params)).toEqual(bits(whole.params))
      expect(bits(rest.modelState)).toEqual(bits(whole.modelState))
      expect(rest.optState).toEqual(whole.optState)
      expect(rest.history).toEqual(whole.history)
    })

  for (const dtype of ['float64', 'float32'] as const)
    it(`${dtype}: a non-finite step stops naming step and parameter, keeping the last finite values`, () => {
      const pr = buildPrograms(model, 'softmax', { kind: 'none' }, { dtype })
      const st: TrainState = train(model, { train: ds }, { optimizer: momentum(dtype === 'float32' ? 1e30 : 1e200), epochs: 5, batchSize: 30, key: R.key(2), programs: pr })
      expect(st.status).toBe('nonFinite')
      expect(st.nonFinite!.message).toMatch(/^training stopped at step \d+ \(epoch \d+, batch \d+\): /)
      expect(st.nonFinite!.message).toMatch(/dense\d\.[Wb]/)
      expect(st.step).toBe(st.nonFinite!.step)
      expect(st.step).toBeGreaterThan(0)
      expect(st.history.loss.length).toBe(st.step)
      expect(Object.values(st.params).every(T.isFinite)).toBe(true)
      const velocity = (st.optState as { velocity: Params }).velocity
      expect(Object.values(velocity).every(T.isFinite)).toBe(true)
      // the same stop, message and values as the update in JavaScript (float64: the same bits)
      const js = train(model, { train: ds }, { optimizer: withoutGraph(momentum(dtype === 'float32' ? 1e30 : 1e200)), epochs: 5, batchSize: 30, key: R.key(2), programs: pr })
      if (dtype === 'float64') {
        expect(st.nonFinite).toEqual(js.nonFinite)
        expect(bits(st.params)).toEqual(bits(js.params))
      }
    })

  it('float64: a non-finite step in a later epoch (values read at each epoch end) is the JavaScript form\'s stop, bit for bit', () => {
    // the learning rate jumps by 1e60 at step 30, in the 8th epoch (4 batches each)
    const opt = () => momentum(stepDecay(0.05, 1e60, 30), 0.9)
    const cfg = { epochs: 20, batchSize: 30, key: R.key(4), programs }
    const st = train(model, { train: ds }, { ...cfg, optimizer: opt() })
    const js = train(model, { train: ds }, { ...cfg, optimizer: withoutGraph(opt()) })
    expect(st.status).toBe('nonFinite')
    expect(st.step).toBeGreaterThan(30)
    expect(st.nonFinite).toEqual(js.nonFinite)
    expect(bits(st.params)).toEqual(bits(js.params))
    expect(st.optState).toEqual(js.optState)
    expect(st.history).toEqual({ ...js.history, ratio: st.history.ratio })
  })

  it('float32: an update that overflows float32 but not float64 is taken in float64 (as the JavaScript form does), and the run goes on in that form', () => {
    const p32 = buildPrograms(model, 'softmax', { kind: 'l2', lambda: 10 }, { dtype: 'float32' })
    const cfg = { epochs: 2, batchSize: 30, key: R.key(6), regularization: { kind: 'l2', lambda: 10 } as const, programs: p32 }
    const st = train(model, { train: ds }, { ...cfg, optimizer: momentum(3e38, 0.9) })
    const js = train(model, { train: ds }, { ...cfg, optimizer: withoutGraph(momentum(3e38, 0.9)) })
    expect(st.status).toBe('nonFinite')
    expect(st.step).toBe(1)
    expect(st.nonFinite).toEqual(js.nonFinite)
    expect(bits(st.params)).toEqual(bits(js.params))
    expect(st.optState).toEqual(js.optState)
  })
})
