/**
 * The API's former traps, each with the behaviour that replaced it (type-level halves in
 * test/api-types.ts).
 */
import { describe, expect, it } from 'vitest'
import { usage } from '../src/cli/main.js'
import { parseArgs } from '../src/cli/args.js'
import { configFlags, configFromArgs } from '../src/cli/commands.js'
import { convnetRunConfig, startRunConfig } from '../src/train/config.js'
import { add, compile, evaluate, evaluateOrThrow, grad, gradcheck, input, io, mul, nn, optim, Random, param, square, sum, SymgradError, Tensor, valueAndGrad } from '../src/index.js'

describe('nn.dropout takes { keep } or { rate } by name', () => {
  it('{ rate: 0.1 } drops 10% (the same layer as { keep: 0.9 }); a bare number or both are refused at run time too', () => {
    expect(nn.dropout({ rate: 0.1 })).toEqual(nn.dropout({ keep: 0.9 }))
    expect(nn.dropout({ rate: 0.1 }).keep).toBeCloseTo(0.9, 15)
    expect(nn.dropout({ rate: 0, name: 'd' })).toEqual({ kind: 'dropout', keep: 1, name: 'd' })
    expect(() => nn.dropout(0.1 as never)).toThrow(/give exactly one of \{ keep \}/)
    expect(() => nn.dropout({ keep: 0.9, rate: 0.1 } as never)).toThrow(/exactly one/)
    expect(() => nn.dropout({ rate: 1 })).toThrow(/rate \(probability of dropping a unit\) must be in \[0, 1\), got 1/)
  })
})

describe('gradients: a record in gives a record out, an array in an array out', () => {
  const W = param('W', [2])
  const b = param('b', [2])
  const x = input('x', [2])
  const loss = sum(square(add(mul(W, x), b)))
  const bind = { W: Tensor.make([2], [1, 2]), b: Tensor.make([2], [0.5, -1]), x: Tensor.make([2], [1, -1]) }
  // r = W⊙x + b = [1.5, −3]; loss = 11.25, ∂/∂b = 2r, ∂/∂W = 2r⊙x
  const db = [3, -6]
  const dW = [3, 6]

  it('grad and valueAndGrad agree on both forms; an array is no longer keyed "0", "1"', () => {
    const [gW, gb] = grad(loss, [W, b])
    expect([...evaluateOrThrow(gb!, bind).data]).toEqual(db)
    expect(Object.keys(grad(loss, { W, b }))).toEqual(['W', 'b'])
    const arr = valueAndGrad(loss, [W, b]).runOrThrow(bind)
    expect(Array.isArray(arr.grads)).toBe(true)
    expect(arr.value).toBeCloseTo(11.25, 12)
    expect(arr.grads.map((g) => [...g.data])).toEqual([dW, db])
    const rec = valueAndGrad(loss, { W, b }).runOrThrow(bind)
    expect(Object.keys(rec.grads)).toEqual(['W', 'b'])
    expect([...rec.grads.W.data]).toEqual([...evaluateOrThrow(gW!, bind).data])
  })

  it('valueAndGrad has runOrThrow (fresh tensors, or a thrown SymgradError); runOwned reuses its buffers', () => {
    const vg = valueAndGrad(loss, { W, b })
    expect(() => vg.runOrThrow({ W: bind.W, b: bind.b })).toThrow(SymgradError)
    const first = vg.runOwned(bind)
    const kept = Tensor.map(first.grads.b, (v) => v)
    const fresh = vg.runOrThrow(bind)
    vg.runOwned({ ...bind, x: Tensor.make([2], [0, 0]) })
    // the owned tensor now holds the second call's gradient; the clone and the fresh result do not change
    expect([...first.grads.b.data]).toEqual([1, -2])
    expect([...kept.data]).toEqual(db)
    expect([...fresh.grads.b.data]).toEqual(db)
  })
})

describe('evaluate and evaluateOrThrow take the same arguments; numbers bind scalars', () => {
  const x = input('x', [2])
  const s = input('s', [])
  const y = mul(x, s)
  const bind = { x: Tensor.make([2], [1, -2]), s: 3 }

  it('one expression gives one tensor, an array an array (the array gave a TypeError in topoSort)', () => {
    expect([...evaluateOrThrow(y, bind).data]).toEqual([3, -6])
    expect(evaluateOrThrow([y, x], bind).map((t) => [...t.data])).toEqual([[3, -6], [1, -2]])
    const r = evaluate([y], bind)
    expect(r._tag === 'Right' && r.right.length).toBe(1)
    const one = evaluate(y, bind)
    expect(one._tag === 'Right' && [...one.right.data]).toEqual([3, -6])
  })

  it('a plain number binds a scalar leaf in evaluate, compiled code (float64 and float32) and gradcheck; elsewhere it is one line', () => {
    expect([...compile([y]).runOrThrow(bind)[0]!.data]).toEqual([3, -6])
    expect([...compile([y], { dtype: 'float32' }).runOrThrow(bind)[0]!.data]).toEqual([3, -6])
    expect([...valueAndGrad(sum(y), { x }).runOrThrow(bind).grads.x.data]).toEqual([3, 3])
    const w = param('w', [2])
    const g = gradcheck(sum(square(mul(w, s))), [w], { w: Tensor.make([2], [0.5, 2]), s: 1.5 })
    expect(g._tag).toBe('Right')
    const bad = evaluate(y, { x: 2, s: 3 })
    expect(bad._tag === 'Left' && bad.left.message).toBe("binding for input 'x' [2] is a number; a number binds only a scalar ([]) leaf, give a tensor of that shape")
    expect(() => compile([y]).runOrThrow({ x: 2, s: 3 })).toThrow(/is a number; a number binds only a scalar/)
  })
})

describe('optim.adamState: an Adam state from the usual quantities', () => {
  const x = { w: Tensor.make([3], [1, -2, 0.5]) }
  const grads = [[0.3, -1, 2], [0.1, 0.4, -0.7], [-0.2, 0.9, 0.05], [1, 1, 1]].map((d) => ({ w: Tensor.make([3], d) }))

  it('the moments after 3 updates and step: 3 give the state 3 updates made (β^t products included) and the same 4th update', () => {
    const opt = optim.adam(0.01)
    let s: optim.AdamState = opt.init(x)
    for (const g of grads.slice(0, 3)) s = opt.update(g, s, x)[1]
    const seeded = optim.adamState({ m: s[0].m, v: s[0].v, step: 3, learningRate: 0.01 })
    expect(seeded[0].count).toBe(3)
    expect(seeded[0].b1Power).toBeCloseTo(0.9 ** 3, 15)
    expect(seeded[0].b2Power).toBeCloseTo(0.999 ** 3, 15)
    expect(seeded[0].b1Power).toBeCloseTo(s[0].b1Power, 15)
    const [u1] = opt.update(grads[3]!, s, x)
    const [u2] = opt.update(grads[3]!, seeded, x)
    expect(Tensor.maxRelError(u2.w!, u1.w!)).toBeLessThan(1e-13)
    // a step-0 state with zero moments is init's
    expect(optim.adamState({ m: { w: Tensor.zeros([3]) }, v: { w: Tensor.zeros([3]) }, step: 0 })).toEqual(optim.adam().init(x))
    expect(() => optim.adamState({ m: x, v: {}, step: 1 })).toThrow(/m and v must name the same tensors/)
    expect(() => optim.adamState({ m: x, v: x, step: 1.5 })).toThrow(/step must be a whole number/)
  })
})

describe("batch norm's running variance starts where you say", () => {
  it('runningVarInit: 1 by default (PyTorch, Keras), 0 on request (CS231n); a checkpoint without the field reads as 1', () => {
    const one = nn.sequential(nn.dense(2, 3), nn.batchNorm())
    const zero = nn.sequential(nn.dense(2, 3), nn.batchNorm({ runningVarInit: 0 }))
    expect([...one.init(Random.key(0)).state['bn0.runningVar']!.data]).toEqual([1, 1, 1])
    expect([...zero.init(Random.key(0)).state['bn0.runningVar']!.data]).toEqual([0, 0, 0])
    const sp = nn.sequential({ ...nn.reshape([1, 2, 2]), in: 4 }, nn.spatialBatchNorm({ runningVarInit: 0 }), nn.flatten)
    expect([...sp.init(Random.key(0)).state['sbn0.runningVar']!.data]).toEqual([0])
    expect(() => nn.batchNorm({ runningVarInit: 2 as 0 })).toThrow(/runningVarInit must be 0 or 1, got 2/)
    // an older spec (no runningVarInit) decodes with the default
    const old = { layers: [{ kind: 'dense', in: 2, out: 3 }, { kind: 'batchNorm', eps: 1e-5, momentum: 0.9 }] }
    const decoded = io.decodeSpec(old)
    expect(decoded._tag === 'Right' && decoded.right.layers[1]).toMatchObject({ kind: 'batchNorm', runningVarInit: 1 })
  })
})

describe('symgrad --help says what npm start runs', () => {
  it('npm start is symgrad train --model convnet --epochs 2, as the usage line says', () => {
    expect(usage).toContain('npm start runs the main job: symgrad train --model convnet --epochs 2')
    expect(usage).not.toContain('with defaults')
    const args = parseArgs(['--model', 'convnet', '--epochs', '2'], configFlags, 'train')
    expect(configFromArgs(args, { base: convnetRunConfig, perData: true })).toEqual(startRunConfig)
  })
})
