import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { freeze } from 'immer'
import * as sg from '../src/ops/index.js'
import type { Expr } from '../src/core/Expr.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import type { Tensor } from '../src/core/Tensor.js'
import { evaluate } from '../src/eval/evaluate.js'
import { grad } from '../src/ad/grad.js'
import { compile, explain, interpret, linearize, stages, valueAndGrad, problems, fuse } from '../src/compile/index.js'
import { jsBackend, makeJsBackend } from '../src/compile/backend-js.js'
import { fusable } from '../src/compile/backend.js'
import { builtinOps as registry } from '../src/ops/index.js'
import { build, C, recipe } from './compile-graphs.js'

/** Relative agreement; non-finite values must match exactly (NaN with NaN). */
function close(a: Tensor, b: Tensor, tol = 1e-12): boolean {
  if (a.shape.join() !== b.shape.join()) return false
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!
    const y = b.data[i]!
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (!Object.is(x, y) && !(Number.isNaN(x) && Number.isNaN(y))) return false
      continue
    }
    if (Math.abs(x - y) > tol * Math.max(Math.abs(x), Math.abs(y), 1e-300)) return false
  }
  return true
}

function bindingsFor(seed: number, n: number): Record<string, Tensor> {
  const k = R.key(seed)
  const labels = T.make([n], Array.from({ length: n }, (_, i) => R.int(R.foldIn(k, 100 + i), 0, C)))
  return {
    x0: R.normal(R.foldIn(k, 1), [n, C]),
    x1: R.uniform(R.foldIn(k, 2), [n, C], -2, 2),
    W: R.normal(R.foldIn(k, 3), [C, C], 0.7),
    b: R.normal(R.foldIn(k, 4), [C]),
    y: labels,
  }
}

function pick(b: Record<string, Tensor>, outs: readonly Expr[]): Record<string, Tensor> {
  const names = new Set(stages(outs, { simplify: false }).program.inputs.map((i) => i.name))
  return Object.fromEntries(Object.entries(b).filter(([k]) => names.has(k)))
}

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left
  return e.right
}

describe('compiled == interpreted on random graphs', () => {
  it('matches interpret(Program) and evaluate(Expr) within 1e-12 (unsimplified and simplified)', () => {
    fc.assert(
      fc.property(recipe, fc.integer({ min: 1, max: 6 }), fc.nat(1e6), (r, n, seed) => {
        const e = build(r)
        const outs = [e, sg.sum(e), sg.input('x0', ['N', C])]
        const bind = pick(bindingsFor(seed, n), outs)
        const ref = right(evaluate(outs, bind))
        const raw = right(compile(outs, { simplify: false })(bind))
        expect(raw.every((t, i) => close(t, ref[i]!))).toBe(true)
        const scalar = right(compile(outs, { simplify: false, backend: makeJsBackend({ simd: false }) })(bind))
        expect(scalar.every((t, i) => close(t, ref[i]!))).toBe(true)
        expect(right(interpret(linearize(outs), bind)).every((t, i) => close(t, ref[i]!))).toBe(true)
        const st = stages(outs)
        expect(problems(st.program)).toEqual([])
        const simp = right(compile(outs)(bind))
        const simpRef = right(interpret(st.program, bind))
        expect(simp.every((t, i) => close(t, simpRef[i]!))).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('gradients of random graphs compile to the same values as grad + evaluate', () => {
    fc.assert(
      fc.property(recipe, fc.integer({ min: 1, max: 5 }), fc.nat(1e6), (r, n, seed) => {
        const loss = sg.sum(sg.mul(build(r), sg.input('x1', ['N', C])))
        const params = { W: sg.param('W', [C, C]), b: sg.param('b', [C]), x0: sg.input('x0', ['N', C]) }
        const bind = { ...bindingsFor(seed, n) }
        const gs = grad(loss, params)
        const ref = right(evaluate([loss, gs.W, gs.b, gs.x0], bind))
        const got = right(valueAndGrad(loss, params, { simplify: false })(bind))
        expect(close(T.scalar(got.value), ref[0]!)).toBe(true)
        expect(close(got.grads.W, ref[1]!)).toBe(true)
        expect(close(got.grads.b, ref[2]!)).toBe(true)
        expect(close(got.grads.x0, ref[3]!)).toBe(true)
      }),
      { numRuns: 150 },
    )
  })
})

function mlp(h: number) {
  const x = sg.input('x', ['N', 6])
  const y = sg.input('y', ['N'])
  const params = { W1: sg.param('W1', [6, h]), b1: sg.param('b1', [h]), W2: sg.param('W2', [h, 3]), b2: sg.param('b2', [3]) }
  const hid = sg.relu(sg.add(sg.matmul(x, params.W1), params.b1))
  const logits = sg.add(sg.matmul(hid, params.W2), params.b2)
  const loss = sg.neg(sg.mean(sg.gatherLabel(sg.logSoftmax(logits), y)))
  return { loss, params }
}

function mlpBindings(seed: number, n: number, h: number): Record<string, Tensor> {
  const k = R.key(seed)
  return {
    x: R.normal(R.foldIn(k, 1), [n, 6]),
    y: T.make([n], Array.from({ length: n }, (_, i) => i % 3)),
    W1: R.normal(R.foldIn(k, 2), [6, h], 0.5),
    b1: R.normal(R.foldIn(k, 3), [h], 0.1),
    W2: R.normal(R.foldIn(k, 4), [h, 3], 0.5),
    b2: R.normal(R.foldIn(k, 5), [3], 0.1),
  }
}

describe('valueAndGrad', () => {
  it('matches grad + evaluate on an MLP and reuses forward values (one program)', () => {
    const { loss, params } = mlp(7)
    const vg = valueAndGrad(loss, params)
    const bind = mlpBindings(1, 9, 7)
    const got = right(vg(bind))
    const gs = grad(loss, params)
    const ref = right(evaluate([loss, gs.W1, gs.b1, gs.W2, gs.b2], bind))
    expect(Math.abs(got.value - T.item(ref[0]!))).toBeLessThan(1e-12)
    ;(['W1', 'b1', 'W2', 'b2'] as const).forEach((k, i) => expect(T.maxRelError(got.grads[k], ref[i + 1]!, 1e-12)).toBeLessThan(1e-12))
    // one matmul kernel per product: 2 forward, 2 transposed weight gradients, 1 for dHidden
    const steps = stages([loss, gs.W1, gs.b1, gs.W2, gs.b2]).schedule.steps
    const mm = steps.filter((s) => s.kind === 'kernel' && s.eqn.op.name === 'matmul')
    expect(mm.length).toBe(5)
    expect(mm.filter((s) => s.kind === 'kernel' && s.trans.some((t) => t)).length).toBe(3)
    // no transpose is ever copied
    expect(steps.some((s) => s.kind === 'copy' && s.eqn.op.name === 'transpose')).toBe(false)
    // runOwned gives the same numbers
    const owned = vg.runOwned(bind)
    expect(owned.value).toBe(got.value)
    expect(Array.from(owned.grads.W1.data)).toEqual(Array.from(got.grads.W1.data))
  })

  it('symbolic N: two batch sizes and back, without recompiling', () => {
    const { loss, params } = mlp(5)
    const vg = valueAndGrad(loss, params)
    const gs = grad(loss, params)
    for (const n of [4, 33, 4, 1, 17]) {
      const bind = mlpBindings(n, n, 5)
      const got = right(vg(bind))
      const ref = right(evaluate([loss, gs.W1, gs.b2], bind))
      expect(Math.abs(got.value - T.item(ref[0]!))).toBeLessThan(1e-12 * Math.max(1, Math.abs(got.value)))
      expect(T.maxRelError(got.grads.W1, ref[1]!, 1e-12)).toBeLessThan(1e-12)
      expect(T.maxRelError(got.grads.b2, ref[2]!, 1e-12)).toBeLessThan(1e-12)
    }
  })
  it('symbolic N of an output whose N-carrying leaves simplification removed is still bound', () => {
    // grad(Σ (x1 − x1)·x0, x0) simplifies to zeros [N, 4]: no equation reads x0 or x1
    const x0 = sg.input('x0', ['N', 4])
    const x1 = sg.input('x1', ['N', 4])
    const g = grad(sg.sum(sg.mul(sg.sub(x1, x1), x0)), [x0])[0]!
    const bind = { x0: T.fill([3, 4], 1), x1: T.fill([3, 4], 2) }
    for (const dtype of ['float64', 'float32'] as const) {
      const out = right(compile([g], { dtype })(bind))[0]!
      expect(out.shape).toEqual([3, 4])
      expect(Array.from(out.data)).toEqual(new Array(12).fill(0))
    }
    expect(stages([g]).program.inputs.map((i) => i.name)).toHaveLength(1)
  })
})

describe('purity', () => {
  it('never writes into (deep-frozen) inputs; outputs are fresh arrays', () => {
    fc.assert(
      fc.property(recipe, fc.integer({ min: 1, max: 5 }), fc.nat(1e6), (r, n, seed) => {
        const e = build(r)
        const outs = [e, sg.sum(sg.square(e)), sg.input('x0', ['N', C])]
        const bind = freeze(pick(bindingsFor(seed, n), outs), true)
        const before = Object.fromEntries(Object.entries(bind).map(([k, t]) => [k, new Uint8Array(t.data.slice().buffer)]))
        const f = compile(outs)
        const a = right(f(bind))
        const b2 = right(f(bind))
        for (const [k, t] of Object.entries(bind)) expect(new Uint8Array(t.data.buffer)).toEqual(before[k])
        a.forEach((t, i) => {
          expect(t.data).not.toBe(b2[i]!.data)
          for (const inp of Object.values(bind)) expect(t.data.buffer).not.toBe(inp.data.buffer)
        })
      }),
      { numRuns: 60 },
    )
  })

  it('an output that is an input is copied', () => {
    const x = sg.input('x', [3])
    const t = T.of([1, 2, 3])
    const [out] = right(compile([x])({ x: t }))
    expect(out!.data).not.toBe(t.data)
    expect(Array.from(out!.data)).toEqual([1, 2, 3])
  })
})

describe('errors are values', () => {
  const x = sg.input('x', ['N', 3])
  const f = compile([sg.gatherLabel(x, sg.input('y', ['N']))])
  it('missing binding', () => {
    const r = f({ x: T.zeros([2, 3]) })
    expect(E.isLeft(r) && r.left.message).toMatch(/missing binding for input 'y'/)
  })
  it('wrong shape names expected and actual', () => {
    const r = f({ x: T.zeros([2, 4]), y: T.zeros([2]) })
    expect(E.isLeft(r) && r.left.message).toMatch(/input 'x' \[N,3\].*expected \[N,3\], got \[2,4\]/)
  })
  it('inconsistent symbolic dim', () => {
    const r = f({ x: T.zeros([2, 3]), y: T.zeros([5]) })
    expect(E.isLeft(r) && r.left.message).toMatch(/N=2/)
  })
  it('label out of range', () => {
    const r = f({ x: T.zeros([2, 3]), y: T.of([0, 7]) })
    expect(E.isLeft(r) && r.left.message).toMatch(/label 7 at row 1 is out of range/)
  })
})

describe('stages', () => {
  it('explain shows every stage', () => {
    const { loss, params } = mlp(4)
    const s = explain([loss, ...Object.values(grad(loss, params))])
    for (const h of ['── program', '── fused steps', '── buffer plan', '── generated JavaScript', 'rt.matmul']) expect(s).toContain(h)
  })
  it('typecheck finds a broken program', () => {
    const p = linearize([sg.add(sg.input('a', [2]), sg.input('b', [2]))])
    const bad = { ...p, eqns: p.eqns.map((e) => ({ ...e, shape: [3] })) }
    expect(problems(bad).join()).toMatch(/shape rule gives \[2\], equation says \[3\]/)
    expect(problems({ ...p, outputs: [99] }).join()).toMatch(/output v99 is not defined/)
  })
  it('every registered op is emitted, a kernel, a view, an alias or a leaf', () => {
    for (const op of registry) {
      const ok = fusable(jsBackend, op) || jsBackend.kernels.has(op) || ['data', 'alias', 'view'].includes(op.lowering)
      expect(ok, op.name).toBe(true)
    }
    const kernelOps = registry.filter((op) => op.lowering === 'kernel').map((op) => op.name)
    expect([...jsBackend.kernels.keys()].map((op) => op.name).sort()).toEqual([...kernelOps].sort())
  })
  it('diagonal Jacobians: an elementwise chain and its gradient are single loops', () => {
    const x = sg.input('x', [5])
    const l = sg.sum(sg.tanh(sg.mul(sg.exp(x), sg.sigmoid(x))))
    const sch = fuse(linearize([l, grad(l, [x])[0]!]), jsBackend)
    expect(sch.steps.filter((s) => s.kind === 'loop').length).toBeLessThanOrEqual(3)
  })
  it('tensor constants and general reductions (non-adjacent axes)', () => {
    const t = sg.tensor(R.normal(R.key(9), [3, 4, 5]))
    const outs = [sg.sum(t, [0, 2]), sg.max(t, [0, 2]), sg.logSumExp(t, [0, 2]), sg.mean(t, [1]), sg.sumTo(t, [4, 1]), sg.transpose(t, [2, 0, 1])]
    const ref = right(evaluate(outs, {}))
    right(compile(outs, { simplify: false })({})).forEach((o, i) => expect(close(o, ref[i]!)).toBe(true))
  })
})
