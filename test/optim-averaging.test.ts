/**
 * Polyak averaging vs EMA of parameters, checkpoint averaging, and model ensembles (accuracy gain
 * on a spiral dataset).
 */
import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import { freeze } from 'immer'
import * as T from '../src/core/Tensor.js'
import * as R from '../src/core/Random.js'
import * as P from '../src/optim/params.js'
import type { Params } from '../src/optim/params.js'
import { averageCheckpoints, emaAverage, polyakAverage } from '../src/optim/averaging.js'
import { accuracy, argmaxRows, ensembleProba } from '../src/optim/ensemble.js'
import { sgd } from '../src/optim/aliases.js'
import { step } from '../src/optim/GradientTransformation.js'
import { bowl, snapshot } from './optim-fixtures.js'
import { ensembleDemo } from '../examples/05-optimizers.js'

const iterates: Params[] = [0, 1, 2, 3, 4, 5].map((t) => ({ w: T.of([t, t * t]), b: T.of([[1 - t]]) }))

describe('Polyak averaging and EMA are different averages', () => {
  it('Polyak is the plain mean of all iterates, x₀ included', () => {
    const pa = polyakAverage()
    let s = pa.init(iterates[0]!)
    for (const x of iterates.slice(1)) s = pa.update(x, s)
    expect(s.count).toBe(6)
    expect(Array.from(pa.average(s)['w']!.data)).toEqual([2.5, 55 / 6].map((v) => expect.closeTo(v, 14)))
    expect(pa.average(s)['b']!.data[0]).toBeCloseTo(-1.5, 14)
  })

  it('EMA follows x̄ₜ = dᵗ·x₀ + Σᵢ (1−d)·dᵗ⁻ⁱ·xᵢ', () => {
    const d = 0.7
    const ema = emaAverage(d)
    let s = ema.init(iterates[0]!)
    for (const x of iterates.slice(1)) s = ema.update(x, s)
    const t = iterates.length - 1
    const closed = iterates.reduce((acc, x, i) => P.axpy(acc, i === 0 ? d ** t : (1 - d) * d ** (t - i), x), P.zerosLike(iterates[0]!))
    expect(P.maxRelError(ema.average(s), closed)).toBeLessThan(1e-14)
    expect(s.hyperparams.decay).toBe(0.7)
    // on the same sequence the two averages disagree: EMA weighs recent iterates more
    const pa = polyakAverage()
    let sp = pa.init(iterates[0]!)
    for (const x of iterates.slice(1)) sp = pa.update(x, sp)
    expect(ema.average(s)['w']!.data[0]!).toBeGreaterThan(pa.average(sp)['w']!.data[0]!)
  })

  it('both reduce the loss of noisy SGD iterates on a bowl (fixed seed)', () => {
    const pb = bowl(1, 10)
    const opt = sgd(0.05)
    let x = pb.x0
    let s = opt.init(x)
    const ema = emaAverage(0.95)
    const pa = polyakAverage()
    let se = ema.init(x)
    let sp = pa.init(x)
    for (let t = 0; t < 400; t++) {
      const g = pb.objective(x)[1]
      const noise = R.normal(R.foldIn(R.key(7), t), [2], 2)
      ;[x, s] = step(opt, x, { w: T.add(g['w']!, noise) }, s)
      se = ema.update(x, se)
      sp = t === 200 ? pa.init(x) : pa.update(x, sp) // Polyak over the tail, after burn-in
    }
    const f = (p: Params) => pb.objective(p)[0]
    console.log(`noisy SGD on a bowl: last iterate f = ${f(x).toExponential(2)}, EMA(0.95) f = ${f(ema.average(se)).toExponential(2)}, Polyak tail f = ${f(pa.average(sp)).toExponential(2)}`)
    expect(f(ema.average(se))).toBeLessThan(f(x))
    expect(f(pa.average(sp))).toBeLessThan(f(x))
  })

  it('update is pure', () => {
    const a = freeze(iterates[1]!, true)
    const b = freeze(iterates[2]!, true)
    const before = snapshot([a, b])
    for (const av of [polyakAverage(), emaAverage(0.9)] as const) {
      const s = freeze(av.init(a as Params), true)
      av.update(b as Params, s as never)
    }
    averageCheckpoints([a as Params, b as Params])
    expect(snapshot([a, b])).toEqual(before)
  })
})

describe('averageCheckpoints', () => {
  it('is the elementwise mean', () => {
    const r = averageCheckpoints(iterates.slice(0, 3))
    expect(E.isRight(r) && Array.from(r.right['w']!.data)).toEqual([1, 5 / 3])
  })

  it('returns a Left naming the checkpoint, the key and the shapes when structures differ', () => {
    const bad1 = averageCheckpoints([iterates[0]!, { w: T.of([1, 2]) }])
    const bad2 = averageCheckpoints([iterates[0]!, { w: T.of([1, 2, 3]), b: T.of([[0]]) }])
    const bad3 = averageCheckpoints([])
    expect(E.isLeft(bad1) && bad1.left.message).toMatch(/checkpoint 1: key 'b' is missing in the second record/)
    expect(E.isLeft(bad2) && bad2.left.message).toMatch(/checkpoint 1: key 'w' has shape \[2\] in the first record and \[3\]/)
    expect(E.isLeft(bad3) && bad3.left.message).toMatch(/at least one checkpoint/)
  })
})

describe('ensembles', () => {
  it('average class probabilities; the ensemble beats the mean single model on a spiral', () => {
    const r = ensembleDemo()
    console.log(`spiral test accuracy: single models ${r.single.map((a) => a.toFixed(3)).join(', ')} (mean ${r.mean.toFixed(3)}), ensemble ${r.ensemble.toFixed(3)}`)
    expect(r.single).toHaveLength(5)
    expect(r.ensemble).toBeGreaterThan(r.mean)
  })

  it('the ensemble of one model is that model; probabilities stay normalized', () => {
    const p = (x: T.Tensor) => T.make([x.shape[0]!, 2], Array.from(x.data, (v) => [1 / (1 + Math.exp(-v)), 1 - 1 / (1 + Math.exp(-v))]).flat())
    const q = (x: T.Tensor) => T.make([x.shape[0]!, 2], Array.from(x.data, (v) => [0.5 + 0.4 * Math.tanh(v), 0.5 - 0.4 * Math.tanh(v)]).flat())
    const x = T.of([[-2], [0.3], [1.5]])
    const one = ensembleProba([p], x)
    expect(E.isRight(one) && T.equal(one.right, p(x))).toBe(true)
    const two = ensembleProba([p, q], x)
    if (E.isLeft(two)) throw two.left
    for (let i = 0; i < 3; i++) expect(two.right.data[2 * i]! + two.right.data[2 * i + 1]!).toBeCloseTo(1, 14)
    expect(two.right.data[0]).toBeCloseTo((p(x).data[0]! + q(x).data[0]!) / 2, 14)
  })

  it('reports mismatched shapes and labels as Left values', () => {
    const a = () => T.of([[0.5, 0.5]])
    const b = () => T.of([[0.2, 0.3, 0.5]])
    const r = ensembleProba([a, b], T.zeros([1, 2]))
    expect(E.isLeft(r) && r.left.message).toMatch(/model 1 returned \[1,\s?3\], expected \[1,\s?2\]/)
    const acc = accuracy(T.of([[0.1, 0.9]]), [1, 0])
    expect(E.isLeft(acc) && acc.left.message).toMatch(/2 labels/)
    expect(Array.from(argmaxRows(T.of([[0.1, 0.9], [0.5, 0.5], [0.7, 0.3]])))).toEqual([1, 0, 0])
  })
})
